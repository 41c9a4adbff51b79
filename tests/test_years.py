"""Money across years: carry-over, the funding schedule, price growth, budget rules, cover."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.config.schema import InsuranceConfig, PriceConfig
from countysim.metrics import C
from countysim.model import CountyModel
from countysim.money.catastrophic import CatastrophicCover
from countysim.money.prices import Prices

from .conftest import make


def _fund_flows_fen(model: CountyModel, year: int) -> int:
    """The fund's balance in `year` from the ledger, in fen (sub-accounts are the fund)."""
    net = 0
    for t in model.ledger.transfers:
        if t.year == year:
            src, dst = t.source.startswith("fund"), t.destination.startswith("fund")
            net += t.fen if dst and not src else -t.fen if src and not dst else 0
    return net


@pytest.mark.parametrize("payment", ["fee_for_service", "bundled", "dip"])
def test_the_cumulative_balance_is_the_sum_of_yearly_balances_to_the_fen(tiny, payment):
    model = tiny(f"payment={payment}", "sim.years=3")
    model.run()
    yearly = [_fund_flows_fen(model, y) for y in range(3)]
    for y in range(3):
        assert model.fund[y]["fund_balance_yuan"] * 100 == pytest.approx(yearly[y], abs=1e-6)
        assert model.fund[y]["fund_cumulative_balance_yuan"] * 100 == pytest.approx(
            sum(yearly[: y + 1]), abs=1e-6
        )
    model.release()


def test_funding_follows_the_schedule_and_grows_outside_it():
    ins = InsuranceConfig()
    assert ins.funding_yuan(2022) == (610.0, 350.0)
    assert ins.funding_yuan(2025) == (700.0, 400.0)
    g = 1.0 + ins.funding_growth_per_year
    s, p = ins.funding_yuan(2027)
    assert s == pytest.approx(700.0 * g**2) and p == pytest.approx(400.0 * g**2)
    s, p = ins.funding_yuan(2020)
    assert s == pytest.approx(610.0 / g**2) and p == pytest.approx(350.0 / g**2)


def test_income_per_enrolled_resident_follows_the_calendar_year(tiny):
    model = tiny("sim.start_calendar_year=2022", "sim.years=2")
    model.run()
    for year, per_head in ((0, 960), (1, 1020)):
        enrolled = int(model.metrics.enrolled[year])
        income = model.ledger.total(year, kind="subsidy") + model.ledger.total(year, kind="premium")
        assert income == pytest.approx(enrolled * per_head * 100, abs=2)
    model.release()


def test_prices_grow_by_the_declared_rate_from_the_first_year():
    prices = Prices(PriceConfig(growth_per_year=0.05))
    base = prices.mean_fen.copy()
    bed = prices.bed_day_fen
    prices.set_year(3)
    assert np.allclose(prices.mean_fen, base * 1.05**3)
    assert prices.bed_day_fen == round(bed * 1.05**3)
    # DIP points are relative weights: they do not inflate
    assert np.allclose(prices.points(np.array([True]), np.array([2])), prices.case_yuan[1, 2] / 100)


def test_a_spending_based_budget_grows_last_years_claims(tiny):
    model = tiny(
        "payment=bundled",
        "payment.budget_rule=spending",
        "payment.budget_growth=0.02",
        "sim.years=2",
    )
    model.run()
    led = model.ledger
    claims0 = led.total(0, kind="claims")
    prepaid = [led.total(y, kind="prepayment") for y in range(2)]
    income1 = led.total(1, kind="subsidy") + led.total(1, kind="premium")
    rest1 = income1 - led.total(1, kind="risk_reserve") - led.total(1, kind="catastrophic_premium")
    assert prepaid[1] == min(round(claims0 * 1.02), rest1)
    # the first year has no history: the income rule
    assert prepaid[0] == round(
        (
            led.total(0, kind="subsidy")
            + led.total(0, kind="premium")
            - led.total(0, kind="risk_reserve")
            - led.total(0, kind="catastrophic_premium")
        )
        * model.payment.prepay_share
    )
    model.release()


def test_catastrophic_cover_pays_its_rate_above_the_threshold_once():
    cover = CatastrophicCover(
        3, InsuranceConfig(catastrophic_threshold_yuan=10, catastrophic_rate=0.5)
    )
    yes = np.ones(2, dtype=bool)
    # resident 0 spends 800 fen, then 400 (crosses 1,000 by 200), then 100
    assert cover.pay(np.array([0, 1]), np.array([800, 50]), yes) == 0
    assert cover.pay(np.array([0, 0]), np.array([300, 100]), yes) == 100
    assert cover.pay(np.array([0, 2]), np.array([100, 5000]), np.array([True, False])) == 50
    assert cover.spent_fen.tolist() == [1300, 50, 0]
    assert cover.year_paid_fen == 150
    cover.new_year(1.0, 3)
    assert cover.spent_fen.sum() == 0 and cover.year_paid_fen == 0


def test_catastrophic_payouts_are_booked_and_lower_out_of_pocket(tiny):
    cfg_cheap = ["insurance.catastrophic_threshold_yuan=1000", "sim.years=1"]
    model = CountyModel(*make(cfg_cheap))
    model.run()
    led = model.ledger
    paid = led.total(0, kind="catastrophic_payout")
    assert paid > 0 and paid == model.catastrophic.year_paid_fen
    y = model.metrics.yearly(model.fund)
    gross = model.metrics.year_sums()[0]
    assert y.loc[0, "catastrophic_payout_yuan"] * 100 == pytest.approx(paid)
    assert y.loc[0, "oop_yuan"] * 100 == pytest.approx(gross[C["oop_fen"]] - paid)
    model.release()
