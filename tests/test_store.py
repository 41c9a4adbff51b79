"""Runs land in SQL with provenance; failures are recorded; metrics load back."""

from __future__ import annotations

import pytest

from countysim import load_facilities, load_metrics, load_runs, run
from countysim.metrics import YEARLY_COLUMNS
from countysim.model import CountyModel


def test_run_is_stored_and_loads_back(db_url):
    r = run(["county=tiny", "sim.years=2", "seed=3", f"store.url={db_url}"])
    df = load_metrics(db_url)
    assert list(df["run_id"].unique()) == [r.run_id]
    assert set(YEARLY_COLUMNS) <= set(df.columns)
    assert df.sort_values("year")["in_county_rate"].tolist() == r.yearly["in_county_rate"].tolist()
    runs = load_runs(db_url)
    row = runs.iloc[0]
    assert row["status"] == "completed" and row["seed"] == 3 and row["county"] == "tiny"
    assert "sim.years=2" in row["overrides"] and "county:" in row["config_yaml"]
    fac = load_facilities(db_url)
    assert len(fac) == len(r.facilities) == 2 * r.facilities["facility_id"].nunique()
    assert fac["revenue_yuan"].sum() == pytest.approx(r.facilities["revenue_yuan"].sum(), rel=1e-12)
    monthly = load_metrics(db_url, monthly=True)
    assert len(monthly) == 24


def test_failed_run_is_recorded_with_its_error(db_url, monkeypatch):
    def boom(self):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(CountyModel, "step", boom)
    with pytest.raises(RuntimeError):
        run(["county=tiny", "sim.years=1", f"store.url={db_url}"])
    runs = load_runs(db_url)
    assert runs["status"].tolist() == ["failed"]
    assert "simulated crash" in runs["error"].iloc[0]
    assert load_metrics(db_url).empty


def _writer(url: str, worker: int, runs: int, barrier) -> int:
    """One writer process: create the schema at the same moment as the others, then write."""
    import numpy as np
    import pandas as pd

    from countysim.results import store

    barrier.wait()
    years = 3
    for i in range(runs):
        run_id = store.start_run(
            url,
            scenario_key=f"w{worker}",
            seed=i,
            config_yaml="x: 1\n",
            scenario={"worker": worker},
            overrides=[],
            version="test",
            git_commit=None,
        )
        yearly = pd.DataFrame({"year": range(years), "a": np.arange(years) + i, "b": 1.0})
        monthly = pd.DataFrame(
            {"year": np.repeat(range(years), 12), "month": np.tile(range(1, 13), years), "a": 1.0}
        )
        fac = pd.DataFrame(
            {
                "year": np.repeat(range(years), 5),
                "facility_id": np.tile(range(5), years),
                "facility": "f",
                "level": 1,
                "visits": 1,
                "admissions": 1,
                "revenue_yuan": 1.0,
                "referrals_up": 0,
                "doctor_days": 1.0,
                "surplus_yuan": 0.0,
                "secondment_cost_yuan": 0.0,
            }
        )
        store.complete_run(url, run_id, yearly, monthly, fac, 0.1)
    return runs


def test_eight_parallel_writers_on_one_sqlite_file_lose_nothing(tmp_path):
    import multiprocessing as mp

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from countysim.results import store

    url = f"sqlite:///{tmp_path / 'parallel.db'}"
    writers, runs = 8, 25
    ctx = mp.get_context("spawn")
    barrier = ctx.Manager().Barrier(writers)
    with ctx.Pool(writers) as pool:
        results = pool.starmap(_writer, [(url, w, runs, barrier) for w in range(writers)])
    assert results == [runs] * writers  # any lock error would have raised in a worker
    with Session(store.engine_for(url)) as s:
        n_runs = s.scalar(select(func.count()).select_from(store.Run))
        n_year = s.scalar(select(func.count()).select_from(store.YearlyMetric))
        n_month = s.scalar(select(func.count()).select_from(store.MonthlyMetric))
        n_fac = s.scalar(select(func.count()).select_from(store.FacilityYear))
        statuses = set(s.scalars(select(store.Run.status)))
    total = writers * runs
    assert n_runs == total and statuses == {"completed"}
    assert n_year == total * 3 * 2 and n_month == total * 36 and n_fac == total * 15


def test_database_of_another_schema_version_is_refused(tmp_path):
    from sqlalchemy import create_engine, text

    from countysim.results import store

    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    store.engine_for(url)
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("UPDATE schema_info SET version = 1"))
    eng.dispose()
    store.forget(url)
    with pytest.raises(store.StoreError, match="schema version 1"):
        store.engine_for(url)


