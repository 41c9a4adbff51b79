"""A living population: life table, deaths, births, ageing, migration, Patient agents.

Tolerances are 4 standard deviations of the count they bound, computed from the
probabilities and the number of residents behind it.
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.agents import Patient
from countysim.metrics import C
from countysim.world.lifetable import MAX_AGE, fit_gompertz_level, life_expectancy, life_table
from countysim.world.population import PopulationConfig

Z = 4.0


def test_the_life_table_reproduces_the_published_life_expectancy_by_sex():
    cfg = PopulationConfig()
    q = life_table(
        cfg.life_expectancy_male,
        cfg.life_expectancy_female,
        cfg.gompertz_slope,
        cfg.makeham,
        cfg.infant_mortality,
    )
    assert life_expectancy(q[1]) == pytest.approx(cfg.life_expectancy_male, abs=1e-6)
    assert life_expectancy(q[0]) == pytest.approx(cfg.life_expectancy_female, abs=1e-6)
    assert q[0, 0] == q[1, 0] == cfg.infant_mortality and (q[:, MAX_AGE] == 1).all()
    assert (np.diff(q[:, 10:], axis=1) > 0).all()  # mortality rises with adult age
    assert (q[1, 20:90] > q[0, 20:90]).all()  # men die younger
    with pytest.raises(ValueError, match="too low"):
        fit_gompertz_level(1.0, 0.09, 0.0003, 0.0054)


def _year(tiny, *overrides):
    model = tiny("sim.years=2", *overrides)
    for _ in range(365):
        model.step()
    return model


def test_deaths_follow_the_life_table(tiny):
    model = tiny("sim.years=2", "county.residents=20000")
    for _ in range(365):
        model.step()
    res = model.residents
    alive = np.flatnonzero(res.alive)
    q = model.life_table[res.male[alive].astype(int), res.age[alive]]
    model.step()  # day 365: the year's demography
    deaths = model.population.deaths
    assert abs(deaths - q.sum()) < Z * np.sqrt((q * (1 - q)).sum())
    model.release()


def test_births_arrive_at_the_configured_rate_as_new_patient_agents(tiny):
    model = tiny("sim.years=2", "county.residents=20000", "population.birth_rate_per_1000=20")
    for _ in range(365):
        model.step()
    living = int(model.residents.alive.sum())
    model.step()
    pop = model.population
    lam = 20 / 1000 * (living - pop.deaths)
    assert abs(pop.births - lam) < Z * np.sqrt(lam)
    res = model.residents
    newborn = res.alive & (res.age == 0)
    assert int(newborn.sum()) == pop.births
    assert (res.chronic[newborn] == 0).all() and not res.away[newborn].any()
    # Mesa holds exactly one Patient per living resident, none for the dead
    patients = model.agents_by_type[Patient]
    assert len(patients) == int(res.alive.sum())
    assert sorted(p.idx for p in patients) == np.flatnonzero(res.alive).tolist()
    model.release()


def test_more_births_than_freed_slots_grow_every_resident_array(tiny):
    model = tiny(
        "sim.years=2",
        "population.birth_rate_per_1000=60",
        "population.life_expectancy_male=99",
        "population.life_expectancy_female=99",
        "population.infant_mortality=0",
        "triage=gatekeeping",
    )
    n0 = model.residents.n
    model.run()
    res = model.residents
    assert res.n > n0 and int(res.alive.sum()) > n0
    assert model.chronic.control.shape[0] == res.n
    assert model.catastrophic.spent_fen.shape[0] == res.n
    assert model.policies[2]._contracted.shape[0] == res.n
    assert res.trust.shape == (res.n, 4)
    assert len(model.agents_by_type[Patient]) == int(res.alive.sum())
    model.release()


def test_ten_years_of_population_stay_within_the_life_table_projection(tiny):
    """Project the initial ages with the life table and the birth rate; compare the count."""
    model = tiny("sim.years=10", "county.residents=20000")
    res, cfg = model.residents, model.cfg.population
    q = model.life_table
    # expected survivors by (sex, age), births added at the crude rate each year
    counts = np.zeros((2, MAX_AGE + 1))
    np.add.at(counts, (res.male.astype(int), res.age.astype(int)), 1.0)
    expected_deaths = expected_births = 0.0
    for _ in range(9):
        deaths = counts * q
        expected_deaths += deaths.sum()
        survivors = counts - deaths
        births = cfg.birth_rate_per_1000 / 1000 * survivors.sum()
        expected_births += births
        counts = np.zeros_like(counts)
        counts[:, 1:] = survivors[:, :-1]
        counts[:, MAX_AGE] += survivors[:, MAX_AGE]
        counts[1, 0] = births * cfg.male_share_at_birth
        counts[0, 0] = births * (1 - cfg.male_share_at_birth)
    model.run()
    final = int(model.metrics.residents[9])
    sd = np.sqrt(expected_deaths + expected_births)
    assert abs(final - counts.sum()) < Z * sd, (final, counts.sum(), sd)
    y = model.metrics.yearly(model.fund)
    assert (y["residents"].diff().dropna() == (y["births"] - y["deaths"]).iloc[1:].to_numpy()).all()
    model.release()


def test_prevalence_by_age_band_is_kept_as_cohorts_age(tiny):
    model = tiny("sim.years=6", "county.residents=30000")
    model.run()
    res = model.residents
    alive = res.alive
    for i, bit in enumerate((1, 2, 4, 8)):
        for band in (2, 3):
            at = alive & (res.age_band == band)
            n = int(at.sum())
            p = model.county.prevalence[i, band]
            got = float((res.chronic[at] & bit != 0).mean())
            assert abs(got - p) < Z * np.sqrt(p * (1 - p) / n), (bit, band, got, p)
    model.release()


def test_migrants_stay_away_at_the_declared_share_and_are_treated_elsewhere(tiny):
    model = tiny("sim.years=4", "county.residents=20000")
    model.run()
    res = model.residents
    working = res.alive & (res.age >= 15) & (res.age <= 64)
    share = float(res.away[working].mean())
    s, n = model.cfg.population.away_share, int(working.sum())
    assert abs(share - s) < Z * np.sqrt(s * (1 - s) / n)
    assert not res.away[res.alive & (res.age > 64)].any()
    d = model.metrics.daily
    elsewhere = d[:, C["elsewhere"]].sum()
    assert elsewhere > 0
    # every episode treated elsewhere is counted out of county
    assert d[:, C["visits_l3"]].sum() + d[:, C["admissions_l3"]].sum() >= elsewhere
    model.release()


def test_a_fixed_population_changes_nobody(tiny):
    model = tiny("sim.years=2", "population.dynamic=false")
    age0 = model.residents.age.copy()
    model.run()
    assert model.population is None
    assert (model.residents.age == age0).all() and model.residents.alive.all()
    assert (model.metrics.residents == model.residents.n).all()
    model.release()
