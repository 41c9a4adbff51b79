"""payment=dip: points per case group, point value = budget / points, paid per case."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.agents import CountyHospital
from countysim.money.prices import YUAN_PER_POINT
from countysim.world.county import COUNTY, OUT


def _dip(model):
    return model.payment


def test_first_year_pays_the_reference_point_value_then_the_budget_binds(tiny):
    """Year 0 at ¥100 a point; year 1's fund DIP spending is exactly last year's x (1 + g)."""
    model = tiny("payment=dip", "payment.budget_growth=0.05", "sim.years=2")
    led = model.ledger
    spent = []
    for year in range(2):
        for _ in range(365):
            model.step()
        pol = _dip(model)
        pay = led.total(year, kind="dip_payment") - led.total(year, kind="dip_clawback")
        spent.append(pay)
        points = pol._millipoints.sum() / 1000
        oop = int(pol._oop_fen.sum())
        revenue = int(model.metrics.fac_money["dip_adjustment_fen"][year].sum()) + int(
            pol._bill_fen.sum()
        )
        # every facility's DIP revenue is its points x the year's point value (to the fen)
        assert revenue == pay + oop
        assert pol.point_value_yuan == pytest.approx(revenue / 100 / points, rel=1e-12)
        if year == 0:
            assert pol.point_value_yuan == pytest.approx(YUAN_PER_POINT, rel=1e-6)
    assert spent[1] == round(spent[0] * 1.05)


def test_more_points_under_a_fixed_budget_lower_the_point_value(tiny):
    """The points race: with the budget fixed, a volume rise is paid by a lower point value.

    Both arms run the same year 0 (so year 1 has the same budget); from year 1 on, one arm's
    facilities admit more marginal cases (a higher admission norm).
    """
    values = {}
    for name, norm in {"norm": None, "more": [0.1, 0.0, 0.02, 0.6]}.items():
        model = tiny("payment=dip", "providers.responsiveness=0", "sim.years=2")
        for _ in range(365):
            model.step()
        if norm is not None:
            model.cfg.providers.norm = norm
        model.run()
        values[name] = model.metrics.yearly_extra[1]
        values[name + "_year0"] = model.metrics.yearly_extra[0]["dip_points"]
    assert values["more_year0"] == values["norm_year0"]
    assert values["more"]["dip_points"] > values["norm"]["dip_points"]
    assert values["more"]["dip_point_value_yuan"] < values["norm"]["dip_point_value_yuan"]


def test_paid_per_case_county_hospitals_send_more_convalescents_down(tiny):
    """Under DIP the county keeps the case's payment and sheds the convalescent cost."""
    rates = {}
    for payment in ("fee_for_service", "dip"):
        model = tiny(f"payment={payment}", "providers.inertia=0")
        CountyHospital.decide(
            model, model.agents_by_type[CountyHospital], model.payment.stake(model)
        )
        ids = np.flatnonzero(model.county.facilities.level == COUNTY)
        rates[payment] = model.decisions.last_rate["down_referral"][ids]
    v = model.cfg.providers.variable_cost_share
    np.testing.assert_allclose(rates["fee_for_service"], -(1 - v) * 0.4)
    np.testing.assert_allclose(rates["dip"], v * 0.4)


def test_only_in_county_admissions_are_paid_per_case(tiny):
    model = tiny("payment=dip")
    level = np.array([0, 1, 2, 3, 1, 2])
    inp = np.array([True, True, True, True, False, False])
    got = model.payment.paid_per_case(model, level, inp)
    assert got.tolist() == [True, True, True, False, False, False]
    assert np.all(model.payment.revenue_ratio(model, level, inp)[level == OUT] == 1.0)