def test_a_version_6_database_is_migrated_in_place_keeping_its_runs(tmp_path):
    """Version 6 had no runs.owner: opening it adds the column, keeps every row and
    records the current version, so a store of earlier runs stays usable."""
    from sqlalchemy import create_engine, text

    from countysim.results import store

    url = f"sqlite:///{tmp_path / 'v6.db'}"
    fields = {"config_yaml": "", "scenario": {}, "overrides": [], "version": "t", "model_id": "m"}
    first = store.claim_run(url, "k", 0, **fields)
    eng = create_engine(url)
    with eng.begin() as conn:
        conn.execute(text("ALTER TABLE runs DROP COLUMN owner"))
        for column in ("catchment_residents", "catchment_minutes_to_county"):  # from v8
            conn.execute(text(f"ALTER TABLE facility_years DROP COLUMN {column}"))
        conn.execute(text("UPDATE schema_info SET version = 6"))
    eng.dispose()
    store.forget(url)
    runs = store.load_runs(url)
    assert list(runs["run_id"]) == [first.run_id] and runs["owner"].isna().all()
    eng = create_engine(url)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_info")).scalars().all() == [
            store.SCHEMA_VERSION
        ]
    eng.dispose()
    second = store.claim_run(url, "k", 1, **fields)
    assert store.load_runs(url).set_index("run_id").loc[second.run_id, "owner"] == store.owner()


def test_a_version_7_database_gains_the_catchment_columns_keeping_its_facility_rows(tmp_path):
    """Version 7 had no catchments in facility_years: opening it adds both columns (NULL in
    the old rows) and records the current version; new rows store their catchments."""
    from sqlalchemy import create_engine, text

    from countysim.results import store
    from countysim.run import run

    url = f"sqlite:///{tmp_path / 'v7.db'}"
    args = ["county=tiny", "sim.years=1", "sim.progress=false", f"store.url={url}"]
    run([*args, "seed=0"])
    eng = create_engine(url)
    with eng.begin() as conn:
        for column in ("catchment_residents", "catchment_minutes_to_county"):
            conn.execute(text(f"ALTER TABLE facility_years DROP COLUMN {column}"))
        conn.execute(text("UPDATE schema_info SET version = 7"))
    eng.dispose()
    store.forget(url)
    old = store.load_facilities(url)
    assert len(old) > 0 and old["catchment_residents"].isna().all()
    run([*args, "seed=1"])
    fac = store.load_facilities(url)
    new = fac[fac["run_id"] != old["run_id"].iloc[0]]
    assert len(new) == len(old)
    assert new.loc[new["level"] <= 1, "catchment_residents"].notna().all()
    assert new.loc[new["level"] <= 1, "catchment_minutes_to_county"].notna().all()
    eng = create_engine(url)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT version FROM schema_info")).scalars().all() == [
            store.SCHEMA_VERSION
        ]
    eng.dispose()


def test_a_live_running_row_is_not_reclaimed_and_a_stale_one_is(db_url):
    """Two identical sweeps at once: the second must not take over the first's live row
    (it would simulate the point again and clash on insert); a row whose process stopped
    sending heartbeats for LEASE_SECONDS is reclaimed in place."""
    import datetime as dt

    from sqlalchemy.orm import Session

    from countysim.results import store

    fields = {"config_yaml": "", "scenario": {}, "overrides": [], "version": "t", "model_id": "m"}
    first = store.claim_run(db_url, "k", 0, **fields)
    assert first.claimed
    second = store.claim_run(db_url, "k", 0, **fields)
    assert not second.claimed and second.run_id == first.run_id
    assert second.reason == "running in another process"
    store.heartbeat(db_url, first.run_id)
    with Session(store.engine_for(db_url)) as s, s.begin():
        row = s.get(store.Run, first.run_id)
        assert row is not None
        row.heartbeat_at = row.heartbeat_at - dt.timedelta(seconds=store.LEASE_SECONDS + 1)
    third = store.claim_run(db_url, "k", 0, **fields)
    assert third.claimed and third.run_id == first.run_id
    assert len(store.load_runs(db_url)) == 1


def test_a_running_row_of_a_killed_process_on_this_host_is_reclaimed_at_once(db_url):
    """A sweep killed and resumed within the lease (the heartbeat is fresh): the row of
    a dead pid on this host is reclaimed; a live pid's, or another host's, is left alone."""
    import os
    import socket
    import subprocess
    import sys

    from sqlalchemy.orm import Session

    from countysim.results import store

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # reaped: its pid no longer exists
    host = socket.gethostname()
    fields = {"config_yaml": "", "scenario": {}, "overrides": [], "version": "t", "model_id": "m"}
    cases = {
        f"{host}:{dead.pid}": True,  # killed here: reclaim
        f"{host}:{os.getpid()}": False,  # alive here
        f"elsewhere-{host}:{dead.pid}": False,  # another machine: trust its fresh heartbeat
    }
    for i, (owner, reclaimed) in enumerate(cases.items()):
        first = store.claim_run(db_url, "k", i, **fields)
        with Session(store.engine_for(db_url)) as s, s.begin():
            row = s.get(store.Run, first.run_id)
            assert row is not None and row.owner == store.owner()
            row.owner = owner
        again = store.claim_run(db_url, "k", i, **fields)
        assert again.claimed is reclaimed, owner
        assert again.run_id == first.run_id
    assert len(store.load_runs(db_url)) == len(cases)
