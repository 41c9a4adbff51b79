"""Benchmark: the dashboard's model (viz/session.py) on one core: simulated months a second.

    python benchmarks/dashboard.py [--residents-k 100] [--months 24] [--json]

Target (issue 15): a 100k-resident county advances at least one simulated month a second
on one core. Measures the build (Reset) and the steps alone, then the steps with the four
plots drawn after each (what the page does per step), for one arm and for compare mode
(two arms), with every lever on (bundled payment, secondment, gatekeeping).
"""

from __future__ import annotations

import argparse
import time

from _common import machine, peak_rss_mb, print_table

LEVERS = {"payment": "bundled", "secondment": "rotation", "triage": "gatekeeping"}


def one(residents_k: int, months: int, compare: bool, draw: bool) -> dict[str, object]:
    """Build, then step `months` times (drawing the panels after each if `draw`)."""
    from countysim.viz import panels
    from countysim.viz.session import Dashboard

    t0 = time.perf_counter()
    d = Dashboard(residents_k=residents_k, years=(months + 11) // 12, compare=compare, **LEVERS)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    for _ in range(months):
        d.step()
        if draw:
            h = d.history()
            panels.rates_figure(h), panels.fund_figure(h)
            panels.difference_figure(d.difference())
            panels.map_figure(d.layout, d.tables["package"], "occupancy")
    wall = time.perf_counter() - t1
    d.release()
    return {
        "residents_k": residents_k,
        "arms": len(d.arms),
        "plots drawn": draw,
        "build s": round(build, 2),
        "months": months,
        "step s": round(wall, 2),
        "months/s": round(months / wall, 2),
        "peak RSS MB": round(peak_rss_mb()),
    }


def main() -> None:
    """Run and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents-k", type=int, default=100)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    args = ap.parse_args()
    rows = [
        one(args.residents_k, args.months, compare, draw)
        for compare in (False, True)
        for draw in (False, True)
    ]
    if not args.json:
        print(f"machine: {machine()}")
    print_table(rows, args.json, "dashboard: simulated months a second (target >= 1 at 100k)")


if __name__ == "__main__":
    main()
