"""Figure 5: calibration — the fee-for-service baseline's visits per capita, admission rate,
primary-care share, inpatient in-county rate and fund balance ratio, each year (mean and
95% CI over seeds), against the national figures (research/targets.py: the published value
and its range; whether the target was used to fit or held out).

    python experiments/fig5_calibration.py           # Figure 1's baseline runs, 10 seeds
    python experiments/fig5_calibration.py --quick   # 3 seeds, 10k residents
"""

from __future__ import annotations

from figures import load, parse, save, sweep  # type: ignore[import-not-found]

import countysim
from countysim.research.plotting import plot_calibration
from countysim.research.targets import LEVELS

NAME = "fig5_calibration"
PACKAGES = "fig1_policy_packages"  # the baseline runs are Figure 1's
METRICS = [
    "visits_per_capita",
    "admission_rate",
    "primary_care_share",
    "inpatient_in_county_rate",
    "fund_balance_ratio",
]


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    url = sweep(PACKAGES, args.quick)
    df = load(url, PACKAGES, NAME)
    df = df[df["package"] == "baseline"]
    table = countysim.summarize(df, by="package", metric=METRICS, year="each")
    targets = {t.metric: t for t in LEVELS if t.metric in METRICS}
    fig = plot_calibration(table, targets)
    data = table.assign(
        observed=table["metric"].map(lambda m: targets[m].observed),
        observed_low=table["metric"].map(lambda m: targets[m].low),
        observed_high=table["metric"].map(lambda m: targets[m].high),
        used_to_fit=table["metric"].map(lambda m: targets[m].fit),
        source=table["metric"].map(lambda m: targets[m].source),
    )
    save(fig, data, NAME, args.out)


if __name__ == "__main__":
    main()
