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
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from countysim.agents.decisions import DECISIONS
from countysim.config.schema import LEVELS
from countysim.results.store import StoreError, load_facilities, load_metrics, load_runs

KEY_METRICS = ("in_county_rate", "inpatient_in_county_rate", "fund_balance_ratio")
_PROVENANCE = {
    "run_id",
    "scenario_key",
    "seed",
    "config_yaml",
    "overrides",
    "version",
    "git_commit",
    "dirty",
    "model_id",
    "dependencies",
    "warnings",
    "heartbeat_at",
    "owner",
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


GROUPS = ("county", "payment", "secondment", "triage", "package")


def resolved_scenarios(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per resolved scenario (scenario_key), labelled compactly: the chosen options
    (payment=bundled, ...) that differ between the scenarios given, and the resolved
    parameters (from each run's stored config) that differ beyond what those options set.

    Runs typed differently but resolving to the same config share one scenario_key, so
    they land in one group however they were launched.
    """
    from omegaconf import OmegaConf

    from countysim.config.compose import scenario_of

    first = runs.drop_duplicates("scenario_key").set_index("scenario_key")
    flat = {
        key: scenario_of(OmegaConf.create(text))[1] if text else {}
        for key, text in first["config_yaml"].items()
    }
    params = pd.DataFrame.from_dict(flat, orient="index").map(
        lambda v: str(v) if isinstance(v, list | dict) else v
    )
    choices = first[[g for g in GROUPS if g in first.columns]]
    table = choices.join(params)

    def varies(col: str, within: pd.DataFrame) -> bool:
        return bool(within[col].astype(str).nunique(dropna=False) > 1)

    keep = [g for g in choices.columns if varies(g, table)]
    for col in params.columns:
        if not varies(col, table):
            continue
        group = col.split(".", 1)[0]
        set_by_option = group in keep and (  # unless it varies under one option
            col.endswith("_target_")
            or not any(varies(col, sub) for _, sub in table.groupby(group, dropna=False))
        )
        if set_by_option:
            continue
        keep.append(col)
    out = table[keep].copy()
    out.index.name = "scenario_key"
    return out.reset_index()


def one_per_point(df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep one stored run per (scenario_key, seed, model_id): the latest. Returns the rows
    kept and how many runs were dropped as repeats of a point already counted.

    A repeat of the same point by the same model gives identical numbers (tested); counting
    it again would shrink a confidence interval without adding information.
    """
    point = [c for c in ("scenario_key", "seed", "model_id") if c in df.columns]
    if len(point) < 2 or df.empty:
        return df, 0
    runs = df.drop_duplicates("run_id")[["run_id", *point]]
    keep = runs.sort_values("run_id").drop_duplicates(point, keep="last")["run_id"]
    return df[df["run_id"].isin(keep)], len(runs) - len(keep)


def _check_points(per_run: pd.DataFrame, by: list[str]) -> None:
    """A seed may appear once per group: the same (scenario, seed) by two model versions,
    or the same seed in two scenarios pooled by `by`, are not independent draws."""
    if "seed" not in per_run.columns:
        return
    for keys, grp in per_run.groupby(by, dropna=False, sort=True):
        seeds = grp["seed"]
        if seeds.duplicated().any():
            seed = int(seeds[seeds.duplicated()].iloc[0])
            twice = grp[grp["seed"] == seed]
            if "model_id" in twice and twice["model_id"].nunique() > 1:
                why = f"stored by {twice['model_id'].nunique()} model versions (model_id)"
                fix = "select one version, e.g. df[df.model_id == ...], or rerun"
            else:
                why = f"in {twice['scenario_key'].nunique()} different scenarios"
                fix = "add the parameter that differs to `by` (or group by scenario_key)"
            raise ValueError(
                f"group {keys!r}: seed {seed} appears {len(twice)} times ({why}); "
                f"its runs are not independent draws: {fix}"
            )


def _group_key(keys: tuple) -> tuple:
    return tuple("<NA>" if k is None or (isinstance(k, float) and np.isnan(k)) else k for k in keys)


def _runs_per_group(df: pd.DataFrame, by: list[str]) -> dict[tuple, int]:
    """Stored runs per group (before repeats are collapsed); NaN keys count as one group."""
    if "run_id" not in df.columns:
        return {}
    runs = df.drop_duplicates("run_id")[by]
    return Counter(_group_key(tuple(r)) for r in runs.itertuples(index=False))


def summarize(
    df: pd.DataFrame,
    by: Sequence[str] | str,
    metric: Sequence[str] | str = KEY_METRICS,
    year: int | str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean, sd and confidence interval across seeds per scenario (`by`) and metric.

    `year`: a simulated year, "last" (each run's final year; a group whose runs end in
    different years is refused), "each" (a row per group and simulated year, column
    `year`: trajectories) or None (each run's mean over its years). One stored run
    counts per (scenario_key, seed, model_id): repeats are collapsed, reported in
    `table.attrs["collapsed"]` and in the column `runs` (stored runs seen) beside `n`
    (independent seeds used). A seed appearing twice in a group is an error.
    """
    by = [by] if isinstance(by, str) else list(by)
    metrics = [metric] if isinstance(metric, str) else list(metric)
    if year == "each":
        if "year" in by:
            raise ValueError("year='each' already gives a row per year: leave year out of `by`")
        parts = [
            summarize(df, by, metrics, year=int(y), confidence=confidence).assign(year=int(y))
            for y in sorted(df["year"].unique())
        ]
        return pd.concat(parts, ignore_index=True)
    missing = [c for c in [*by, *metrics] if c not in df.columns]
    if missing:
        raise KeyError(f"not in the data: {', '.join(missing)}")
    seen = _runs_per_group(df, by)
    data, collapsed = one_per_point(df)
    if year == "last":
        last = data.groupby("run_id")["year"].transform("max")
        horizons = data.assign(_last=last).groupby(by, dropna=False)["_last"].nunique()
        if (horizons > 1).any():
            bad = horizons[horizons > 1].index[0]
            raise ValueError(
                f"year='last': group {bad!r} mixes runs of different lengths; add sim.years "
                "to `by`, or pick a year (year=0, 1, ...)"
            )
        data = data[data["year"] == last]
    elif year is not None:
        data = data[data["year"] == int(year)]
        if data.empty:
            raise ValueError(f"no stored run has year {int(year)}")
    extra = [c for c in ("seed", "scenario_key", "model_id") if c in data.columns]
    per_run = data.groupby("run_id").agg(
        {**{c: "first" for c in dict.fromkeys([*by, *extra])}, **{m: "mean" for m in metrics}}
    )
    _check_points(per_run, by)
    rows = []
    for keys, grp in per_run.groupby(by, dropna=False, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        n_seen = seen.get(_group_key(keys), len(grp))
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
                    "runs": n_seen,
                    "mean": mean,
                    "sd": sd,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                }
            )
    table = pd.DataFrame(rows)
    table.attrs["collapsed"] = collapsed
    return table


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


def _compact(table: pd.DataFrame, by: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """One row per scenario: its labels, seeds, runs and each metric as mean [CI]."""

    def cell(r: pd.Series) -> str:
        if np.isnan(r["ci_low"]):
            return f"{r['mean']:.4g}"
        return f"{r['mean']:.4g} [{r['ci_low']:.4g}, {r['ci_high']:.4g}]"

    t = table.assign(cell=table.apply(cell, axis=1))
    wide = t.pivot_table(index=by, columns="metric", values="cell", aggfunc="first", sort=False)
    counts = t.groupby(by, dropna=False, sort=False)[["n", "runs"]].max()
    out = counts.join(wide).reset_index()
    out.columns.name = None
    return out.rename(columns={"n": "seeds"})


def main(argv: Sequence[str] | None = None) -> int:
    """`countysim-report [URL]`: the across-seed table of a results database.

    Exit codes: 0 a table was printed; 1 nothing to report (no completed runs, no such
    year, a group that cannot be summarized honestly); 2 the database or an argument is
    unusable. Every error is one line on stderr.
    """
    ap = argparse.ArgumentParser(
        prog="countysim-report",
        description="Mean and 95% CI across seeds per resolved scenario, from a countysim "
        "database (one run per scenario, seed and model version).",
    )
    ap.add_argument(
        "url",
        nargs="?",
        default=None,
        help="database URL (default: $COUNTYSIM_STORE_URL, else outputs/countysim.db)",
    )
    ap.add_argument(
        "--by",
        nargs="+",
        help="group by these columns (default: the resolved parameters "
        "that differ between the stored scenarios)",
    )
    ap.add_argument("--metric", nargs="+", default=list(KEY_METRICS), help="metric columns")
    ap.add_argument("--year", default=None, help="a simulated year, 'last', or omit for the mean")
    ap.add_argument("--long", action="store_true", help="one row per scenario and metric")
    ap.add_argument(
        "--facilities",
        action="store_true",
        help="per level: mean volumes, net income and decisions per facility (last year)",
    )
    args = ap.parse_args(argv)

    def fail(msg: str, code: int) -> int:
        print(f"countysim-report: error: {msg}", file=sys.stderr)
        return code

    try:
        df = load_metrics(args.url)
        runs = load_runs(args.url)
    except StoreError as exc:
        return fail(str(exc), 2)
    if df.empty:
        return fail("no completed runs in the database", 1)
    if args.by:
        by = list(args.by)
    else:
        labels = resolved_scenarios(runs[runs["run_id"].isin(df["run_id"])])
        keep = [c for c in df.columns if c in _PROVENANCE or c == "year" or c not in runs]
        df = df[keep].merge(labels, on="scenario_key", how="left")
        by = [c for c in labels.columns if c != "scenario_key"] or ["scenario_key"]
    if args.facilities:
        table = facility_summary(args.url, by, args.year or "last")
        print(f"{df['run_id'].nunique()} completed runs; mean per facility by level")
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
        return 0
    try:
        table = summarize(df, by, args.metric, args.year)
    except KeyError as exc:
        return fail(str(exc.args[0]), 2)
    except ValueError as exc:
        return fail(str(exc), 1)
    if table.empty:
        return fail("no runs match", 1)
    n_runs = df["run_id"].nunique()
    head = f"{n_runs} completed runs; mean over seeds with 95% CI (Student t)"
    if table.attrs.get("collapsed"):
        head += (
            f"; {table.attrs['collapsed']} repeated runs of the same scenario, seed and model "
            "collapsed"
        )
    print(head)
    shown = table if args.long else _compact(table, by)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
