"""Results store: SQLAlchemy 2.0 typed ORM; SQLite by default (WAL), PostgreSQL by URL.

Tables: `runs` (provenance and status), `yearly_metrics` and `monthly_metrics` (long:
run, year[, month], metric, value), `facility_years` (one row per facility and year) and
`schema_info` (the schema version). Every connection is closed after use.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from countysim.results.database import (  # noqa: F401 (the store's public names)
    URL_ENV,
    StoreError,
    default_url,
    engine_for,
    env_url,
    forget,
    mask_text,
    masked,
    retrying,
)
from countysim.results.schema import (  # noqa: F401
    SCHEMA_VERSION,
    Base,
    FacilityYear,
    MonthlyMetric,
    Run,
    SchemaInfo,
    YearlyMetric,
)

LEASE_SECONDS = 300  # a `running` row not heard from for this long belongs to a dead process
HEARTBEAT_SECONDS = 30


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def owner() -> str:
    """This process as a run's owner: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _pid_alive(pid: int) -> bool:
    """Whether process `pid` exists on this machine and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:  # no /proc (not Linux): trust os.kill
        return True


def _live(row: Run, now: dt.datetime) -> bool:
    """A `running` row whose process is alive: on this host, its pid still runs; on
    another host (or an unknown owner), it sent a heartbeat within the lease."""
    if row.status != "running":
        return False
    host, _, pid = (row.owner or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _pid_alive(int(pid)):
        return False  # killed on this machine: no need to wait out the lease
    beat = row.heartbeat_at or row.started_at
    return (now - beat).total_seconds() < LEASE_SECONDS


def completed_run(
    url: str | None, scenario_key: str, seed: int, model_id: str | None = None
) -> int | None:
    """Id of a completed run of this scenario and seed (by this model, when model_id is
    given), if there is one."""
    query = select(Run.id).where(
        Run.scenario_key == scenario_key, Run.seed == seed, Run.status == "completed"
    )
    if model_id is not None:
        query = query.where(Run.model_id == model_id)
    with Session(engine_for(url)) as s:
        return s.scalars(query.order_by(Run.id.desc())).first()


@dataclass
class Claim:
    """What claim_run decided: run `run_id` now (claimed), or skip because it is `reason`
    (completed, or running in a live process) as stored run `run_id`."""

    run_id: int
    claimed: bool
    reason: str = ""


def claim_run(
    url: str | None,
    scenario_key: str,
    seed: int,
    *,
    any_version: bool = False,
    **fields: Any,
) -> Claim:
    """Start a run of (scenario, seed, model) unless it is done or being done.

    Skipped: a `completed` row of the same point by the same model (`fields["model_id"]`;
    with `any_version`, by any model), or a `running` row whose process is alive (its pid
    runs, when it ran on this host; else a heartbeat within LEASE_SECONDS). Otherwise a
    stale `running` row (a killed process) or a `failed` row of the same point and model is
    reused, so a resumed sweep leaves one row per point.
    """
    model_id = fields.get("model_id", "")

    def claim() -> Claim:
        now = _now()
        with Session(engine_for(url)) as s, s.begin():
            rows = s.scalars(
                select(Run)
                .where(Run.scenario_key == scenario_key, Run.seed == seed)
                .order_by(Run.id)
            ).all()
            done = [r for r in rows if r.status == "completed"]
            done = done if any_version else [r for r in done if r.model_id == model_id]
            if done:
                return Claim(int(done[-1].id), False, "completed")
            mine = [r for r in rows if r.model_id == model_id and r.status != "completed"]
            live = [r for r in mine if _live(r, now)]
            if live:
                return Claim(int(live[0].id), False, "running in another process")
            if mine:
                row = mine[0]
                for extra in mine[1:]:
                    s.delete(extra)
                for k, v in fields.items():
                    setattr(row, k, v)
                row.status, row.error, row.started_at = "running", None, now
                row.ended_at = row.wall_seconds = None
                row.heartbeat_at, row.owner = now, owner()
            else:
                row = Run(
                    scenario_key=scenario_key,
                    seed=seed,
                    status="running",
                    started_at=now,
                    heartbeat_at=now,
                    owner=owner(),
                    **fields,
                )
                s.add(row)
            s.flush()
            return Claim(int(row.id), True)

    return retrying(claim, "claiming a run", url or env_url() or default_url())


def heartbeat(url: str | None, run_id: int) -> None:
    """Tell other processes that this `running` row is alive."""
    with Session(engine_for(url)) as s, s.begin():
        row = s.get(Run, run_id)
        if row is not None and row.status == "running":
            row.heartbeat_at = _now()


def record_failure(
    url: str | None,
    scenario_key: str,
    seed: int,
    error: str,
    **fields: Any,
) -> int | None:
    """Record a point that failed before it could run (e.g. a config error) as `failed`."""
    claim = claim_run(url, scenario_key, seed, **fields)
    if claim.claimed:
        fail_run(url, claim.run_id, error, 0.0)
        return claim.run_id
    return None


def start_run(url: str | None, **fields: Any) -> int:
    """Insert a `running` run row; returns its id."""
    with Session(engine_for(url)) as s, s.begin():
        now = _now()
        row = Run(status="running", started_at=now, heartbeat_at=now, owner=owner(), **fields)
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
            row.ended_at = _now()
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
        row.ended_at = _now()
        row.wall_seconds = wall_seconds


def load_runs(url: str | None = None) -> pd.DataFrame:
    """All runs with provenance, one row each; scenario parameters as columns."""
    with engine_for(url, create=False).connect() as conn:
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
    """Stored metrics, wide: one row per stored run-year (and month), run columns joined.

    Only the years each run has: a 1-year run gives one row, never rows padded to the
    longest run's horizon.
    """
    table = MonthlyMetric if monthly else YearlyMetric
    keys = ["run_id", "year", "month"] if monthly else ["run_id", "year"]
    with engine_for(url, create=False).connect() as conn:
        long = pd.read_sql(select(table), conn)
    if long.empty:
        return pd.DataFrame(columns=keys)
    wide = long.pivot(index=keys, columns="metric", values="value").reset_index()
    wide.columns.name = None
    runs = load_runs(url)
    if status is not None:
        runs = runs[runs["status"] == status]
    cols = [c for c in runs.columns if c not in ("config_yaml", "overrides", "error")]
    return wide.merge(runs[cols], on="run_id", how="inner")


def load_facilities(url: str | None = None) -> pd.DataFrame:
    """Facility-year rows of every run."""
    with engine_for(url, create=False).connect() as conn:
        return pd.read_sql(select(FacilityYear), conn)
