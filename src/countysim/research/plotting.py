"""Figures from stored results: DataFrame in, matplotlib Figure out (used by notebooks/).

df = countysim.load_metrics(url)
table = countysim.summarize(df, by=["payment", "secondment"], metric="in_county_rate")
fig = plot_summary(table, metric="in_county_rate", x="secondment", hue="payment")
fig.savefig("figures/in_county.pdf")
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

LABELS = {
    "in_county_rate": "In-county treatment rate",
    "inpatient_in_county_rate": "Inpatient in-county rate",
    "fund_balance_ratio": "Fund balance / income",
    "primary_care_share": "Primary-care share of visits",
    "oop_per_capita_yuan": "Out-of-pocket per capita (¥)",
}


def plot_summary(
    table: pd.DataFrame, metric: str, x: str, hue: str | None = None, ax=None
) -> Figure:
    """Grouped bars of the across-seed mean with 95% CI error bars (from summarize())."""
    t = table[table["metric"] == metric]
    if t.empty:
        raise KeyError(f"metric {metric!r} is not in the table")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 3.6), constrained_layout=True)
    else:
        fig = ax.figure
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
    95% CI over seeds; filled markers were used to fit, open ones were held out."""
    rows = [r for r in rows if "observed_value" in r and r["observed_value"]]
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(rows) + 1.2))
    for i, r in enumerate(rows):
        obs = r["observed_value"]
        lo, hi = sorted((r["low"] / obs, r["high"] / obs))
        ax.barh(i, hi - lo, left=lo, height=0.6, color="0.85", edgecolor="0.6")
        ax.errorbar(r["simulated"] / obs, i, xerr=abs(r["ci95"] / obs), fmt="o",
                    color="black", mfc="black" if r["fit"] else "white", capsize=3)  # fmt: skip
    ax.axvline(1.0, color="0.3", lw=1, ls="--")
    ax.set_yticks(range(len(rows)), [r["check"] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("simulated / observed (grey: published range or CI; ● fitted, ○ held out)")
    fig.tight_layout()
    return fig
