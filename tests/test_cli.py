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
