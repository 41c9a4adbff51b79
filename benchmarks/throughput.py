"""Target 1-2: a million-resident county, all policies on, one year, daily steps, one core.

    python benchmarks/throughput.py [--residents 1000000] [--years 1] [--policies all|none] [--json]

Wall time includes composing the config and building the model (not the interpreter's
start-up and imports, which the table prints separately). Targets: wall <= 20 s, i.e.
>= 2e7 resident-days/s, and peak RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import time

T_START = time.perf_counter()

from _common import ALL_POLICIES, machine, measure, print_table  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=1_000_000)
    ap.add_argument("--years", type=int, default=1)
    ap.add_argument("--policies", choices=["all", "none"], default="all")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import countysim  # noqa: F401  (imports counted apart from the run)

    imports_s = time.perf_counter() - T_START
    row = measure(args.residents, args.years, ALL_POLICIES if args.policies == "all" else [])
    row["policies"] = args.policies
    row["imports_s"] = round(imports_s, 2)
    if not args.json:
        print(f"machine: {machine()}")
        print("targets: wall_s <= 20 (>= 2e7 resident-days/s), peak_rss_mb <= 1536")
    print_table([row], args.json)


if __name__ == "__main__":
    main()
