"""The `countysim` command runs a county end to end and stores the result."""

from __future__ import annotations

import os
import subprocess
import sys

from countysim import load_metrics


def test_cli_runs_tiny_county_and_writes_default_db(tmp_path):
    env = {**os.environ, "CI": "true"}
    proc = subprocess.run(
        [sys.executable, "-m", "countysim.cli", "county=tiny", "sim.years=2", "seed=7"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "in-county" in proc.stdout and "balance %" in proc.stdout
    assert "calling model.step" not in proc.stdout + proc.stderr
    db = tmp_path / "outputs" / "countysim.db"
    df = load_metrics(f"sqlite:///{db}")
    assert sorted(df["year"].tolist()) == [0, 1]


def _cli(args: list[str], cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": "true"}
    return subprocess.run(
        [sys.executable, "-m", "countysim.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_a_run_leaves_no_empty_log_file(tmp_path):
    assert _cli(["county=tiny", "sim.years=1"], tmp_path).returncode == 0
    assert not list(tmp_path.rglob("*.log"))


def test_sweep_composition_errors_are_one_line_before_any_job(tmp_path):
    for args, hint in (
        (
            ["-m", "county=tny", "seed=0,1"],
            "county=tny: unknown option; did you mean tiny? available: default, luxian,",
        ),
        (["-m", "county=tiny", "sim.yeras=1", "seed=0,1"], "sim.yeras: unknown config field"),
        (["-m", "county=tiny", "sim.years=1,x"], "sim.years"),
    ):
        res = _cli(args, tmp_path)
        assert res.returncode == 2, res.stderr
        assert res.stderr.count("\n") == 1 and hint in res.stderr, res.stderr
        assert not (tmp_path / "outputs" / "countysim.db").exists()  # nothing ran


def test_help_lists_the_user_facing_groups_and_every_option(tmp_path):
    from pathlib import Path

    from countysim.run import config_dir

    out = _cli(["--help"], tmp_path).stdout
    assert "base_county" not in out and "powered by Hydra" not in out
    lines: dict[str, str] = {}
    last = ""
    for ln in out.splitlines():
        if ln.startswith("      ") and last:  # a group's options continued on the next line
            lines[last] += " " + ln.strip()
        elif ln.startswith("  "):
            last = ln.split()[0].rstrip("=")
            lines[last] = ln
    for group in ("county", "payment", "secondment", "triage", "store", "+package", "+experiment"):
        folder = Path(config_dir()) / group.lstrip("+")
        options = {p.stem for p in folder.glob("*.yaml")}
        listed = set(lines[group].split(None, 1)[1].split("(")[0].replace(",", " ").split())
        listed = {w for w in listed if not w.startswith("(")}
        assert listed == options, (group, listed, options)
    assert out.count("countysim ") >= 3  # three example commands
