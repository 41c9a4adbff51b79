"""Across-seed summaries of stored runs, and the `countysim-report` command.

    df = countysim.load_metrics("sqlite:///outputs/countysim.db")
    countysim.summarize(df, by=["payment", "secondment"], metric="in_county_rate")

Each run contributes one value per metric (its mean over the selected years); a scenario's
runs (its seeds) give the mean, the standard deviation and a 95% confidence interval of
the mean from Student's t with n - 1 degrees of freedom (NaN with a single seed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from countysim.config import LEVELS
from countysim.decisions import DECISIONS
from countysim.store import StoreError, load_facilities, load_metrics, load_runs

KEY_METRICS = ("in_county_rate", "inpatient_in_county_rate", "fund_balance_ratio")
_PROVENANCE = {
    "run_id",
    "scenario_key",
    "seed",
    "config_yaml",
    "overrides",
    "version",
    "git_commit",
    "started_at",
    "ended_at",
    "wall_seconds",
    "status",
    "error",
}


def scenario_columns(df: pd.DataFrame, url: str | None = None) -> list[str]:
    """Scenario columns (chosen options, overridden parameters) that vary across runs."""
    runs = load_runs(url)
    return [
        c
        for c in runs.columns
        if c not in _PROVENANCE and c in df.columns and df[c].astype(str).nunique(dropna=False) > 1
    ]


def summarize(
    df: pd.DataFrame,
    by: Sequence[str] | str,
    metric: Sequence[str] | str = KEY_METRICS,
    year: int | str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean, sd and confidence interval across seeds per scenario (`by`) and metric.

    `year`: a simulated year, "last" (each run's final year) or None (mean over years).
    """
    by = [by] if isinstance(by, str) else list(by)
    metrics = [metric] if isinstance(metric, str) else list(metric)
    missing = [c for c in [*by, *metrics] if c not in df.columns]
    if missing:
        raise KeyError(f"not in the data: {', '.join(missing)}")
    data = df
    if year == "last":
        data = df[df["year"] == df.groupby("run_id")["year"].transform("max")]
    elif year is not None:
        data = df[df["year"] == int(year)]
    per_run = data.groupby("run_id").agg(
        {**{c: "first" for c in by}, **{m: "mean" for m in metrics}}
    )
    rows = []
    for keys, grp in per_run.groupby(by, dropna=False, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        for m in metrics:
            x = grp[m].dropna().to_numpy(dtype=float)
            n = x.size
            mean = float(x.mean()) if n else np.nan
            sd = float(x.std(ddof=1)) if n > 1 else np.nan
            half = (
                float(stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / np.sqrt(n))
                if n > 1
                else np.nan
            )
            rows.append(
                {
                    **dict(zip(by, keys, strict=True)),
                    "metric": m,
                    "n": n,
                    "mean": mean,
                    "sd": sd,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                }
            )
    return pd.DataFrame(rows)


FACILITY_COLUMNS = (
    "visits",
    "admissions",
    "revenue_yuan",
    "surplus_yuan",
    "dip_adjustment_yuan",
    "net_income_yuan",
    *DECISIONS,
)


def facility_summary(
    url: str | None, by: Sequence[str], year: int | str | None = "last"
) -> pd.DataFrame:
    """Per scenario (`by`) and level: runs, and the mean per facility of volumes, net income
    and decisions (a run's facilities averaged first, then runs averaged)."""
    fac = load_facilities(url)
    runs = load_runs(url)
    if fac.empty or runs.empty:
        return pd.DataFrame()
    runs = runs[runs["status"] == "completed"]
    fac = fac.merge(runs[["run_id", *by]], on="run_id", how="inner")
    if year == "last":
        fac = fac[fac["year"] == fac.groupby("run_id")["year"].transform("max")]
    elif year is not None:
        fac = fac[fac["year"] == int(year)]
    cols = [c for c in FACILITY_COLUMNS if c in fac.columns]
    per_run = fac.groupby(["run_id", *by, "level"], dropna=False)[cols].mean().reset_index()
    table = per_run.groupby([*by, "level"], dropna=False)[cols].mean()
    table.insert(0, "runs", per_run.groupby([*by, "level"], dropna=False)["run_id"].nunique())
    table = table.reset_index()
    table["level"] = [LEVELS[int(lv)] for lv in table["level"]]
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """`countysim-report [URL]`: the across-seed table of a results database."""
    ap = argparse.ArgumentParser(
        prog="countysim-report",
        description="Mean, sd and 95%% CI across seeds per scenario, from a countysim database.",
    )
    ap.add_argument(
        "url", nargs="?", default=None, help="database URL (default: outputs/countysim.db)"
    )
    ap.add_argument("--by", nargs="+", help="scenario columns (default: those that vary)")
    ap.add_argument("--metric", nargs="+", default=list(KEY_METRICS), help="metric columns")
    ap.add_argument("--year", default=None, help="a simulated year, 'last', or omit for the mean")
    ap.add_argument(
        "--facilities",
        action="store_true",
        help="per level: mean volumes, net income and decisions per facility (last year)",
    )
    args = ap.parse_args(argv)
    try:
        df = load_metrics(args.url)
    except StoreError as exc:
        print(f"countysim-report: error: {exc}", file=sys.stderr)
        return 2
    if df.empty:
        print("countysim-report: no completed runs in the database", file=sys.stderr)
        return 1
    by = args.by or scenario_columns(df, args.url) or ["scenario_key"]
    if args.facilities:
        table = facility_summary(args.url, by, args.year or "last")
        print(f"{df['run_id'].nunique()} completed runs; mean per facility by level")
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        return 0
    try:
        table = summarize(df, by, args.metric, args.year)
    except KeyError as exc:
        print(f"countysim-report: error: {exc.args[0]}", file=sys.stderr)
        return 2
    n_runs = df["run_id"].nunique()
    print(f"{n_runs} completed runs; mean over seeds with 95% CI (Student t)")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
