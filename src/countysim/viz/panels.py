"""The dashboard's plots: DataFrame in, matplotlib Figure out (no pyplot, no backend).

Metrics keep one colour wherever they appear (Okabe-Ito, as research/plotting.py); the
package arm is drawn solid and the fee-for-service baseline dashed, so the plots read in
greyscale too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE

RATES = {
    "in_county_rate": ("#0072B2", "in-county, all episodes"),
    "inpatient_in_county_rate": ("#D55E00", "in-county, inpatients"),
    "primary_care_share": ("#009E73", "primary-care share of visits"),
}
ARM_LINE = {"package": "-", "baseline": "--"}
ARM_LABEL = {"package": "package", "baseline": "fee-for-service baseline"}
SIZE = (6.4, 4.2)


def _figure(message: str | None = None) -> Figure:
    fig = Figure(figsize=SIZE, layout="constrained")
    if message is not None:
        ax = fig.subplots()
        ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True)
        ax.set_axis_off()
    return fig


def rates_figure(history: pd.DataFrame) -> Figure:
    """In-county rates and primary-care share by month, in per cent; one line style per arm."""
    if history.empty:
        return _figure("Press Step or ▶ to simulate a month")
    fig = _figure()
    ax = fig.subplots()
    for arm, rows in history.groupby("arm", sort=False):
        for metric, (colour, label) in RATES.items():
            ax.plot(
                rows["t_years"],
                100 * rows[metric],
                color=colour,
                linestyle=ARM_LINE[str(arm)],
                label=f"{label} ({ARM_LABEL[str(arm)]})" if history.arm.nunique() > 1 else label,
            )
    ax.set_xlabel("years since the start (one point per month)")
    ax.set_ylabel("per cent")
    ax.set_title("Where care is given, month by month")
    fig.legend(loc="outside lower center", ncol=2 if history.arm.nunique() > 1 else 3,
               fontsize="xx-small")  # fmt: skip
    return fig


def fund_figure(history: pd.DataFrame) -> Figure:
    """Fund balance in million yuan: projected from claims so far, and the books as closed."""
    if history.empty:
        return _figure("The fund's balance appears after the first month")
    fig = _figure()
    ax = fig.subplots()
    ax.axhline(0.0, color="grey", linewidth=0.8)
    for arm, rows in history.groupby("arm", sort=False):
        line, name = ARM_LINE[str(arm)], ARM_LABEL[str(arm)]
        t = rows["t_years"]
        ax.plot(t, rows["fund_projected_yuan"] / 1e6, color="#000000", linestyle=line,
                label=f"fund paying every claim, projected ({name})")  # fmt: skip
        if rows["consortium_projected_yuan"].notna().any():
            ax.plot(t, rows["consortium_projected_yuan"] / 1e6, color="#CC79A7", linestyle=line,
                    label=f"consortia, projected ({name})")  # fmt: skip
        closed = rows[rows["fund_balance_yuan"].notna()]
        ax.plot(closed["t_years"], closed["fund_balance_yuan"] / 1e6, "o", color="#000000",
                fillstyle="full" if arm == "package" else "none",
                label=f"insurer, year closed ({name})")  # fmt: skip
        ax.plot(closed["t_years"], closed["fund_cumulative_yuan"] / 1e6, "s", color="#E69F00",
                fillstyle="full" if arm == "package" else "none",
                label=f"insurer, cumulative ({name})")  # fmt: skip
    ax.set_xlabel("years since the start")
    ax.set_ylabel("million yuan")
    ax.set_title("Fund balance (projected: claims so far x 365 / days elapsed)")
    fig.legend(loc="outside lower center", ncol=2, fontsize="xx-small")
    return fig


def difference_figure(diff: pd.DataFrame) -> Figure:
    """Package minus baseline (common random numbers): rates in points, fund in million yuan."""
    if diff.empty:
        return _figure("Compare mode is off: tick 'Compare with fee-for-service baseline', Reset")
    fig = Figure(figsize=SIZE, layout="constrained")
    left, right = fig.subplots(1, 2)
    for metric, (colour, label) in RATES.items():
        left.plot(diff["t_years"], 100 * diff[metric], color=colour, label=label)
    left.axhline(0.0, color="grey", linewidth=0.8)
    left.set_xlabel("years since the start")
    left.set_ylabel("percentage points")
    left.legend(fontsize="x-small")
    right.plot(diff["t_years"], diff["fund_projected_yuan"] / 1e6, color="#000000")
    right.axhline(0.0, color="grey", linewidth=0.8)
    right.set_xlabel("years since the start")
    right.set_ylabel("million yuan (insurer, projected)")
    fig.suptitle("Package minus baseline, same county and random numbers", fontsize="medium")
    return fig


COLOUR_BY = {"occupancy": "bed occupancy", "kept_share": "share of patients kept"}


def map_figure(layout: pd.DataFrame, table: pd.DataFrame | None, colour_by: str) -> Figure:
    """Facilities placed by travel time to the county seat, sized by visits a day."""
    if table is None or layout.empty:
        return _figure("The map fills in after the first month")
    if colour_by not in COLOUR_BY:
        raise ValueError(f"colour_by = {colour_by!r}: must be one of {sorted(COLOUR_BY)}")
    fig = Figure(figsize=(6.4, 5.2), layout="constrained")
    ax = fig.subplots()
    r = layout["radius_min"].to_numpy()
    for ring in np.arange(30.0, r[layout.level != OUT].max() + 1, 30.0):
        ax.add_patch(_circle(ring))
        ax.text(ring * 0.707, ring * 0.707, f"{ring:.0f} min", fontsize="xx-small", color="grey")
    value = table[colour_by].to_numpy(dtype=float)
    size = 4 + 3 * np.sqrt(np.clip(table["visits_per_day"].to_numpy(dtype=float), 0, None))
    norm = Normalize(0.0, 1.0)
    marker = {VILLAGE: "o", TOWNSHIP: "s", COUNTY: "*", OUT: "X"}
    name = {VILLAGE: "village clinic", TOWNSHIP: "township centre", COUNTY: "county hospital",
            OUT: "out of county"}  # fmt: skip
    mappable = None
    for level, m in marker.items():
        at = (layout.level == level).to_numpy()
        if not at.any():
            continue
        known = at & np.isfinite(value)
        if known.any():
            mappable = ax.scatter(
                layout.x[known], layout.y[known], s=size[known] ** 2 / 4, c=value[known],
                cmap="viridis", norm=norm, marker=m, edgecolors="black", linewidths=0.4,
                label=name[level],
            )  # fmt: skip
        unknown = at & ~np.isfinite(value)
        if unknown.any():
            ax.scatter(layout.x[unknown], layout.y[unknown], s=size[unknown] ** 2 / 4,
                       color="lightgrey", marker=m, edgecolors="black", linewidths=0.4,
                       label=f"{name[level]} (no {COLOUR_BY[colour_by]})")  # fmt: skip
    if mappable is not None:
        fig.colorbar(mappable, ax=ax, label=COLOUR_BY[colour_by], shrink=0.7)
    ax.set_aspect("equal")
    ax.set_xlabel("minutes (distance from centre = travel time to the county seat)")
    ax.set_yticks([])
    ax.set_title("The county: marker area = visits a day this month", fontsize="medium")
    fig.legend(loc="outside lower center", ncol=2, fontsize="xx-small", markerscale=0.5)
    return fig


def _circle(radius: float) -> Circle:
    return Circle((0, 0), radius, fill=False, color="lightgrey", linewidth=0.6)
