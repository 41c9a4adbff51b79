"""Figure 4: a township centre receiving county specialists for four years — the key
townships' daily outpatient visits and yearly revenue under Xishui's "2+5+N" secondment,
against the same county and seeds with no one seconded, with Xishui's reported Tucheng
figures (50-60 -> about 180 visits a day; 7.2 -> 18.6 M yuan, 2020-2023) as reference
points; mean and 95% CI over seeds.

    python experiments/fig4_secondment_case.py           # Xishui, 520k residents, 5 seeds
    python experiments/fig4_secondment_case.py --quick   # 3 seeds, 10k residents
"""

from __future__ import annotations

import pandas as pd
from figures import parse, resolved, save, sweep  # type: ignore[import-not-found]

import countysim
from countysim.research.plotting import plot_secondment_case

NAME = "fig4_secondment_case"
KEY = "secondment.specialists_per_township"
# Xishui county TCM hospital's Tucheng branch (docs/sources.md: Xishui)
TUCHENG = pd.DataFrame(
    {
        "calendar_year": [2020, 2023],
        "visits_per_day": [55.0, 180.0],
        "visits_low": [50.0, 180.0],
        "visits_high": [60.0, 180.0],
        "revenue_yuan": [7.2e6, 18.6e6],
    }
)


def key_townships(url: str) -> pd.DataFrame:
    """Per run and year: visits a day and revenue of each township centre that received
    specialists in the seconded arm (the same centres in the arm with none)."""
    runs = countysim.load_runs(url)
    mine = runs[runs["overrides"].astype(str).str.contains(f"+experiment={NAME}", regex=False)]
    mine = mine[mine["status"] == "completed"]
    mine = mine[mine["model_id"] == countysim.provenance.model_id()]
    fac = countysim.load_facilities(url)
    fac = fac[fac["run_id"].isin(mine["run_id"]) & (fac["level"] == 1)].copy()
    fac[KEY] = resolved(fac, url, KEY).astype(str)
    seeds = mine.set_index("run_id")["seed"]
    fac["seed"] = fac["run_id"].map(seeds)
    # the centres that received specialists: more doctor-days than the same centre, year and
    # seed with no one seconded (the secondment's cost is booked by the county hospitals)
    days = fac.pivot_table(index=["seed", "year", "facility"], columns=KEY, values="doctor_days")
    sent = days.drop(columns="0").max(axis=1) > days["0"]
    # per seed: each seed generates its own county, whose key centres are other townships
    chosen = {(seed, f) for seed, _, f in sent[sent].index}
    fac = fac[[(s, f) in chosen for s, f in zip(fac["seed"], fac["facility"], strict=True)]]
    start = mine.set_index("run_id")["config_yaml"].map(
        lambda y: int(str(y).split("start_calendar_year:")[1].split()[0])
    )
    fac["calendar_year"] = fac["run_id"].map(start) + fac["year"]
    fac["arm"] = fac[KEY].map(lambda v: "no one seconded" if v == "0" else "specialists")
    fac["visits_per_day"] = fac["visits"] / 365.0
    return fac


QUICK_TOWNSHIPS = ("county.residents_per_township=1000", "county.residents_per_village=100")


def main(argv: list[str] | None = None) -> None:
    args = parse(__doc__, argv)
    # quick: Xishui's 26 townships would shrink to one at 10,000 residents; keep 10, of which
    # 5 are its key centres (county.key_centres)
    url = sweep(NAME, args.quick, QUICK_TOWNSHIPS if args.quick else ())
    fac = key_townships(url)
    fig, table = plot_secondment_case(fac, TUCHENG)
    save(fig, table, NAME, args.out)


if __name__ == "__main__":
    main()
