"""The synthetic county has the structure and prevalences it was configured with."""

from __future__ import annotations

import numpy as np

from countysim.config.schema import Config
from countysim.world.county import DIABETES, HYPERTENSION, generate


def _county(residents=60_000, seed=1):
    cfg = Config()
    cfg.county.residents = residents
    return cfg, generate(cfg.county, cfg.care, np.random.default_rng(seed))


def test_structure_follows_per_head_ratios():
    cfg, c = _county(400_000)
    assert c.n_townships == round(400_000 / cfg.county.residents_per_township) == 18
    assert c.n_villages == round(400_000 / cfg.county.residents_per_village) == 308
    assert np.all(np.bincount(c.village_township, minlength=c.n_townships) >= 1)
    assert c.residents.n == 400_000 and c.n_county_hospitals == 2
    assert np.array_equal(np.bincount(c.facilities.level), [308, 18, 2, 1])


def test_travel_times_are_ordered_and_centred_on_the_access_circles():
    cfg, c = _county()
    t = c.travel_min
    assert np.all(t[:, 3] > t[:, 2])
    # lognormal remoteness with mean 1: the township circle's mean is within 4 standard errors
    se = t[:, 1].std() / np.sqrt(t.shape[0])
    assert abs(t[:, 1].mean() - cfg.county.township_travel_min) < 4 * se


def test_chronic_prevalence_matches_config_within_sampling_error():
    cfg, c = _county(200_000)
    r = c.residents
    adults = r.age >= 15
    for bit, p in (
        (HYPERTENSION, cfg.county.hypertension_adult_share),
        (DIABETES, cfg.county.diabetes_adult_share),
    ):
        n = int(adults.sum())
        observed = float(((r.chronic[adults] & bit) > 0).mean())
        assert abs(observed - p) < 4 * np.sqrt(p * (1 - p) / n)
    assert not np.any(r.chronic[r.age < 15])


def test_age_shares_within_sampling_error():
    cfg, c = _county(200_000)
    n = c.residents.n
    observed = np.bincount(c.residents.age_band, minlength=4) / n
    p = np.asarray(cfg.county.age_shares)
    assert np.all(np.abs(observed - p) < 4 * np.sqrt(p * (1 - p) / n))


def test_residents_override_rescales_a_preset_by_its_per_head_ratios():
    from countysim.model import CountyModel

    from .conftest import make

    cfg, policies = make(["county.residents=20000", "sim.years=1"])
    model = CountyModel(cfg, policies)
    c = model.county
    assert c.residents.n == 20_000
    assert c.n_townships == round(20_000 / 2500) == 8 and c.n_villages == round(20_000 / 500)
    county_beds = c.facilities.beds[c.county_facilities].sum()
    assert county_beds == sum(round(s * cfg.county.county_beds_per_1000 * 20) for s in (0.7, 0.3))
    model.release()
