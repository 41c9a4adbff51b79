"""Results store: SQLAlchemy 2.0 typed ORM; SQLite by default (WAL), PostgreSQL by URL.

Tables: `runs` (provenance and status), `yearly_metrics` and `monthly_metrics` (long:
run, year[, month], metric, value), `facility_years` (one row per facility and year) and
`schema_info` (the schema version). Every connection is closed after use.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool

SCHEMA_VERSION = 5


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
    version: Mapped[str] = mapped_column(String(32))
    git_commit: Mapped[str | None] = mapped_column(String(40), nullable=True)
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


def default_url() -> str:
    """sqlite:///<cwd>/outputs/countysim.db"""
    return f"sqlite:///{Path.cwd() / 'outputs' / 'countysim.db'}"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # take transactions into our hands: pysqlite's implicit BEGIN would start them DEFERRED
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front (waiting up to busy_timeout), so a
    # read-then-write transaction never fails to upgrade its lock ("database is locked")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


_ENGINES: dict[str, Engine] = {}


class StoreError(RuntimeError):
    """The results database cannot be used (e.g. written by another schema version)."""


def engine_for(url: str | None) -> Engine:
    """A (cached) engine with the schema created; SQLite gets WAL and a busy timeout.

    NullPool: a connection is opened per session and closed when the session ends, so no
    process keeps a connection (or a SQLite write lock) between transactions.
    """
    url = url or default_url()
    eng = _ENGINES.get(url)
    if eng is not None:
        return eng
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        eng = create_engine(url, connect_args={"timeout": 30}, poolclass=NullPool)
        event.listen(eng, "connect", _sqlite_pragmas)
        event.listen(eng, "begin", _sqlite_begin)
    else:
        eng = create_engine(url, poolclass=NullPool)
    _create_schema(eng)
    _ENGINES[url] = eng
    return eng


def _create_schema(eng: Engine, attempts: int = 20) -> None:
    """Create tables and record the schema version; safe when many processes start at once."""
    for attempt in range(attempts):
        try:
            Base.metadata.create_all(eng)
            with Session(eng) as s, s.begin():
                found = s.scalars(select(SchemaInfo.version)).all()
                if not found:
                    s.add(SchemaInfo(version=SCHEMA_VERSION))
            break
        except (IntegrityError, OperationalError, ProgrammingError) as exc:
            # another process created the same table or row a moment ago: look again
            if attempt == attempts - 1:
                raise StoreError(f"store.url: cannot create the schema: {exc}") from exc
            time.sleep(0.05 * (attempt + 1))
    with Session(eng) as s:
        found = s.scalars(select(SchemaInfo.version)).all()
    if max(found) != SCHEMA_VERSION:
        eng.dispose()
        raise StoreError(
            f"store.url: database schema version {max(found)}, this countysim writes "
            f"version {SCHEMA_VERSION}; use a new store.url (or migrate the old file)"
        )


def completed_run(url: str | None, scenario_key: str, seed: int) -> int | None:
    """Id of a completed run of this scenario and seed, if there is one."""
    with Session(engine_for(url)) as s:
        return s.scalars(
            select(Run.id).where(
                Run.scenario_key == scenario_key, Run.seed == seed, Run.status == "completed"
            )
        ).first()


def claim_run(url: str | None, scenario_key: str, seed: int, **fields: Any) -> int | None:
    """Start a run of (scenario, seed) unless one completed: returns its id, or None to skip.

    A `running` (interrupted) or `failed` row of the same point is reused, so a resumed
    sweep leaves exactly one row per point.
    """
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with Session(engine_for(url)) as s, s.begin():
        rows = s.scalars(
            select(Run).where(Run.scenario_key == scenario_key, Run.seed == seed).order_by(Run.id)
        ).all()
        if any(r.status == "completed" for r in rows):
            return None
        if rows:
            row = rows[0]
            for extra in rows[1:]:
                s.delete(extra)
            for k, v in fields.items():
                setattr(row, k, v)
            row.status, row.error, row.started_at = "running", None, now
            row.ended_at = row.wall_seconds = None
        else:
            row = Run(
                scenario_key=scenario_key, seed=seed, status="running", started_at=now, **fields
            )
            s.add(row)
        s.flush()
        return int(row.id)


