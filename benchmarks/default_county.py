"""Benchmark: the default county (400k residents) for N years on one core, baseline policies.

    python benchmarks/default_county.py [--years 3] [--residents 400000] [--json]

Prints residents, years, compose, build and run seconds, resident-days per second and peak
RSS (the same measurement as benchmarks/throughput.py, without the policies).
"""

from __future__ import annotations

import argparse

from _common import machine, measure, print_table


def main() -> None:
    """Run and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--residents", type=int, default=400_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="one JSON object per row")
    args = ap.parse_args()
    row = measure(args.residents, args.years, [], seed=args.seed)
    if not args.json:
        print(f"machine: {machine()}")
    print_table([row], args.json)


if __name__ == "__main__":
    main()
