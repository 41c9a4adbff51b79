"""How a target's figure is read from a run's tables: yearly metrics, metrics derived
from the yearly or facility tables, and paired ones read from an arm and its baseline."""

from __future__ import annotations

from typing import Any

import pandas as pd

from countysim.metrics import DAYS_PER_YEAR
from countysim.research.gradient import township_admission_gradient, township_visit_gradient


def county_visit_share(facilities: pd.DataFrame, year: int) -> float:
    """County hospitals' share of in-county visits (village, township, county)."""
    f = facilities[(facilities["year"] == year) & (facilities["level"] <= 2)]
    total = float(f["visits"].sum())
    return float(f.loc[f["level"] == 2, "visits"].sum()) / total if total else float("nan")


def township_admissions_per_centre(facilities: pd.DataFrame, year: int) -> float:
    """Mean admissions per township centre in a year."""
    f = facilities[(facilities["year"] == year) & (facilities["level"] == 1)]
    return float(f["admissions"].mean())


def _yearly(metric: str) -> Any:
    def read(yearly: pd.DataFrame, year: int) -> float:
        row = yearly.loc[yearly["year"] == year].iloc[0]
        primary = float(row["visits_per_capita"] * row["primary_care_share"])
        return primary if metric == "primary" else float(row["visits_per_capita"]) - primary

    return read


YEARLY_DERIVED = {
    "primary_visits_per_capita": _yearly("primary"),  # village clinics and township centres
    "hospital_visits_per_capita": _yearly("hospital"),  # county and out-of-county hospitals
}

DERIVED = {
    "county_visit_share": county_visit_share,
    "township_admissions_per_centre": township_admissions_per_centre,
    # cross-section of the township centres (research/gradient.py)
    "township_visit_gradient": township_visit_gradient,
    "township_admission_gradient": township_admission_gradient,
}


def out_of_county_admissions_per_capita(
    yearly: pd.DataFrame, facilities: pd.DataFrame, year: int
) -> float:
    """Admissions to hospitals outside the county in a year per resident (at its start)."""
    f = facilities[(facilities["year"] == year) & (facilities["level"] == 3)]
    residents = float(yearly.loc[yearly["year"] == year, "residents"].iloc[0])
    return float(f["admissions"].sum()) / residents


def _marginal_share(level: int, name: str) -> Any:
    def read(yearly: pd.DataFrame, facilities: pd.DataFrame, year: int) -> float:
        f = facilities[(facilities["year"] == year) & (facilities["level"] == level)]
        marginal = float(yearly.loc[yearly["year"] == year, f"marginal_admissions_{name}"].iloc[0])
        return marginal / float(f["admissions"].sum())

    read.__doc__ = (
        f"Share of the {name} level's admissions in a year that its facilities chose to admit "
        "(an outpatient of severity >= 1 admitted by the `admission` decision, model.py), "
        "the model's counterpart of an admission judged inappropriate by the AEP."
    )
    return read


marginal_admission_share_township = _marginal_share(1, "township")
marginal_admission_share_county = _marginal_share(2, "county")


def down_referral_share_county(yearly: pd.DataFrame, facilities: pd.DataFrame, year: int) -> float:
    """Inpatients that county hospitals sent down to a township centre in a year (to
    convalesce, care/delivery.py) per county-hospital admission."""
    f = facilities[(facilities["year"] == year) & (facilities["level"] == 2)]
    down = float(yearly.loc[yearly["year"] == year, "referrals_down"].iloc[0])
    return down / float(f["admissions"].sum())


# metrics read from the yearly and facility tables together
FROM_BOTH = {
    "down_referral_share_county": down_referral_share_county,
    "out_of_county_admissions_per_capita": out_of_county_admissions_per_capita,
    "marginal_admission_share_township": marginal_admission_share_township,
    "marginal_admission_share_county": marginal_admission_share_county,
}


def _seconded(arm: pd.DataFrame, base: pd.DataFrame, year: int, name: str) -> tuple[Any, ...]:
    """(arm's township rows in `year`, baseline's in year 0, ids of the centres that received
    secondment: more doctor-days in the arm than in the baseline in `year`)."""
    a = arm[(arm["level"] == 1) & (arm["year"] == year)].set_index("facility_id")
    b = base[(base["level"] == 1) & (base["year"] == year)].set_index("facility_id")
    start = base[(base["level"] == 1) & (base["year"] == 0)].set_index("facility_id")
    seconded = a.index[a["doctor_days"] > b.loc[a.index, "doctor_days"] + 1.0]
    if seconded.empty:
        raise ValueError(f"{name}: no township centre received secondment")
    return a, start, seconded


def _key_township_ratio(column: str) -> Any:
    def read(arm: pd.DataFrame, base: pd.DataFrame, year: int) -> float:
        a, start, seconded = _seconded(arm, base, year, f"key_township_{column}_ratio")
        return float((a.loc[seconded, column] / start.loc[seconded, column]).mean())

    read.__doc__ = (
        f"Mean over the township centres that received secondment (more doctor-days in the "
        f"arm than in the baseline in `year`) of their {column} in `year` over the same "
        f"centres' {column} in the baseline's first year (before the reform), same seed."
    )
    return read


def key_township_daily_visits_before(arm: pd.DataFrame, base: pd.DataFrame, year: int) -> float:
    """Mean over the township centres that received secondment (as in the ratios) of their
    outpatient visits a day in the baseline's first year (before the reform), same seed."""
    _, start, seconded = _seconded(arm, base, year, "key_township_daily_visits_before")
    return float(start.loc[seconded, "visits"].mean() / DAYS_PER_YEAR)


key_township_visits_ratio = _key_township_ratio("visits")
key_township_revenue_ratio = _key_township_ratio("revenue_yuan")

# effects read from the arm's and the baseline's facility tables together
PAIRED = {
    "key_township_daily_visits_before": key_township_daily_visits_before,
    "key_township_visits_ratio": key_township_visits_ratio,
    "key_township_revenue_ratio": key_township_revenue_ratio,
}


def read_metric(metric: str, yearly: pd.DataFrame, facilities: pd.DataFrame, year: int) -> float:
    """A yearly metric, or a derived one from the facility table, in simulated `year`."""
    if metric in DERIVED:
        return DERIVED[metric](facilities, year)
    if metric in FROM_BOTH:
        return FROM_BOTH[metric](yearly, facilities, year)
    if metric in YEARLY_DERIVED:
        return float(YEARLY_DERIVED[metric](yearly, year))
    return float(yearly.loc[yearly["year"] == year, metric].iloc[0])
