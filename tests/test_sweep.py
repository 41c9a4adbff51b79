"""Sweeps through the real CLI: parallel, resumable, failures recorded, configs reproducible."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from countysim import load_metrics, load_runs, rerun

CLI = [sys.executable, "-c", "from countysim.cli import main; main()"]


def sweep(args: list[str], cwd: Path, **kw) -> subprocess.CompletedProcess:
    """Run `countysim -m ...` in cwd with two parallel jobs."""
    env = {**os.environ, "CI": "true", "HYDRA_FULL_ERROR": "1"}
    cmd = [*CLI, "-m", *args, "hydra.launcher.n_jobs=2"]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, **kw)


def test_failed_points_are_recorded_and_completed_ones_skipped_on_relaunch(tmp_path):
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    args = [
        "county=tiny",
        "sim.years=1",
        "seed=0,1",
        "triage._target_=countysim.testing.CrashOnDay",
        "+triage.day=20,1000",  # day 1000 is never reached: those points complete
        f"store.url={url}",
    ]
    first = sweep(args, tmp_path)
    assert first.returncode == 1, first.stderr
    assert "4 points, 2 completed, 0 skipped (already completed in the store), 2 failed" in (
        first.stdout
    )
    runs = load_runs(url)
    assert sorted(runs["status"]) == ["completed", "completed", "failed", "failed"]
    failed = runs[runs["status"] == "failed"]
    assert failed["error"].str.contains("deliberate crash on day 20").all()
    assert (failed["triage.day"] == 20).all()

    second = sweep(args, tmp_path)
    assert "4 points, 0 completed, 2 skipped (already completed in the store), 2 failed" in (
        second.stdout
    )
    again = load_runs(url)
    # failed points were re-run in their own rows: still one row per point
    assert len(again) == 4 and set(again["run_id"]) == set(runs["run_id"])
    metrics = load_metrics(url)  # completed runs only, one row per run and year
    assert sorted(metrics["run_id"]) == sorted(again.loc[again.status == "completed", "run_id"])


def test_basic_launcher_still_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'basic.db'}"
    env = {**os.environ, "CI": "true"}
    cmd = [*CLI, "-m", "hydra/launcher=basic", "county=tiny", "sim.years=1", "seed=0,1"]
    res = subprocess.run(
        [*cmd, f"store.url={url}"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "2 points, 2 completed" in res.stdout
    assert sorted(load_runs(url)["seed"]) == [0, 1]


def _completed(url: str) -> int:
    try:
        runs = load_runs(url)
    except Exception:  # the file may not exist yet
        return 0
    return 0 if runs.empty else int((runs["status"] == "completed").sum())


def test_killed_sweep_resumes_with_exactly_one_completed_run_per_point(tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    points = 8
    args = [
        "county=tiny",
        "county.residents=20000",
        "sim.years=2",
        f"seed=range({points})",
        f"store.url={url}",
    ]
    env = {**os.environ, "CI": "true"}
    proc = subprocess.Popen(
        [*CLI, "-m", *args, "hydra.launcher.n_jobs=2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while _completed(url) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_at_kill = _completed(url)
    assert 2 <= done_at_kill < points, "the sweep must be killed part-way"

    resumed = sweep(args, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    runs = load_runs(url)
    assert (runs["status"] == "completed").all()
    assert len(runs) == points
    assert sorted(runs["seed"]) == list(range(points))
    assert runs.groupby(["scenario_key", "seed"]).size().eq(1).all()
    skipped = int(re.search(r"(\d+) skipped \(already", resumed.stdout).group(1))
    assert skipped == done_at_kill


def test_stored_config_reproduces_the_metrics_exactly(tmp_path):
    url = f"sqlite:///{tmp_path / 'repro.db'}"
    res = sweep(
        ["county=tiny", "sim.years=2", "payment=bundled", "seed=3,4", f"store.url={url}"], tmp_path
    )
    assert res.returncode == 0, res.stderr
    runs = load_runs(url)
    stored = load_metrics(url)
    for _, row in runs.iterrows():
        again = rerun(row["run_id"], url).yearly
        mine = stored[stored["run_id"] == row["run_id"]].sort_values("year")
        for col in (
            "in_county_rate",
            "fund_balance_yuan",
            "surplus_county_yuan",
            "visits_per_capita",
        ):
            assert mine[col].tolist() == again[col].tolist(), col


@pytest.mark.slow
def test_submitit_local_launcher_runs_a_sweep(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    url = f"sqlite:///{tmp_path / 'submitit.db'}"
    env = {**os.environ, "CI": "true"}
    res = subprocess.run(
        [
            *CLI,
            "-m",
            "hydra/launcher=submitit_local",
            "hydra.launcher.timeout_min=10",
            "county=tiny",
            "sim.years=1",
            "seed=0,1",
            f"store.url={url}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    runs = load_runs(url)
    assert sorted(runs["seed"]) == [0, 1] and (runs["status"] == "completed").all()


@pytest.mark.slow
def test_slurm_launcher_config_composes():
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    res = subprocess.run(
        [*CLI, "hydra/launcher=countysim_slurm", "county=tiny", "--cfg", "hydra"],
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "SlurmLauncher" in res.stdout and "mem_gb: 2" in res.stdout


def test_covering_sample_contains_every_swept_value():
    from itertools import product

    from hydra_plugins.countysim_sweeper.sweeper import covering_sample

    batch = [
        [f"+package={p}", f"secondment.specialists_per_township={s}", f"seed={k}"]
        for p, s, k in product("abcde", "0123", range(10))
    ]
    sample = covering_sample(batch)
    assert {o for point in sample for o in point} == {o for point in batch for o in point}
    assert len(sample) == 10  # not 200


def test_every_failed_point_is_stored_even_when_its_config_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'refused.db'}"
    args = [
        "county=tiny",
        "sim.years=1",
        "seed=0,99999999999999999999999",
        "secondment._target_=countysim.policies.Bundled,countysim.policies.NoSecondment",
        f"store.url={url}",
    ]
    res = sweep(args, tmp_path)
    assert res.returncode == 1, res.stderr
    assert "4 points, 1 completed, 0 skipped (already completed in the store), 3 failed" in (
        res.stdout
    )
    runs = load_runs(url)
    assert sorted(runs["status"]) == ["completed", "failed", "failed", "failed"]
    errors = runs.loc[runs["status"] == "failed", "error"]
    assert errors.str.contains("a payment policy goes in the payment slot").sum() == 1
    assert errors.str.contains(r"seed = 99999999999999999999999: must be in").sum() == 2
    # a seed the store cannot hold is stored as -1 (the error says which it was)
    assert sorted(runs.loc[runs["status"] == "failed", "seed"]) == [-1, -1, 0]


def test_two_identical_sweeps_at_once_share_the_points_without_clashing(tmp_path):
    """Each point is run once: a sweep meeting the other's live `running` row leaves it
    (reported as skipped, naming the stored run) instead of simulating it again."""
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    args = ["county=tiny", "sim.years=1", "seed=range(6)", f"store.url={url}"]
    env = {**os.environ, "CI": "true"}
    cmd = [*CLI, "-m", *args, "hydra.launcher.n_jobs=1"]
    procs = [
        subprocess.Popen(cmd, cwd=tmp_path / d, env=env, stdout=subprocess.PIPE, text=True)
        for d in ("a", "b")
        if (tmp_path / d).mkdir() is None
    ]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    runs = load_runs(url)
    assert len(runs) == 6 and (runs["status"] == "completed").all()
    done = [int(re.search(r"(\d+) completed, ", o).group(1)) for o in outs]
    assert sum(done) == 6  # every point simulated exactly once across the two sweeps
    for out in outs:
        for line in out.splitlines():
            if "] skipped: " in line:
                assert re.search(
                    r"\(stored run \d+, (completed|running in another process)\)", line
                )
