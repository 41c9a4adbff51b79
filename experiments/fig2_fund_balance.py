"""Figure 2: the insurance fund under the five policy packages — (a) its balance each
year, (b) cumulated over the years, (c) the consortia's surplus paid to county, township
and village members under bundled payment, (d) prepaying 95% vs 99% of the fund (Suixi's
change in 2023) — mean and 95% CI over seeds, default county.

    python experiments/fig2_fund_balance.py           # 10 seeds, 400k residents
    python experiments/fig2_fund_balance.py --quick   # 3 seeds, 10k residents
"""

from __future__ import annotations

import pandas as pd
from figures import load, parse, resolved, save, sweep  # type: ignore[import-not-found]
from matplotlib.figure import Figure

import countysim
from countysim.research.plotting import plot_surplus_split, plot_trajectories

NAME = "fig2_fund_balance"
PACKAGES = "fig1_policy_packages"
LEVELS = {0: "village", 1: "township", 2: "county"}


def settlement_by_level(url: str, runs: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds, by year, of what each level's members got from (or paid into)
    their consortium's settlement (facility table: surplus_yuan)."""
    fac = countysim.load_facilities(url)
    fac = fac[fac["run_id"].isin(runs["run_id"].unique()) & fac["level"].isin(LEVELS)]
    per_run = fac.groupby(["run_id", "year", "level"])["surplus_yuan"].sum().unstack("level")
    per_run = per_run.rename(columns=LEVELS).reset_index()
    return per_run.groupby("year")[list(LEVELS.values())].mean().reset_index()


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    url = sweep(PACKAGES, args.quick)
    sweep(NAME, args.quick)
    packages = load(url, PACKAGES)
    pool = load(url, PACKAGES, NAME)  # bundled at 95% is a point of both sweeps
    prepay = pool[pool["package"] == "bundled"].copy()
    money = ["fund_balance_yuan", "fund_cumulative_balance_yuan"]
    table = countysim.summarize(packages, by="package", metric=money, year="each")
    key = "payment.prepay_share"
    prepay[key] = resolved(prepay, url, key).astype(float)
    shares = countysim.summarize(prepay, by=key, metric="fund_balance_ratio", year="each")
    fig = Figure(figsize=(10, 7.2), layout="constrained")
    (a, b), (c, d) = fig.subplots(2, 2)
    plot_trajectories(table, "fund_balance_yuan", ax=a, scale=1e6, unit="M¥")
    plot_trajectories(table, "fund_cumulative_balance_yuan", ax=b, scale=1e6, unit="M¥")
    split = settlement_by_level(url, packages[packages["package"] == "bundled"])
    plot_surplus_split(split, ax=c)
    plot_trajectories(shares.assign(package=shares[key].map(lambda s: f"prepay {s:.0%}")),
                      "fund_balance_ratio", ax=d)  # fmt: skip
    for ax, letter in zip((a, b, c, d), "abcd", strict=True):
        title = ax.get_title() or "bundled payment, mean of seeds"
        ax.set_title(f"({letter}) {title}", loc="left", fontsize="small")
        ax.set_title("")
        ax.axhline(0, color="0.5", lw=0.8)
    b.legend(fontsize="small", frameon=False, loc="upper left")
    d.legend(fontsize="small", frameon=False)
    data = pd.concat(
        [table.assign(panel="a-b"), split.assign(panel="c"), shares.assign(panel="d")],
        ignore_index=True,
    )
    save(fig, data, NAME, args.out)


if __name__ == "__main__":
    main()
