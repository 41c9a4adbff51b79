"""Target 5: a 200-run sweep with the local parallel launcher on 2 cores, end to end.

    python benchmarks/sweep.py [--seeds 10] [--jobs 2] [--efficiency-runs 40] [--json]

5 policy packages (configs/package/) x 4 secondment levels (0, 1, 2, 3 specialists per
township centre) x `seeds` seeds of a 100,000-resident county for 5 years, launched
exactly as a researcher would (`countysim -m ...`, joblib launcher) into a fresh SQLite
store; the wall time includes Hydra, every run and every database write. Then the
parallel efficiency from 1 to `jobs` workers, on the first `efficiency-runs` points:
T(1 worker) / (jobs x T(jobs workers)). Targets: <= 300 s for 200 runs; efficiency >= 0.85.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, print_table

PACKAGES = "baseline,bundled,gatekeeping,bundled_gatekeeping,bundled_gatekeeping_unresponsive"
LEVELS = "0,1,2,3"


def launch(args: list[str], workdir: Path) -> float:
    """Run `countysim -m ...` in workdir; returns wall seconds (raises if it failed)."""
    cmd = [sys.executable, "-c", "from countysim.cli import main; main()", "-m", *args]
    env = {**os.environ, "CI": "true"}
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise SystemExit(
            f"sweep failed ({res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
        )
    return wall


def completed(url: str) -> int:
    from countysim import load_runs

    runs = load_runs(url)
    return int((runs["status"] == "completed").sum())


def sweep_args(url: str, packages: str, levels: str, seeds: str, jobs: int) -> list[str]:
    return [
        f"+package={packages}",
        "secondment=rotation",
        f"secondment.specialists_per_township={levels}",
        f"seed={seeds}",
        "county.residents=100000",
        "sim.years=5",
        f"store.url={url}",
        f"hydra.launcher.n_jobs={jobs}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--efficiency-runs", type=int, default=40, help="0 to skip")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'sweep.db'}"
        wall = launch(sweep_args(url, PACKAGES, LEVELS, f"range({args.seeds})", args.jobs), work)
        n = completed(url)
        expected = 5 * 4 * args.seeds
        rows.append(
            {
                "sweep": f"5 packages x 4 levels x {args.seeds} seeds",
                "workers": args.jobs,
                "runs": n,
                "expected": expected,
                "wall_s": round(wall, 1),
                "s_per_run": round(wall / max(n, 1), 2),
                "resident_days_per_s": round(n * 100_000 * 5 * 365 / wall),
                "db_mb": round((work / "sweep.db").stat().st_size / 2**20, 1),
            }
        )
        eff = None
        if args.efficiency_runs:
            seeds = max(1, args.efficiency_runs // 4)
            walls = {}
            for jobs in (1, args.jobs):
                url_e = f"sqlite:///{work / f'eff{jobs}.db'}"
                walls[jobs] = launch(
                    sweep_args(url_e, "bundled_gatekeeping", LEVELS, f"range({seeds})", jobs), work
                )
                rows.append(
                    {
                        "sweep": f"efficiency: 1 package x 4 levels x {seeds} seeds",
                        "workers": jobs,
                        "runs": completed(url_e),
                        "expected": 4 * seeds,
                        "wall_s": round(walls[jobs], 1),
                        "s_per_run": round(walls[jobs] / (4 * seeds), 2),
                        "resident_days_per_s": round(4 * seeds * 100_000 * 5 * 365 / walls[jobs]),
                        "db_mb": None,
                    }
                )
            eff = walls[1] / (args.jobs * walls[args.jobs])
    if not args.json:
        print(f"machine: {machine()}")
    print_table(rows, args.json)
    summary = [{"200-run target_s": 300, "measured_s": rows[0]["wall_s"]}]
    if eff is not None:
        summary[0].update({"parallel_efficiency": round(eff, 3), "efficiency_target": 0.85})
    print_table(summary, args.json)


if __name__ == "__main__":
    main()
