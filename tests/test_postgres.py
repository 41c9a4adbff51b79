"""The same parallel sweep against a real PostgreSQL server (no mocks).

CI starts one with scripts/start_postgres.sh and sets COUNTYSIM_TEST_PG_URL; elsewhere the
test is skipped unless that variable is set. Under CI a missing server is a failure.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from countysim import load_facilities, load_metrics, load_runs

from .test_sweep import sweep


@pytest.fixture
def pg_url():
    admin = os.environ.get("COUNTYSIM_TEST_PG_URL")
    if not admin:
        if os.environ.get("CI"):
            pytest.fail("CI must provide PostgreSQL: source scripts/start_postgres.sh")
        pytest.skip("COUNTYSIM_TEST_PG_URL not set (see scripts/start_postgres.sh)")
    name = f"countysim_{uuid.uuid4().hex[:12]}"
    eng = create_engine(admin, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    from countysim.results import store

    store.forget(make_url(admin).set(database=name).render_as_string(False))
    with eng.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    eng.dispose()


def test_parallel_sweep_against_postgresql(pg_url, tmp_path):
    args = [
        "county=tiny",
        "sim.years=1",
        "payment=fee_for_service,bundled",
        "seed=0,1",
        f"store.url={pg_url}",
    ]
    res = sweep(args, tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "4 points, 4 completed" in res.stdout
    runs = load_runs(pg_url)
    assert len(runs) == 4 and (runs["status"] == "completed").all()
    df = load_metrics(pg_url)
    assert sorted(df.groupby("payment")["run_id"].nunique().items()) == [
        ("bundled", 2),
        ("fee_for_service", 2),
    ]
    assert len(load_facilities(pg_url)) > 0
    again = sweep(args, tmp_path)
    assert "4 points, 0 completed, 4 skipped" in again.stdout


def test_a_password_is_never_printed_or_stored(pg_url, tmp_path):
    """The test server trusts every login, so a password in the URL is accepted and must
    then appear nowhere: not on screen, not in any file a sweep or a run leaves, not in the
    database's runs table."""
    import subprocess
    import sys

    secret = "Pw4" + uuid.uuid4().hex[:10]
    url = make_url(pg_url).set(password=secret).render_as_string(hide_password=False)
    res = sweep(["county=tiny", "sim.years=1", "seed=0,1", f"store.url={url}"], tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    single = subprocess.run(
        [sys.executable, "-m", "countysim.cli", "county=tiny", "sim.years=1", "seed=5"],
        cwd=tmp_path,
        env={**os.environ, "CI": "true", "COUNTYSIM_STORE_URL": url},
        capture_output=True,
        text=True,
    )
    assert single.returncode == 0, single.stderr
    assert "***" in single.stdout  # "run N stored in postgresql+psycopg://countysim:***@..."
    shown = res.stdout + res.stderr + single.stdout + single.stderr
    assert secret not in shown
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert not leaked
    runs = load_runs(pg_url)
    assert len(runs) == 3
    assert secret not in runs.astype(str).to_string()
