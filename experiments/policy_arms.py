"""Each lever alone and all together, default county, paired seeds: the table in README.

    python experiments/policy_arms.py --seeds 3 --years 3 [--db sqlite:///outputs/arms.db]

Runs the arms below with the same seeds (so the same county and the same onsets), stores
them, and prints countysim.summarize() of the final year: mean and 95% CI across seeds.
"""

from __future__ import annotations

import argparse

import pandas as pd

from countysim import load_metrics, run, summarize

ARMS = {
    "baseline": [],
    "bundled": ["payment=bundled"],
    "rotation": ["secondment=rotation"],
    "gatekeeping": ["triage=gatekeeping"],
    "all three": ["payment=bundled", "secondment=rotation", "triage=gatekeeping"],
}
METRICS = [
    "inpatient_in_county_rate",
    "primary_care_share",
    "self_referrals",
    "oop_per_capita_yuan",
    "total_cost_yuan",
    "fund_balance_ratio",
    "consortium_balance_yuan",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--db", default="sqlite:///outputs/policy_arms.db")
    args = ap.parse_args()
    for seed in range(args.seeds):
        for arm in ARMS.values():
            run([*arm, f"seed={seed}", f"sim.years={args.years}", f"store.url={args.db}"])
    df = load_metrics(args.db)
    df["arm"] = [
        next(name for name, ov in ARMS.items() if all(_has(r, o) for o in ov) and _n(r) == len(ov))
        for _, r in df.iterrows()
    ]
    table = summarize(df, by="arm", metric=METRICS, year="last")
    wide = table.pivot(index="arm", columns="metric", values="mean").reindex(list(ARMS))
    with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
        print(f"final year, mean of {args.seeds} seeds (default county)")
        print(wide[METRICS].to_string())


def _has(row: pd.Series, override: str) -> bool:
    group, option = override.split("=")
    return row.get(group) == option


def _n(row: pd.Series) -> int:
    base = {"payment": "fee_for_service", "secondment": "none", "triage": "open_access"}
    return sum(row.get(g) != o for g, o in base.items())


if __name__ == "__main__":
    main()
