"""Chronic-disease management as a process: control dynamics, thinning, contracts, effort."""

from __future__ import annotations

import math

import numpy as np
import pytest

from countysim.agents import TownshipHospital, VillageDoctor
from countysim.care.chronic import ChronicCare, ChronicConfig
from countysim.care.demand import Episodes
from countysim.config.schema import DemandConfig
from countysim.metrics import C
from countysim.world.county import TOWNSHIP, VILLAGE


class _Residents:
    """Hand-made residents: chronic bitmask and age band only."""

    def __init__(self, chronic: list[int], band: list[int] | None = None) -> None:
        self.chronic = np.array(chronic, dtype=np.uint8)
        self.age_band = np.array(band or [2] * len(chronic), dtype=np.int8)
        self.alive = np.ones(len(chronic), dtype=bool)


def _care(chronic=(0, 1, 3, 15), **kw) -> ChronicCare:
    return ChronicCare(_Residents(list(chronic)), ChronicConfig(**kw), DemandConfig(), 0.6)


def test_reference_control_is_the_steady_state_of_the_dynamics():
    cfg, dem = ChronicConfig(), DemandConfig()
    care = _care()
    for k in range(5):
        f = k * dem.chronic_followups_per_year * cfg.control_gain * 0.6
        c = care.c_ref[k]
        # dc/dt = f (1 - c) - d c = 0 at the reference control
        assert f * (1 - c) - cfg.control_decay_per_year * c == pytest.approx(0.0, abs=1e-12)
    assert care.c_ref[0] == 0.0
    np.testing.assert_allclose(care.control, care.c_ref[[0, 1, 2, 4]])


def test_at_reference_control_the_expected_acute_rate_is_the_configured_one():
    """Onsets at the uncontrolled rate, thinned at c_ref, give back the configured rate."""
    care = _care()
    rho = ChronicConfig().max_exacerbation_reduction
    kept = 1 - rho * care.c_ref * care.attributable
    np.testing.assert_allclose(care.rate_scale * kept, np.ones(5))
    assert care.rate_scale[0] == 1.0 and np.all(care.rate_scale[1:] > 1.0)


def test_a_follow_up_closes_the_gap_to_full_control_by_gain_times_effort():
    care = _care(chronic=(1, 1, 1))
    care.control[:] = [0.2, 0.5, 0.9]
    care.follow_up(np.array([0, 1, 1]), np.array([1.0, 0.4, 0.5]))
    g = ChronicConfig().control_gain
    # resident 1 seen twice in a day: both gains apply
    want = [0.2 + g * 0.8, 1 - 0.5 * (1 - g * 0.4) * (1 - g * 0.5), 0.9]
    np.testing.assert_allclose(care.control, want)


def test_control_decays_exponentially_without_follow_ups():
    care = _care(chronic=(0, 1, 3), control_decay_per_year=2.0)
    care.control[:] = [0.0, 0.5, 0.8]
    care.decay(73)
    np.testing.assert_allclose(care.control, np.array([0.0, 0.5, 0.8]) * math.exp(-2 * 0.2))


def test_only_attributable_acute_episodes_are_averted():
    """Follow-ups and residents with no chronic condition are never averted; p = rho c a_k."""
    care = _care(chronic=(0, 1, 3))
    care.control[:] = 1.0
    n = 3
    ep = Episodes(
        np.array([0, 1, 2, 1, 2]),
        np.zeros(5, np.int8),
        np.array([False, True, False, False, False]),
        np.array([False, False, False, True, True]),
    )
    rho = ChronicConfig().max_exacerbation_reduction
    p = rho * care.attributable[[0, 1, 2]]
    assert care.attributable[0] == 0.0
    just_below = np.concatenate([np.maximum(p - 1e-9, 0.0), [0.0, 0.0]])
    just_above = np.concatenate([p + 1e-9, [0.0, 0.0]])
    assert care.averted(ep, just_below).tolist() == [False, True, True, False, False]
    assert not care.averted(ep, just_above)[:n].any()


def test_more_effort_means_more_control_and_fewer_exacerbations(tiny):
    """Same onsets (common random numbers), effort 1 vs 0 at every facility for a year."""
    runs = {}
    for effort in (0.0, 1.0):
        model = tiny("providers.responsiveness=0", "sim.years=1")
        model.decisions["chronic_effort"][:] = effort
        model.run()
        runs[effort] = model
    lo, hi = runs[0.0], runs[1.0]
    assert hi.chronic.mean_control() > lo.chronic.mean_control()
    ex_lo, ex_hi = lo.metrics.yearly_extra[0], hi.metrics.yearly_extra[0]
    assert ex_hi["averted_exacerbations"] > ex_lo["averted_exacerbations"]
    # follow-ups are never averted: both arms draw exactly the same follow-ups
    fu = (m.metrics.daily[:, C["followups"]].sum() for m in (lo, hi))
    fu = tuple(fu)
    assert fu[0] == fu[1] > 0


def test_contracts_add_the_missing_follow_ups_at_the_national_norm(tiny):
    """Contracted chronic patients get (4 - routine) more follow-ups per condition a year."""
    model = tiny("triage=gatekeeping", "sim.years=1")
    model.run()
    pol = next(p for p in model.policies if hasattr(p, "contract_followups_per_year"))
    k = model.chronic.k * pol._contracted
    extra = pol.contract_followups_per_year - model.cfg.demand.chronic_followups_per_year
    mean = extra * k.sum()
    got = model.metrics.yearly_extra[0]["contract_followups"]
    assert mean > 100
    assert abs(got - mean) < 4 * math.sqrt(mean)  # Poisson count over the year


def test_no_contract_follow_ups_when_routine_care_already_meets_the_norm(tiny):
    model = tiny("triage=gatekeeping", "triage.contract_followups_per_year=2.5", "sim.years=1")
    model.run()
    assert model.metrics.yearly_extra[0].get("contract_followups", 0.0) == 0.0


def test_effort_falls_with_its_cost_and_rises_with_a_stake(tiny):
    """The effort margin: unbilled cost lowers it; a stake in averted claims raises it."""
    rates = {}
    for name, extra in {
        "ffs": [],
        "costly": ["chronic.effort_cost_yuan=200"],
        "bundled": ["payment=bundled"],
    }.items():
        model = tiny("providers.inertia=0", *extra)
        for kind in (VillageDoctor, TownshipHospital):
            kind.decide(model, model.agents_by_type[kind], model.payment.stake(model))
        ids = np.flatnonzero(np.isin(model.county.facilities.level, [VILLAGE, TOWNSHIP]))
        rates[name] = model.decisions.last_rate["chronic_effort"][ids]
    assert np.all(rates["costly"] < rates["ffs"])
    assert np.all(rates["bundled"] > rates["ffs"])
