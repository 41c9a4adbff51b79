"""The distance gradient of township centres' use: a cross-sectional check of the travel
weights.

Shen, Lai, Deng et al. (2023, Health Soc Care Community, doi 10.1155/2023/6131486) regressed
each township health centre's use per person of its service population on the shortest
driving time from the centre to the county hospital, over 923 centres of a western Chinese
province in 2020 (multilevel linear model with controls; Table 4): each minute went with
+0.001 (SE 0.0003) in the outpatient variable and +0.0001 (SE 0.00003) in the inpatient one.

Their tables label the dependent variables "Log (... visit per service population)", but
the inpatient model cannot be the log of inpatients per person: its constant is 0.05 and
its AIC over 854 centres is about -3,940, which for a normal likelihood means a residual
SD of about 0.025. The log of a rate of a few admissions per hundred people is about -3
and varies across centres by tens of percent, while log(1 + rate) is the rate itself to
within a few percent of it (0.03-0.05). So the dependent variable is taken to be
log(1 + use per person), for both models, and the model's counterpart is the same: the OLS
slope of log(1 + visits or admissions per resident of the township) on the residents' mean
minutes to the county seat, across one county's township centres in a year.

The model's townships differ only in travel times and population; the study's controls
(physicians, service population, share aged over 65, subsidy share, centre type) take out
differences the model does not have.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from countysim.research.target import Target

# Shen et al. 2023, Table 4 (2020): coefficient and standard error per minute
OUTPATIENT_SLOPE = (0.001, 0.0003)
INPATIENT_SLOPE = (0.0001, 0.00003)
SOURCE = (
    "Shen, Lai, Deng et al. 2023, Health Soc Care Community (doi 10.1155/2023/6131486), "
    "Table 4: 923 township centres of a western province (915 and 854 in the models), 2020, "
    "multilevel model with controls; log(1 + use per person served) per minute of driving "
    "time to the county hospital (research/gradient.py)"
)

# The two targets (research/targets.py, group `gradient`): the one source that sizes the
# travel weight, so it is fitted (with the level constants, space `travel`), at 400,000
# residents, where the default county has 18 township centres (at the calibration's 100,000
# it has 5). It was held out first and failed at the fitted defaults (2026-11-25: outpatient
# 0.0026, inpatient 0.00035, 4 seeds); the remoteness ladder (research/validation.py) stays
# held out. Band: the published 95% CI, coefficient ± 1.96 SE.
GRADIENT: tuple[Target, ...] = tuple(
    Target(
        f"distance gradient: log(1 + township {label} per person), per minute to the county seat",
        "level",
        coef,
        coef - 1.96 * se,
        coef + 1.96 * se,
        SOURCE,
        True,
        metric,
        band_only=True,
    )
    for label, (coef, se), metric in (
        ("outpatient visits", OUTPATIENT_SLOPE, "township_visit_gradient"),
        ("inpatients", INPATIENT_SLOPE, "township_admission_gradient"),
    )
)


def slope(minutes: np.ndarray, per_person: np.ndarray) -> float:
    """OLS slope of log(1 + per_person) on minutes (per minute); NaN with fewer than 3
    finite points or no spread in minutes."""
    ok = np.isfinite(minutes) & np.isfinite(per_person)
    x, y = minutes[ok], np.log1p(per_person[ok])
    if x.size < 3 or np.ptp(x) == 0:
        return float("nan")
    return float(np.polyfit(x, y, 1)[0])


def township_slope(facilities: pd.DataFrame, year: int, column: str) -> float:
    """The slope of log(1 + `column` per resident of the catchment) on the catchment's mean
    minutes to the county seat, across the township centres' rows of `year` (facility
    table columns `catchment_residents`, `catchment_minutes_to_county`, recorded at the
    year's start; a run stored before they existed has none, and gives an error)."""
    f = facilities[(facilities["year"] == year) & (facilities["level"] == 1)]
    if "catchment_residents" not in f or f["catchment_residents"].isna().all():
        raise ValueError(
            "distance gradient: the facility table has no catchments (a run stored before "
            "schema version 8); run it again"
        )
    people = f["catchment_residents"].to_numpy(dtype=float)
    per_person = np.where(people > 0, f[column].to_numpy(dtype=float) / people, np.nan)
    return slope(f["catchment_minutes_to_county"].to_numpy(dtype=float), per_person)


def township_visit_gradient(facilities: pd.DataFrame, year: int) -> float:
    """Slope of log(1 + township centres' outpatient visits per resident) per minute."""
    return township_slope(facilities, year, "visits")


def township_admission_gradient(facilities: pd.DataFrame, year: int) -> float:
    """Slope of log(1 + township centres' admissions per resident) per minute."""
    return township_slope(facilities, year, "admissions")
