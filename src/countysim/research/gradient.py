"""The distance gradient of township centres' use: a held-out check of the travel weights.

Shen, Lai, Deng et al. (2023, Health Soc Care Community, doi 10.1155/2023/6131486) regressed
the log of each township health centre's visits per person of its service population on the
shortest driving time from the centre to the county hospital, over 923 centres of a western
Chinese province in 2020 (multilevel linear model with controls): each minute of driving
time went with +0.001 (SE 0.0003) in log outpatient visits (about +6% an hour) and +0.0001
(SE 0.00003) in log inpatients. The model's counterpart, across the township centres of one
county: the same regression, with the population-weighted mean minutes from the township's
villages to the county seat as the driving time (world/county.py draws each village's time
to the county seat from its own and its township's remoteness), with no controls (the
model's townships differ only in travel times and population).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from countysim.research.target import Simulated

# Shen et al. 2023, Table 4 (2020): coefficient and standard error per minute
OUTPATIENT_SLOPE = (0.001, 0.0003)
INPATIENT_SLOPE = (0.0001, 0.00003)
SOURCE = (
    "Shen, Lai, Deng et al. 2023, Health Soc Care Community (doi 10.1155/2023/6131486): "
    "923 township centres of a western province, 2020, multilevel model with controls; "
    "per minute of driving time to the county hospital"
)


def township_minutes_and_people(county: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per township: residents living in the county at the start (its service population)
    and their mean minutes to the county seat (weighted by residents)."""
    r = county.residents
    home = r.alive & ~r.away
    people_v = np.bincount(r.village[home], minlength=county.n_villages).astype(float)
    town = county.village_township
    people = np.bincount(town, weights=people_v, minlength=county.n_townships)
    minutes = np.bincount(
        town, weights=people_v * county.travel_min[:, 2], minlength=county.n_townships
    )
    return minutes / np.maximum(people, 1.0), people


def slope(minutes: np.ndarray, per_person: np.ndarray) -> float:
    """OLS slope of log(per_person) on minutes (per minute); NaN with fewer than 3 points
    or no spread in minutes."""
    ok = per_person > 0
    x, y = minutes[ok], np.log(per_person[ok])
    if x.size < 3 or np.ptp(x) == 0:
        return float("nan")
    return float(np.polyfit(x, y, 1)[0])


def county_slopes(county: Any, facilities: pd.DataFrame, year: int) -> dict[str, float]:
    """The outpatient and inpatient slopes across the county's township centres in `year`."""
    minutes, people = township_minutes_and_people(county)
    f = facilities[(facilities["year"] == year) & (facilities["level"] == 1)]
    f = f.set_index("facility_id").loc[county.township_facility(np.arange(county.n_townships))]
    return {
        "visits": slope(minutes, f["visits"].to_numpy(dtype=float) / people),
        "admissions": slope(minutes, f["admissions"].to_numpy(dtype=float) / people),
    }


def gradient(overrides: Sequence[str], seeds: Sequence[int]) -> dict[str, Simulated]:
    """Both slopes in the final year of a run per seed (the county rebuilt from the same
    config and seed: the model draws it before any day)."""
    from countysim.config.compose import build, compose_config
    from countysim.model import CountyModel
    from countysim.run import RunResult, run

    out = {"visits": Simulated(), "admissions": Simulated()}
    for seed in seeds:
        args = [*overrides, f"seed={seed}", "sim.progress=false"]
        county = CountyModel(*build(compose_config(args)[0])).county
        result = run(args, save=False)
        assert isinstance(result, RunResult)  # save=False: never skipped
        year = int(result.facilities["year"].max())
        for name, value in county_slopes(county, result.facilities, year).items():
            out[name].values.append(value)
    return out
