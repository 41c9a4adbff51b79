"""The distance gradient of township centres' use (research/gradient.py) and the facilities'
catchments it reads (County.catchments, recorded in the facility table), by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from countysim.research import gradient as g
from countysim.world.county import County


def _county() -> SimpleNamespace:
    """Four villages (clinics 0-3) in three townships (centres 4-6) and one county hospital
    (7): villages 0-1 in township 0, 2 in township 1, 3 in township 2; of village 3's four
    residents one has died and one is away."""
    residents = SimpleNamespace(
        village=np.array([0, 0, 0, 1, 2, 2, 3, 3, 3, 3]),
        alive=np.array([True] * 8 + [False, True]),
        away=np.array([False] * 9 + [True]),
    )
    travel = np.zeros((4, 4))
    travel[:, 2] = [10.0, 40.0, 30.0, 60.0]  # minutes to the county seat
    return SimpleNamespace(
        residents=residents,
        n_villages=4,
        n_townships=3,
        village_township=np.array([0, 0, 1, 2]),
        travel_min=travel,
        facilities=SimpleNamespace(n=8),
    )


def test_catchments_are_the_residents_at_home_and_their_mean_minutes_to_the_county_seat():
    people, minutes = County.catchments(_county())  # type: ignore[arg-type]
    assert people[:4].tolist() == [3.0, 1.0, 2.0, 2.0]  # village clinics
    assert people[4:7].tolist() == [4.0, 2.0, 2.0]  # township centres
    assert minutes[:7].tolist() == [10.0, 40.0, 30.0, 60.0, (3 * 10 + 40) / 4, 30.0, 60.0]
    assert np.isnan(people[7]) and np.isnan(minutes[7])  # the hospital serves the county


def test_a_village_with_nobody_at_home_has_no_mean_minutes():
    county = _county()
    county.residents.away[6:8] = True  # village 3's two living residents both away
    people, minutes = County.catchments(county)  # type: ignore[arg-type]
    assert people[3] == 0.0 and np.isnan(minutes[3])
    assert people[6] == 0.0 and np.isnan(minutes[6])


def test_the_slope_is_of_log_one_plus_use_per_person_and_undefined_without_spread():
    x = np.array([0.0, 30.0, 60.0, 90.0])
    assert g.slope(x, np.expm1(0.002 * x + 1.0)) == pytest.approx(0.002)
    # not the slope of the plain log: a rate of 0.05 rising 1% a minute
    assert g.slope(x, 0.05 * np.exp(0.01 * x)) < 0.01 * 0.2
    assert np.isnan(g.slope(np.full(4, 5.0), np.ones(4)))
    assert np.isnan(g.slope(x[:2], np.ones(2)))
    # a centre without a catchment (NaN) is left out
    with_nan = g.slope(np.append(x, np.nan), np.append(np.expm1(-0.01 * x), 1.0))
    assert with_nan == pytest.approx(-0.01)


def test_township_slopes_read_the_township_centres_rows_of_the_year():
    minutes = np.array([17.5, 30.0, 60.0])
    people = np.array([4.0, 2.0, 2.0])
    visits = people * np.expm1(0.003 * minutes)
    admissions = people * np.expm1(-0.001 * minutes + 0.1)
    fac = pd.DataFrame(
        {
            "year": [1, 1, 1, 1, 0],
            "level": [1, 1, 1, 2, 1],
            "visits": [visits[2], visits[0], visits[1], 1e6, 1e6],
            "admissions": [admissions[2], admissions[0], admissions[1], 1e6, 1e6],
            "catchment_residents": [people[2], people[0], people[1], np.nan, 5.0],
            "catchment_minutes_to_county": [minutes[2], minutes[0], minutes[1], np.nan, 40.0],
        }
    )
    assert g.township_visit_gradient(fac, 1) == pytest.approx(0.003)
    assert g.township_admission_gradient(fac, 1) == pytest.approx(-0.001)
    old = fac.assign(catchment_residents=np.nan)  # a run stored before schema version 8
    with pytest.raises(ValueError, match="no catchments"):
        g.township_visit_gradient(old, 1)


def test_a_run_records_each_years_catchments_from_its_own_population():
    """Year 0's catchments are the county as drawn (built again from the same config and
    seed); from year 1 on they follow deaths, births and migration."""
    from countysim.config.compose import build, compose_config
    from countysim.model import CountyModel
    from countysim.run import run

    args = ["county=tiny", "county.residents=6000", "county.residents_per_township=1000"]
    args += ["sim.years=2", "seed=3", "sim.progress=false"]
    fac = run(args, save=False).facilities
    county = CountyModel(*build(compose_config(args)[0])).county
    people, minutes = county.catchments()
    y0, y1 = (fac[fac["year"] == y].sort_values("facility_id") for y in (0, 1))
    np.testing.assert_array_equal(y0["catchment_residents"].to_numpy(), people)
    np.testing.assert_array_equal(y0["catchment_minutes_to_county"].to_numpy(), minutes)
    for year in (y0, y1):
        village = year.loc[year["level"] == 0, "catchment_residents"].sum()
        assert village == year.loc[year["level"] == 1, "catchment_residents"].sum() > 0
        assert year.loc[year["level"] >= 2, "catchment_residents"].isna().all()
    assert not np.array_equal(y0["catchment_residents"], y1["catchment_residents"])
    assert np.isfinite(g.township_visit_gradient(fac, 1))  # six township centres
