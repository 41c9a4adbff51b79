"""Benchmark: the default county (400k residents) for N years on one core.

    python benchmarks/default_county.py [--years 3] [--residents 400000] [--json]

Prints residents, years, build and run seconds, resident-days per second and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from countysim.model import CountyModel
from countysim.run import build, compose_config


def main() -> None:
    """Run and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--residents", type=int, default=400_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    cfg, policies = build(
        compose_config(
            [
                f"sim.years={args.years}",
                f"county.residents={args.residents}",
                f"seed={args.seed}",
                "sim.progress=false",
            ]
        )[0]
    )
    t0 = time.perf_counter()
    model = CountyModel(cfg, policies)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    wall = t2 - t0
    row = {
        "residents": args.residents,
        "years": args.years,
        "build_s": round(t1 - t0, 2),
        "run_s": round(t2 - t1, 2),
        "wall_s": round(wall, 2),
        "resident_days_per_s": round(args.residents * 365 * args.years / wall),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.json:
        print(json.dumps(row))
    else:
        width = max(len(k) for k in row)
        for k, v in row.items():
            print(f"{k:<{width}}  {v:>14,}" if isinstance(v, int) else f"{k:<{width}}  {v:>14}")


if __name__ == "__main__":
    main()
