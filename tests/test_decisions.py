"""Facilities' decision rule: targets, partial adjustment, bounds, and the margins behind it."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.agents import CountyHospital, TownshipHospital, VillageDoctor
from countysim.agents.decisions import DECISIONS, Decisions, ProviderConfig
from countysim.world.county import COUNTY, TOWNSHIP, VILLAGE


def test_move_is_partial_adjustment_towards_the_clipped_target():
    cfg = ProviderConfig(inertia=0.25, responsiveness=2.0)
    dec = Decisions(cfg, 3)
    ids = np.array([0, 2])
    rate = np.array([0.1, -0.3])
    i = DECISIONS.index("keep")
    target = np.clip(cfg.norm[i] + 2.0 * cfg.sensitivity[i] * rate, cfg.lower[i], cfg.upper[i])
    dec.move("keep", ids, rate)
    np.testing.assert_allclose(dec["keep"][ids], cfg.norm[i] + 0.75 * (target - cfg.norm[i]))
    assert dec["keep"][1] == cfg.norm[i]  # a facility not revised keeps its value


def test_repeated_revisions_converge_to_the_target_geometrically():
    cfg = ProviderConfig(inertia=0.5)
    dec = Decisions(cfg, 1)
    target = dec.target("down_referral", np.array([0.2]))[0]
    gap0 = target - dec["down_referral"][0]
    for k in range(1, 6):
        dec.move("down_referral", np.array([0]), np.array([0.2]))
        assert target - dec["down_referral"][0] == pytest.approx(gap0 * 0.5**k)


@pytest.mark.parametrize("rate", [-1e6, 1e6])
def test_bounds_are_respected_however_large_the_margin(rate):
    cfg = ProviderConfig(inertia=0.0)
    dec = Decisions(cfg, 1)
    for name in DECISIONS:
        i = DECISIONS.index(name)
        for _ in range(3):
            dec.move(name, np.array([0]), np.array([rate]))
        assert cfg.lower[i] <= dec[name][0] <= cfg.upper[i]
        assert dec[name][0] == (cfg.upper[i] if rate > 0 else cfg.lower[i])


def test_unresponsive_facilities_stay_at_their_norms(tiny):
    model = tiny("payment=bundled", "providers.responsiveness=0", "sim.years=1")
    model.run()
    for i, name in enumerate(DECISIONS):
        assert np.all(model.decisions[name] == model.cfg.providers.norm[i])


def _decide(model, kind) -> None:
    kind.decide(model, model.agents_by_type[kind], model.payment.stake(model))


def _ids(model, level):
    return np.flatnonzero(model.county.facilities.level == level)


def test_a_facility_that_earns_by_keeping_cases_keeps_more_next_period(tiny):
    """Fee-for-service pays the bill: keeping earns (1 - variable cost share) of it."""
    model = tiny("providers.inertia=0")
    for kind, level in ((VillageDoctor, VILLAGE), (TownshipHospital, TOWNSHIP)):
        _decide(model, kind)
        ids = _ids(model, level)
        v = model.cfg.providers.variable_cost_share
        np.testing.assert_allclose(model.decisions.last_rate["keep"][ids], 1 - v)
        assert np.all(model.decisions["keep"][ids] > 0)
    # no profit on volume: keeping earns nothing, and the decision stays at its norm
    model = tiny("providers.inertia=0", "providers.variable_cost_share=1")
    _decide(model, TownshipHospital)
    assert np.all(model.decisions["keep"][_ids(model, TOWNSHIP)] == 0)


def test_a_stake_in_the_consortium_balance_makes_keeping_pay_even_without_profit(tiny):
    """Bundled: keeping a case out of the county saves the consortium its dearer claim."""
    model = tiny("payment=bundled", "providers.inertia=0", "providers.variable_cost_share=1")
    _decide(model, CountyHospital)
    ids = _ids(model, COUNTY)
    stake = model.payment.stake(model)[ids]
    assert np.all(stake > 0)
    assert np.all(model.decisions.last_rate["keep"][ids] > 0)
    assert np.all(model.decisions["keep"][ids] > 0)


def test_under_a_projected_overspend_cost_containment_rises():
    """Loss aversion: a yuan of overspend borne weighs more than a yuan of surplus kept."""
    from countysim.model import CountyModel

    from .conftest import make

    def county_after(subsidy: str):
        cfg, policies = make(
            [
                "payment=bundled",
                f"insurance.subsidy_per_capita_yuan=[{subsidy},{subsidy},{subsidy},{subsidy}]",
                "sim.years=1",
            ]
        )
        model = CountyModel(cfg, policies)
        for _ in range(31):  # decisions revised on days 0 and 30, with a month of claims
            model.step()
        return model

    surplus, overspend = county_after("1500"), county_after("300")
    assert all(c.projected_balance_fen() > 0 for c in surplus.consortia)
    assert all(c.projected_balance_fen() < 0 for c in overspend.consortia)
    ids = _ids(surplus, COUNTY)
    pol = overspend.payment
    ratio = overspend.payment.stake(overspend)[ids] / surplus.payment.stake(surplus)[ids]
    want = (1 - pol.overspend_insurer_share) * overspend.cfg.providers.loss_aversion
    np.testing.assert_allclose(ratio, want, rtol=1e-9)
    # fewer marginal admissions and more convalescents sent down than under a surplus
    assert np.all(overspend.decisions["admission"][ids] < surplus.decisions["admission"][ids])
    assert np.all(
        overspend.decisions["down_referral"][ids] >= surplus.decisions["down_referral"][ids]
    )
    assert np.all(overspend.decisions["keep"][ids] > surplus.decisions["keep"][ids])


def test_daily_work_reads_the_admission_decision(tiny):
    """Marginal admissions happen only where the admission decision is above zero."""
    model = tiny("providers.responsiveness=0", "providers.norm=[0.1,0,0.02,0.6]", "sim.years=1")
    model.run()
    extra = model.metrics.yearly_extra[0]
    assert extra["marginal_admissions"] > 0
    by_level = [extra[f"marginal_admissions_{n}"] for n in ("township", "county", "out")]
    assert all(n > 0 for n in by_level) and sum(by_level) == extra["marginal_admissions"]
    none = tiny("providers.responsiveness=0", "sim.years=1")
    none.run()
    assert none.metrics.yearly_extra[0].get("marginal_admissions", 0.0) == 0.0
