"""The distance gradient of township centres' use (research/gradient.py), by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from countysim.research import gradient as g


def _county() -> SimpleNamespace:
    """Three townships; villages 0-1 in township 0, 2 in township 1, 3 in township 2; the
    last resident of village 3 is away and another has died."""
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
        township_facility=lambda t: 4 + np.asarray(t),
    )


def test_minutes_are_the_residents_mean_and_people_those_living_at_home():
    minutes, people = g.township_minutes_and_people(_county())
    assert people.tolist() == [4.0, 2.0, 2.0]  # village 3: 4 residents, one dead, one away
    assert minutes.tolist() == [(3 * 10 + 40) / 4, 30.0, 60.0]


def test_the_slope_is_the_log_linear_ols_slope_and_undefined_without_spread():
    x = np.array([0.0, 30.0, 60.0, 90.0])
    assert g.slope(x, np.exp(0.002 * x + 1.0)) == pytest.approx(0.002)
    assert np.isnan(g.slope(np.full(4, 5.0), np.ones(4)))
    assert np.isnan(g.slope(x[:2], np.ones(2)))
    # a centre with no visits has no log: left out, not -inf
    assert g.slope(np.append(x, 10.0), np.append(np.exp(-0.01 * x), 0.0)) == pytest.approx(-0.01)


def test_county_slopes_read_each_township_centres_row_of_the_year():
    county = _county()
    minutes, people = g.township_minutes_and_people(county)
    visits = people * np.exp(0.003 * minutes)
    admissions = people * np.exp(-0.001 * minutes) * 0.1
    fac = pd.DataFrame(
        {
            "year": [1, 1, 1, 1, 0],
            "facility_id": [6, 4, 5, 7, 4],
            "level": [1, 1, 1, 2, 1],
            "visits": [visits[2], visits[0], visits[1], 1e6, 1e6],
            "admissions": [admissions[2], admissions[0], admissions[1], 1e6, 1e6],
        }
    )
    out = g.county_slopes(county, fac, 1)
    assert out["visits"] == pytest.approx(0.003)
    assert out["admissions"] == pytest.approx(-0.001)


def test_gradient_reads_each_seeds_own_county_and_run():
    """`gradient` rebuilds the county of each seed's run (the model draws it before any
    day): its slopes are those of that county and that run's final year, seed by seed.
    (The slope's sign is not a property of the mechanism alone: in the default county it
    is positive, docs/validation.md; with townships of 3,000 people it is negative.)"""
    from countysim.config.compose import build, compose_config
    from countysim.model import CountyModel
    from countysim.run import run

    base = ["county=tiny", "county.residents=6000", "county.residents_per_township=1000"]
    out = g.gradient(base, [0, 1])
    for seed, visits in zip([0, 1], out["visits"].values, strict=True):
        args = [*base, f"seed={seed}", "sim.progress=false"]
        county = CountyModel(*build(compose_config(args)[0])).county
        fac = run(args, save=False).facilities
        assert visits == g.county_slopes(county, fac, int(fac["year"].max()))["visits"]
    assert np.isfinite(out["visits"].values).all()
    assert out["visits"].values[0] != out["visits"].values[1]