def record_failure(
    url: str | None,
    scenario_key: str,
    seed: int,
    error: str,
    config_yaml: str,
    overrides: list[str],
    version: str,
    scenario: dict[str, Any] | None = None,
) -> int | None:
    """Record a point that failed before it could run (e.g. a config error) as `failed`."""
    run_id = claim_run(
        url,
        scenario_key,
        seed,
        config_yaml=config_yaml,
        scenario=scenario or {},
        overrides=overrides,
        version=version,
        git_commit=None,
    )
    if run_id is not None:
        fail_run(url, run_id, error, 0.0)
    return run_id


def start_run(url: str | None, **fields: Any) -> int:
    """Insert a `running` run row; returns its id."""
    with Session(engine_for(url)) as s, s.begin():
        row = Run(
            status="running", started_at=dt.datetime.now(dt.UTC).replace(tzinfo=None), **fields
        )
        s.add(row)
        s.flush()
        return int(row.id)


def fail_run(url: str | None, run_id: int, error: str, wall_seconds: float) -> None:
    """Mark a run failed with its error message."""
    with Session(engine_for(url)) as s, s.begin():
        row = s.get(Run, run_id)
        if row is not None:
            row.status = "failed"
            row.error = error
            row.ended_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            row.wall_seconds = wall_seconds


def _long(df: pd.DataFrame, run_id: int, keys: list[str]) -> list[dict[str, Any]]:
    value_cols = [c for c in df.columns if c not in keys]
    long = df.melt(id_vars=keys, value_vars=value_cols, var_name="metric", value_name="value")
    long["run_id"] = run_id
    long["value"] = long["value"].astype(float)
    records = long.to_dict("records")
    for r in records:
        if r["value"] != r["value"]:  # NaN -> NULL
            r["value"] = None
    return records


def complete_run(
    url: str | None,
    run_id: int,
    yearly: pd.DataFrame,
    monthly: pd.DataFrame,
    facilities: pd.DataFrame,
    wall_seconds: float,
) -> None:
    """Write a run's metrics in bulk and mark it completed, in one transaction."""
    with Session(engine_for(url)) as s, s.begin():
        s.execute(insert(YearlyMetric), _long(yearly, run_id, ["year"]))
        s.execute(insert(MonthlyMetric), _long(monthly, run_id, ["year", "month"]))
        unknown = set(facilities.columns) - set(FacilityYear.__table__.columns.keys())
        if unknown:  # a bulk insert would drop them without a word
            raise KeyError(f"facility_years has no columns {sorted(unknown)}")
        fac = facilities.assign(run_id=run_id).to_dict("records")
        s.execute(insert(FacilityYear), fac)
        row = s.get(Run, run_id)
        assert row is not None
        row.status = "completed"
        row.ended_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        row.wall_seconds = wall_seconds


def load_runs(url: str | None = None) -> pd.DataFrame:
    """All runs with provenance, one row each; scenario parameters as columns."""
    with engine_for(url).connect() as conn:
        runs = pd.read_sql(select(Run), conn)
    if runs.empty:
        return runs
    scen = pd.json_normalize(runs["scenario"].tolist()).set_index(runs.index)
    return pd.concat([runs.drop(columns=["scenario"]), scen], axis=1).rename(
        columns={"id": "run_id"}
    )


def load_metrics(
    url: str | None = None, *, monthly: bool = False, status: str | None = "completed"
) -> pd.DataFrame:
    """Stored metrics, wide: one row per run and year (and month), run columns joined."""
    table = MonthlyMetric if monthly else YearlyMetric
    keys = ["run_id", "year", "month"] if monthly else ["run_id", "year"]
    with engine_for(url).connect() as conn:
        long = pd.read_sql(select(table), conn)
    if long.empty:
        return pd.DataFrame(columns=keys)
    wide = long.pivot_table(
        index=keys, columns="metric", values="value", dropna=False
    ).reset_index()
    wide.columns.name = None
    runs = load_runs(url)
    if status is not None:
        runs = runs[runs["status"] == status]
    cols = [c for c in runs.columns if c not in ("config_yaml", "overrides", "error")]
    return wide.merge(runs[cols], on="run_id", how="inner")


def load_facilities(url: str | None = None) -> pd.DataFrame:
    """Facility-year rows of every run."""
    with engine_for(url).connect() as conn:
        return pd.read_sql(select(FacilityYear), conn)
