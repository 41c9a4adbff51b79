"""The results schema (SQLAlchemy 2.0 typed ORM): runs, yearly and monthly metrics,
facility years, and the schema version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA_VERSION = 8

# What takes a database from version v to v + 1 (applied by database.py when it opens an
# older file); a version missing here is refused with a one-line error.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    6: ("ALTER TABLE runs ADD COLUMN owner VARCHAR(300)",),  # runs.owner (host:pid)
    # facilities' catchments (earlier runs: NULL)
    7: (
        "ALTER TABLE facility_years ADD COLUMN catchment_residents FLOAT",
        "ALTER TABLE facility_years ADD COLUMN catchment_minutes_to_county FLOAT",
    ),
}


class Base(DeclarativeBase):
    """Declarative base of the results schema."""


class SchemaInfo(Base):
    """One row: the schema version of this database."""

    __tablename__ = "schema_info"
    version: Mapped[int] = mapped_column(Integer, primary_key=True)


class Run(Base):
    """One simulation run and its provenance."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_key: Mapped[str] = mapped_column(String(64), index=True)
    seed: Mapped[int] = mapped_column(Integer, index=True)
    config_yaml: Mapped[str] = mapped_column(Text)
    scenario: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    overrides: Mapped[list[str]] = mapped_column(JSON, default=list)
    version: Mapped[str] = mapped_column(String(64))
    git_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
    dirty: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # uncommitted changes
    model_id: Mapped[str] = mapped_column(String(32), index=True, default="")  # provenance.py
    dependencies: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    owner: Mapped[str | None] = mapped_column(String(300), nullable=True)  # host:pid running it
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    wall_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class YearlyMetric(Base):
    """A yearly metric of a run."""

    __tablename__ = "yearly_metrics"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)


class MonthlyMetric(Base):
    """A monthly metric of a run."""

    __tablename__ = "monthly_metrics"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)


class FacilityYear(Base):
    """One facility's year in a run."""

    __tablename__ = "facility_years"
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility: Mapped[str] = mapped_column(String(128))
    level: Mapped[int] = mapped_column(Integer)
    consortium: Mapped[int] = mapped_column(Integer, default=-1)  # -1: out of county
    visits: Mapped[int] = mapped_column(Integer)
    admissions: Mapped[int] = mapped_column(Integer)
    revenue_yuan: Mapped[float] = mapped_column(Float)
    referrals_up: Mapped[int] = mapped_column(Integer)
    doctor_days: Mapped[float] = mapped_column(Float)
    bed_days: Mapped[int] = mapped_column(Integer, default=0)  # occupied beds summed over days
    surplus_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    secondment_cost_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    dip_adjustment_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    variable_cost_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    net_income_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    # year-end decisions of the facility (decisions.py)
    admission: Mapped[float] = mapped_column(Float, default=0.0)
    keep: Mapped[float] = mapped_column(Float, default=0.0)
    down_referral: Mapped[float] = mapped_column(Float, default=0.0)
    chronic_effort: Mapped[float] = mapped_column(Float, default=0.0)
    # at the year's start: residents living in the facility's catchment (a village clinic's
    # village, a township centre's township) and their mean minutes to the county seat;
    # NULL for hospitals (they serve the county) and in runs stored before version 8
    catchment_residents: Mapped[float | None] = mapped_column(Float, nullable=True)
    catchment_minutes_to_county: Mapped[float | None] = mapped_column(Float, nullable=True)
