"""Figures from results: DataFrame in, matplotlib Figure out (notebooks/, experiments/).

df = countysim.load_metrics(url)
table = countysim.summarize(df, by=["payment", "secondment"], metric="in_county_rate")
fig = plot_summary(table, metric="in_county_rate", x="secondment", hue="payment")
fig.savefig("figures/in_county.pdf")

A library never chooses the backend: figures are made with `matplotlib.figure.Figure`
directly (no pyplot state), so a Jupyter kernel keeps its inline backend and shows a
returned figure once, and a script saves it with `fig.savefig` on any machine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A new figure with one axes, or the given axes and its figure."""
    if ax is not None:
        return ax.get_figure(root=True), ax  # type: ignore[return-value]
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots()


LABELS = {
    "in_county_rate": "In-county treatment rate",
    "inpatient_in_county_rate": "Inpatient in-county rate",
    "fund_balance_ratio": "Fund balance / income",
    "primary_care_share": "Primary-care share of visits",
    "oop_per_capita_yuan": "Out-of-pocket per capita (¥)",
    "fund_balance_yuan": "Fund balance in the year",
    "fund_cumulative_balance_yuan": "Fund balance, cumulative",
}


def plot_summary(
    table: pd.DataFrame, metric: str, x: str, hue: str | None = None, ax=None
) -> Figure:
    """Grouped bars of the across-seed mean with 95% CI error bars (from summarize())."""
    t = table[table["metric"] == metric]
    if t.empty:
        raise KeyError(f"metric {metric!r} is not in the table")
    fig, ax = _axes(ax, (6.4, 3.6))
    xs = list(dict.fromkeys(t[x].astype(str)))
    hues = list(dict.fromkeys(t[hue].astype(str))) if hue else [None]
    width = 0.8 / len(hues)
    for i, h in enumerate(hues):
        sub = t if h is None else t[t[hue].astype(str) == h]
        sub = sub.set_index(sub[x].astype(str)).reindex(xs)
        pos = np.arange(len(xs)) + (i - (len(hues) - 1) / 2) * width
        err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
        ax.bar(pos, sub["mean"], width, yerr=np.nan_to_num(err), capsize=3, label=h)
    ax.set_xticks(np.arange(len(xs)), xs)
    ax.set_xlabel(x)
    ax.set_ylabel(LABELS.get(metric, metric))
    n = int(t["n"].min())
    ax.set_title(f"mean of {n} seeds, 95% CI", fontsize="small")
    if hue:
        ax.legend(title=hue, fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_validation(rows: list[dict]) -> Figure:
    """Simulated vs observed for every target with a number: each as a share of its
    observed value (1 = observed), the published band in grey, the simulated mean with its
    95% CI over seeds; filled markers were used to fit, open ones were held out. Targets
    whose band reaches zero (a figure near zero, such as the fund balance) are left out: a
    ratio to a value near zero says nothing."""
    rows = [r for r in rows if r.get("observed_value") and (r["low"] > 0 or r["high"] < 0)]
    fig = Figure(figsize=(10, 0.42 * len(rows) + 1.4), layout="constrained")
    ax = fig.subplots()
    ends = []
    for i, r in enumerate(rows):
        obs = r["observed_value"]
        lo, hi = sorted((r["low"] / obs, r["high"] / obs))
        sim, ci = r["simulated"] / obs, abs(r["ci95"] / obs)
        ends += [lo, hi, sim - ci, sim + ci]
        ax.barh(i, hi - lo, left=lo, height=0.6, color="0.85", edgecolor="0.6")
        ax.errorbar(sim, i, xerr=ci, fmt="o",
                    color="black", mfc="black" if r["fit"] else "white", capsize=3)  # fmt: skip
    ax.axvline(1.0, color="0.3", lw=1, ls="--")
    ax.set_yticks(range(len(rows)), [r["check"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("simulated / observed")
    if ends and min(ends) > 0:  # ratios: a log axis puts x0.5 and x2 equally far from 1
        ax.set_xscale("log")
        ticks = [
            t for t in (0.25, 0.5, 0.8, 1, 1.25, 2, 4, 8) if min(ends) / 1.5 < t < max(ends) * 1.5
        ]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel("simulated / observed (log scale)")
    # over the figure, not the axes: long target names leave the axes narrow
    fig.suptitle("grey: published range or CI;  ● used to fit,  ○ held out", fontsize="small")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_monthly(monthly: pd.DataFrame, metrics: list[str], ax: Axes | None = None) -> Figure:
    """Monthly series of one run (RunResult.monthly), one line per metric, by month."""
    fig, ax = _axes(ax, (6.4, 3.4))
    months = np.arange(len(monthly)) + 1
    for style, metric in zip(("-", "--", ":", "-."), metrics, strict=False):
        ax.plot(months, monthly[metric], style, color="black", label=LABELS.get(metric, metric))
    ax.set_xlabel("month of the run")
    ax.set_ylabel("share" if all(m.endswith(("rate", "share")) for m in metrics) else "value")
    ax.legend(fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_lever(
    table: pd.DataFrame, metric: str, x: str, hue: str | None = None, ax: Axes | None = None
) -> Figure:
    """The across-seed mean along a lever (x numeric) with its 95% CI as a band."""
    t = table[table["metric"] == metric]
    if t.empty:
        raise KeyError(f"metric {metric!r} is not in the table")
    fig, ax = _axes(ax, (6.4, 3.6))
    groups = [(None, t)] if hue is None else list(t.groupby(hue, sort=False))
    for (name, sub), style in zip(groups, ("o-", "s--", "^:", "d-."), strict=False):
        sub = sub.sort_values(x)
        ax.plot(sub[x], sub["mean"], style, color="black", label=name)
        ax.fill_between(sub[x], sub["ci_low"], sub["ci_high"], color="0.5", alpha=0.25, lw=0)
    ax.set_xlabel(x)
    ax.set_ylabel(LABELS.get(metric, metric))
    ax.set_title(f"mean of {int(t['n'].min())} seeds, 95% CI (band)", fontsize="small")
    if hue is not None:
        ax.legend(title=hue, fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


# one colour (Okabe-Ito, colour-blind safe), line style and marker per policy package, so
# that every figure draws a package the same way and greyscale prints stay readable
PACKAGE_STYLE: dict[str, tuple[str, Any, str, str]] = {
    "baseline": ("#000000", "-", "o", "fee-for-service baseline"),
    "bundled": ("#0072B2", "--", "s", "bundled payment"),
    "bundled_secondment": ("#009E73", "-.", "^", "bundled + secondment"),
    "bundled_gatekeeping": ("#D55E00", ":", "D", "bundled + gatekeeping"),
    "all_three": ("#CC79A7", (0, (5, 1, 1, 1)), "v", "all three"),
}
PERCENT = ("rate", "share", "ratio")


def style_of(name: str, i: int = 0) -> tuple[str, Any, str, str]:
    """(colour, line style, marker, label) of a package, or a fallback for any other name."""
    fallback = list(PACKAGE_STYLE.values())[i % len(PACKAGE_STYLE)]
    return PACKAGE_STYLE.get(name, (fallback[0], fallback[1], fallback[2], name))


def plot_trajectories(
    table: pd.DataFrame,
    metric: str,
    hue: str = "package",
    ax: Axes | None = None,
    scale: float = 1.0,
    unit: str | None = None,
) -> Figure:
    """Mean by simulated year (from summarize(by=hue, year="each")) with a 95% CI band over
    seeds, one line per `hue`; `scale` divides the values (e.g. 1e6 for M yuan)."""
    t = table[table["metric"] == metric]
    if t.empty:
        raise KeyError(f"metric {metric!r} is not in the table")
    fig, ax = _axes(ax, (6.4, 3.8))
    pct = metric.endswith(PERCENT) and scale == 1.0
    k = 100.0 if pct else 1.0 / scale
    order = [n for n in PACKAGE_STYLE if n in set(t[hue])] + sorted(
        n for n in set(t[hue]) if n not in PACKAGE_STYLE
    )
    for i, name in enumerate(order):
        sub = t[t[hue] == name]
        colour, line, marker, label = style_of(str(name), i)
        sub = sub.sort_values("year")
        x = sub["year"] + 1
        ax.plot(x, k * sub["mean"], color=colour, ls=line, marker=marker, ms=4, label=label)
        ax.fill_between(x, k * sub["ci_low"], k * sub["ci_high"], color=colour, alpha=0.15, lw=0)
    ax.set_xlabel("year of the reform")
    ax.set_xticks(sorted((t["year"] + 1).unique()))
    name = LABELS.get(metric, metric)
    ax.set_ylabel(f"{name} (%)" if pct else f"{name} ({unit})" if unit else name)
    ax.set_title(f"mean of {int(t['n'].min())} seeds, 95% CI (bands)", fontsize="small")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_surplus_split(by_year: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Stacked bars of what the consortia's settlement paid to (surplus, up) or took from
    (their share of an overspend, down) county, township and village members, by year:
    `by_year` has a `year` column and one column per level in yuan (means over seeds)."""
    fig, ax = _axes(ax, (6.4, 3.6))
    x = by_year["year"].to_numpy() + 1
    up = np.zeros(len(by_year))
    down = np.zeros(len(by_year))
    for level, hatch in (("county", ""), ("township", "//"), ("village", "..")):
        values = by_year[level].to_numpy(dtype=float) / 1e6
        base = np.where(values >= 0, up, down)
        ax.bar(x, values, 0.6, bottom=base, label=level, hatch=hatch, color="white",
               edgecolor="black")  # fmt: skip
        up, down = up + np.maximum(values, 0), down + np.minimum(values, 0)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlabel("year of the reform")
    ax.set_ylabel("settlement to members (M¥; overspend < 0)")
    ax.legend(fontsize="small", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def plot_lever_map(
    table: pd.DataFrame,
    x: str,
    y: str,
    metric: str,
    zero_contours: dict[str, str],
    xlabel: str,
    ylabel: str,
    title: str,
) -> Figure:
    """Heatmap of a metric's mean (summarize table, `by=[x, y]`) over two levers, each cell
    labelled; for each money metric the contour where its mean crosses zero, or a note
    that it keeps one sign over the whole map."""
    fig = Figure(figsize=(7.2, 5.0), layout="constrained")
    ax = fig.subplots()

    def grid(name: str) -> pd.DataFrame:
        rows = table[table["metric"] == name]
        return rows.pivot(index=y, columns=x, values="mean").sort_index().sort_index(axis=1)

    values = grid(metric)
    scale = 100.0 if any(k in metric for k in PERCENT) else 1.0
    xs, ys = values.columns.to_numpy(float), values.index.to_numpy(float)
    mesh = ax.pcolormesh(xs, ys, scale * values.to_numpy(), cmap="viridis", shading="nearest")
    fig.colorbar(mesh, ax=ax, label=LABELS.get(metric, metric) + (" (%)" if scale == 100 else ""))
    vmid = float(np.nanmean(scale * values.to_numpy()))
    for (i, yv), (j, xv) in ((a, b) for a in enumerate(ys) for b in enumerate(xs)):
        v = scale * values.iloc[i, j]
        ax.text(xv, yv, f"{v:.1f}", ha="center", va="center", fontsize="small",
                color="white" if v < vmid else "black")  # fmt: skip
    notes: list[str] = []
    handles: list[Line2D] = []
    styles: list[Any] = ["-", "--"]
    for (name, label), style, hatch in zip(
        zero_contours.items(), styles, ("//", "\\\\"), strict=False
    ):
        money = grid(name).to_numpy()
        if np.nanmin(money) < 0 < np.nanmax(money):
            ax.contour(xs, ys, money, levels=[0.0], colors="red", linestyles=style)
            ax.contourf(xs, ys, money, levels=[-np.inf, 0.0], colors="none", hatches=[hatch])
            handles.append(Line2D([], [], color="red", linestyle=style,
                                  label=f"{label} = 0 (hatched side: below 0)"))  # fmt: skip
        else:
            sign = "above" if np.nanmin(money) >= 0 else "below"
            notes.append(f"{label}: {sign} zero everywhere ({np.nanmin(money) / 1e6:+.1f} to "
                         f"{np.nanmax(money) / 1e6:+.1f} M¥)")  # fmt: skip
    ax.set_xticks(xs)
    ax.set_yticks(ys)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize="medium")
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize="small", framealpha=0.9)
    if notes:
        fig.supxlabel("\n".join(notes), fontsize="small")
    return fig


def _seed_ci(values: pd.DataFrame, by: list[str], col: str) -> pd.DataFrame:
    """Mean and 95% t-interval over seeds of one value per (by..., seed)."""
    from scipy import stats

    g = values.groupby(by)[col]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    half = stats.t.ppf(0.975, np.maximum(out["n"] - 1, 1)) * out["sd"] / np.sqrt(out["n"])
    return out.assign(ci_low=out["mean"] - half, ci_high=out["mean"] + half)


def plot_secondment_case(fac: pd.DataFrame, reference: pd.DataFrame) -> tuple[Figure, pd.DataFrame]:
    """Key township centres' visits a day and revenue by calendar year, per arm: the mean
    of the centres and the busiest centre, each a mean over seeds with its 95% CI, and the
    reported figures of one real centre as reference points. Returns (figure, numbers)."""
    counts = fac.groupby(["arm", "calendar_year", "seed"]).size()
    if counts.nunique() != 1:  # every seed's county has its own key centres, as many each
        raise ValueError(f"key centres per arm, year and seed differ: {sorted(set(counts))}")
    per_seed = []
    for stat, fn in (("mean of key centres", "mean"), ("busiest key centre", "max")):
        agg = fac.groupby(["arm", "calendar_year", "seed"])[["visits_per_day", "revenue_yuan"]]
        per_seed.append(agg.agg(fn).reset_index().assign(stat=stat))
    seeds = pd.concat(per_seed, ignore_index=True)
    fig = Figure(figsize=(10, 3.9), layout="constrained")
    axes = fig.subplots(1, 2)
    tables = []
    panels = (("visits_per_day", 1.0, "outpatient visits a day"),
              ("revenue_yuan", 1e6, "revenue (million yuan a year)"))  # fmt: skip
    for ax, (col, scale, label), letter in zip(axes, panels, "ab", strict=True):
        t = _seed_ci(seeds, ["arm", "stat", "calendar_year"], col)
        tables.append(t.assign(metric=col))
        for (arm, stat), rows in t.groupby(["arm", "stat"]):
            colour = "#009E73" if arm == "specialists" else "#000000"
            style = "-" if stat.startswith("mean") else ":"
            x = rows["calendar_year"]
            ax.plot(x, rows["mean"] / scale, color=colour, linestyle=style, marker="o",
                    label=f"{arm}: {stat}")  # fmt: skip
            ax.fill_between(x, rows["ci_low"] / scale, rows["ci_high"] / scale, color=colour,
                            alpha=0.15, linewidth=0)  # fmt: skip
        ref = reference.dropna(subset=[col])
        if col == "visits_per_day":
            err = [ref[col] - ref["visits_low"], ref["visits_high"] - ref[col]]
            ax.errorbar(ref["calendar_year"], ref[col], yerr=err, fmt="*", color="#D55E00",
                        markersize=11, capsize=3, label="Tucheng, reported")  # fmt: skip
        else:
            ax.plot(ref["calendar_year"], ref[col] / scale, "*", color="#D55E00",
                    markersize=11, label="Tucheng, reported")  # fmt: skip
        ax.set_xticks(sorted(fac["calendar_year"].unique()))
        ax.set_xlabel("calendar year")
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
        ax.set_title(f"({letter}) {label}", loc="left", fontsize="small")
    axes[0].legend(fontsize="x-small", frameon=False)
    return fig, pd.concat(tables, ignore_index=True).assign(centres=int(counts.iloc[0]))


def plot_calibration(table: pd.DataFrame, targets: dict[str, Any]) -> Figure:
    """One panel per indicator: the simulated mean and 95% CI over seeds by year (a
    summarize table, year='each') against the observed value (line) and its published
    range (grey band); the panel title says whether the target was used to fit."""
    metrics = list(targets)
    cols = 3
    rows = -(-len(metrics) // cols)
    fig = Figure(figsize=(10, 3.1 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax, metric, letter in zip(axes, metrics, "abcdefghi", strict=False):
        t = targets[metric]
        scale = 100.0 if any(k in metric for k in PERCENT) else 1.0
        sim = table[table["metric"] == metric].sort_values("year")
        years = sim["year"] + 1
        ax.axhspan(scale * t.low, scale * t.high, color="0.88", label="published range")
        ax.axhline(scale * t.observed, color="#D55E00", ls="--", lw=1.2, label="observed")
        err = [scale * (sim["mean"] - sim["ci_low"]), scale * (sim["ci_high"] - sim["mean"])]
        ax.errorbar(years, scale * sim["mean"], yerr=err, fmt="o-", color="black", capsize=3,
                    label="simulated, 95% CI")  # fmt: skip
        ax.set_xticks(years)
        ax.set_xlabel("simulated year")
        unit = " (%)" if scale == 100 else ""
        ax.set_ylabel(LABELS.get(metric, metric.replace("_", " ")) + unit, fontsize="small")
        role = "used to fit" if t.fit else "held out"
        ax.set_title(f"({letter}) {t.name} — {role}", loc="left", fontsize="small")
    for ax in axes[len(metrics) :]:
        ax.set_axis_off()
    handles, labels = axes[0].get_legend_handles_labels()
    axes[-1].legend(handles, labels, loc="center", frameon=False, title="fee-for-service baseline")
    return fig


def plot_sobol(table: pd.DataFrame, outputs: dict[str, str], n_runs: int) -> Figure:
    """First-order (S1, filled) and total (ST, hatched) Sobol indices per factor, one panel
    per output, with their 95% bootstrap intervals (research/sensitivity.py)."""
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    axes = fig.subplots(1, len(outputs), sharey=True)
    labels = list(dict.fromkeys(table["label"]))
    y = np.arange(len(labels))
    for ax, (name, title), letter in zip(axes, outputs.items(), "abcd", strict=False):
        t = table[table["output"] == name].set_index(["order", "label"])
        bars: list[Any] = []
        for k, (order, hatch, colour) in enumerate((("S1", "", "#0072B2"), ("ST", "//", "white"))):
            rows = t.loc[order].reindex(labels)
            bar = ax.barh(y + (k - 0.5) * 0.38, rows["index"], 0.38, xerr=rows["ci95"],
                          color=colour, edgecolor="black", hatch=hatch, capsize=2)  # fmt: skip
            bars.append(bar)
        ax.axvline(0, color="0.5", lw=0.8)
        ax.set_xlabel("Sobol index (share of output variance)")
        ax.set_title(f"({letter}) {title}", loc="left", fontsize="small")
    axes[0].set_yticks(y, labels)
    axes[0].invert_yaxis()
    axes[0].legend(bars, ["first order (S1)", "total (ST)"], fontsize="small", frameon=False)
    fig.suptitle(f"{n_runs} runs; bars: 95% bootstrap intervals", fontsize="small")
    return fig
