"""Target 3: cost grows linearly with residents (1e4, 1e5, 1e6) and with years (1, 5, 10).

    python benchmarks/scaling.py [--repeats 2] [--json]

Each point runs in a fresh interpreter (all policies on, seed 0); the best of `repeats`
wall times is kept. The exponent b of wall = a * size^b is the least-squares slope on
log-log axes. Target: b <= 1.05 for both.
"""

from __future__ import annotations

import argparse

import numpy as np
from _common import machine, measure_in_subprocess, print_table


def best(residents: int, years: int, repeats: int) -> dict:
    rows = [measure_in_subprocess(residents, years) for _ in range(repeats)]
    return min(rows, key=lambda r: r["wall_s"])


def exponent(sizes: list[int], walls: list[float]) -> float:
    return float(np.polyfit(np.log(sizes), np.log(walls), 1)[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--year-residents", type=int, default=100_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    by_res = [best(n, 1, args.repeats) for n in (10_000, 100_000, 1_000_000)]
    by_years = [best(args.year_residents, y, args.repeats) for y in (1, 5, 10)]
    b_res = exponent([r["residents"] for r in by_res], [r["wall_s"] for r in by_res])
    b_years = exponent([r["years"] for r in by_years], [r["wall_s"] for r in by_years])
    rows = [
        {k: r[k] for k in ("residents", "years", "wall_s", "resident_days_per_s", "peak_rss_mb")}
        for r in by_res + by_years
    ]
    summary = [
        {"scaling": "residents 1e4-1e6", "exponent": round(b_res, 3), "target": "<= 1.05"},
        {"scaling": "years 1-10", "exponent": round(b_years, 3), "target": "<= 1.05"},
    ]
    if not args.json:
        print(f"machine: {machine()}")
    print_table(rows, args.json)
    print_table(summary, args.json)


if __name__ == "__main__":
    main()
