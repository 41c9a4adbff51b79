"""Each lever alone and all together, default county, paired seeds: the table in README.

    python experiments/policy_arms.py --seeds 3 --years 3 [--db sqlite:///outputs/arms.db]

Runs the arms below with the same seeds (so the same county and the same onsets), stores
them (a point this model already stored is not rerun), and prints countysim.summarize() of
the final year: the mean across seeds, one run per point. `--write README.md` also puts
the table and the sentences that read it into README's `policy-arms` block.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

import pandas as pd

from countysim import load_metrics, run, summarize
from countysim.results import provenance
from countysim.results.docblocks import write_block

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
    ap.add_argument("--write", metavar="README", help="write the table into this file's block")
    args = ap.parse_args()
    t0 = time.perf_counter()
    for seed in range(args.seeds):
        for arm in ARMS.values():  # resume: a point this model already stored is not rerun
            run(
                [*arm, f"seed={seed}", f"sim.years={args.years}", f"store.url={args.db}"],
                resume=True,
            )
    minutes = (time.perf_counter() - t0) / 60
    df = load_metrics(args.db)
    df = df[(df["seed"] < args.seeds) & (df["model_id"] == provenance.model_id())]
    df = df[df.groupby("run_id")["year"].transform("max") == args.years - 1]
    df["arm"] = [
        next(name for name, ov in ARMS.items() if all(_has(r, o) for o in ov) and _n(r) == len(ov))
        for _, r in df.iterrows()
    ]
    table = summarize(df, by="arm", metric=METRICS, year="last")
    n = table.groupby("arm")["n"].min().reindex(list(ARMS))
    if (n != args.seeds).any():
        raise SystemExit(f"policy_arms: expected {args.seeds} seeds per arm, found {n.to_dict()}")
    wide = table.pivot(index="arm", columns="metric", values="mean").reindex(list(ARMS))
    with pd.option_context("display.width", 200, "display.float_format", "{:.4g}".format):
        print(f"final year of {args.years}, mean of {args.seeds} seeds per arm (default county)")
        if table.attrs.get("collapsed"):
            print(f"({table.attrs['collapsed']} repeated runs of the same point collapsed)")
        print(wide[METRICS].to_string())
    if args.write:
        write_block(args.write, "policy-arms", markdown(wide, args, minutes))
        print(f"wrote block policy-arms in {args.write}")


LABELS = {
    "baseline": "baseline (fee-for-service, no secondment, open access)",
    "bundled": "payment=bundled",
    "rotation": "secondment=rotation (2 specialists at every centre)",
    "gatekeeping": "triage=gatekeeping",
    "all three": "all three",
}


def _pct(v: float, signed: bool = False) -> str:
    text = f"{100 * v:+.1f}%" if signed else f"{100 * v:.1f}%"
    return text.replace("-", "−")


def _yuan(v: float, unit: str, digits: int = 1) -> str:
    """Signed yuan with the sign before the currency: −¥36.5 M, +¥53."""
    return f"{'−' if v < 0 else '+'}¥{abs(v):,.{digits}f}{unit}"


def _m(v: float, signed: bool = False) -> str:
    text = f"{v / 1e6:+,.1f}" if signed else f"{v / 1e6:,.0f}"
    return text.replace("-", "−")


def markdown(w: pd.DataFrame, args: argparse.Namespace, minutes: float) -> str:
    """The README table and the sentences that read it, from the numbers."""
    rows = [
        f"What the defaults give in the default county (`python experiments/policy_arms.py "
        f"--write README.md`, {minutes:.0f} min on one core: final year of {args.years}, mean "
        f"of seeds 0–{args.seeds - 1}, paired seeds; {dt.date.today():%Y-%m-%d}):",
        "",
        "| arm | inpatient in-county | primary-care share | self-referrals | OOP/cap ¥ "
        "| total cost M¥ | fund balance | consortium balance M¥ |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for arm, r in w.iterrows():
        cons = r["consortium_balance_yuan"]
        rows.append(
            f"| {LABELS[str(arm)]} | {_pct(r['inpatient_in_county_rate'])} "
            f"| {_pct(r['primary_care_share'])} | {round(r['self_referrals'], -3):,.0f} "
            f"| {r['oop_per_capita_yuan']:,.0f} | {_m(r['total_cost_yuan'])} "
            f"| {_pct(r['fund_balance_ratio'], True)} "
            f"| {_m(cons, True) if cons else '0'} |"
        )
    b, bun, rot, gk = (w.loc[k] for k in ("baseline", "bundled", "rotation", "gatekeeping"))
    consortia = (
        "they overspend their prepayment and bear part of it"
        if bun["consortium_balance_yuan"] < 0
        else "they keep part of what they do not spend of their prepayment"
    )
    rows += [
        "",
        "Read the total cost of care for what changed in care and the two balances for who "
        f"holds the money: bundled payment alone changes the total cost by "
        f"{_pct(bun['total_cost_yuan'] / b['total_cost_yuan'] - 1, True)} (providers' "
        "responses to their stake), and the fund balance by "
        f"{_pct(bun['fund_balance_ratio'] - b['fund_balance_ratio'], True).rstrip('%')} points "
        "(the budget rule and those responses together; docs/validation.md runs it with "
        "providers that do not respond), while the consortia's balance is "
        f"{_yuan(bun['consortium_balance_yuan'] / 1e6, ' M')} ({consortia}); secondment changes "
        "the total cost by "
        f"{_pct(rot['total_cost_yuan'] / b['total_cost_yuan'] - 1, True)} and the inpatient "
        "in-county rate by "
        f"{_pct(rot['inpatient_in_county_rate'] - b['inpatient_in_county_rate'], True).rstrip('%')}"
        " points; gatekeeping changes the total cost by "
        f"{_pct(gk['total_cost_yuan'] / b['total_cost_yuan'] - 1, True)} (each referral asked "
        "for is a consultation at the township centre), the fund balance by "
        f"{_pct(gk['fund_balance_ratio'] - b['fund_balance_ratio'], True).rstrip('%')} points "
        "(the penalties paid by patients who go straight, against the referred visits "
        "reimbursed in full and the consultations) and out-of-pocket cost per head by "
        f"{_yuan(gk['oop_per_capita_yuan'] - b['oop_per_capita_yuan'], '', 0)}.",
    ]
    return "\n".join(rows) + "\n"


def _has(row: pd.Series, override: str) -> bool:
    group, option = override.split("=")
    return row.get(group) == option


def _n(row: pd.Series) -> int:
    base = {"payment": "fee_for_service", "secondment": "none", "triage": "open_access"}
    return sum(row.get(g) != o for g, o in base.items())


if __name__ == "__main__":
    main()
