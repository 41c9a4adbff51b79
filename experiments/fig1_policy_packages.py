"""Figure 1: inpatient in-county rate and primary-care share over five years under five
policy packages (fee-for-service baseline; bundled payment; + secondment; + gatekeeping;
all three), mean and 95% CI over seeds, default county.

    python experiments/fig1_policy_packages.py           # 10 seeds, 400k residents
    python experiments/fig1_policy_packages.py --quick   # 3 seeds, 10k residents
"""

from __future__ import annotations

from figures import load, parse, save, sweep  # type: ignore[import-not-found]
from matplotlib.figure import Figure

import countysim
from countysim.research.plotting import plot_trajectories

NAME = "fig1_policy_packages"
METRICS = ["inpatient_in_county_rate", "primary_care_share"]


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    url = sweep(NAME, args.quick)
    df = load(url, NAME)
    table = countysim.summarize(df, by="package", metric=METRICS, year="each")
    fig = Figure(figsize=(10, 3.8), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, metric, letter in zip(axes, METRICS, "ab", strict=True):
        plot_trajectories(table, metric, ax=ax)
        ax.set_title(f"({letter}) " + ax.get_title(), loc="left", fontsize="small")
        ax.set_title("")
    axes[0].legend(fontsize="small", frameon=False)
    save(fig, table, NAME, args.out)


if __name__ == "__main__":
    main()
