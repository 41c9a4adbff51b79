"""Figure 3: the lever map — inpatient in-county rate in the fifth year over secondment
intensity (county specialists per township centre) x the gatekeeping reimbursement step
per level, under bundled payment, with the contours where the fund's and the consortia's
five-year balances cross zero; mean over seeds.

    python experiments/fig3_lever_map.py           # 5 x 5 levers, 3 seeds, 100k residents
    python experiments/fig3_lever_map.py --quick   # 2 x 2 levers, 3 seeds, 10k residents
"""

from __future__ import annotations

from figures import load, parse, resolved, save, sweep  # type: ignore[import-not-found]

import countysim
from countysim.research.plotting import plot_lever_map

NAME = "fig3_lever_map"
X, Y = "secondment.specialists_per_township", "triage.level_step"
# (the package named again: Hydra composes a sweep's command-line overrides before the
# experiment's sweeper parameters, and the secondment keys exist only under rotation)
QUICK_GRID = ("+package=all_three", f"{X}=0,2", f"{Y}=0.0,0.2")


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    # quick: the 10k county's few county doctors allow at most 2 specialists per township
    url = sweep(NAME, args.quick, QUICK_GRID if args.quick else ())
    df = load(url, NAME)
    for key in (X, Y):
        df[key] = resolved(df, url, key).astype(float)
    last = int(df["year"].max())
    # five-year balances: the insurer's is cumulated in the store; the consortia's summed here
    df["consortium_cumulative_balance_yuan"] = df.groupby("run_id")[
        "consortium_balance_yuan"
    ].transform("sum")
    metrics = [
        "inpatient_in_county_rate",
        "fund_cumulative_balance_yuan",
        "consortium_cumulative_balance_yuan",
    ]
    table = countysim.summarize(df, by=[X, Y], metric=metrics, year=last)
    fig = plot_lever_map(
        table,
        x=X,
        y=Y,
        metric="inpatient_in_county_rate",
        zero_contours={
            "fund_cumulative_balance_yuan": "insurer's 5-year balance",
            "consortium_cumulative_balance_yuan": "consortia's 5-year balance",
        },
        xlabel="county specialists seconded per township centre",
        ylabel="reimbursement step per level (share of the bill)",
        title=f"Inpatient in-county rate in year {last + 1} (%), all three levers",
    )
    save(fig, table, NAME, args.out)


if __name__ == "__main__":
    main()
