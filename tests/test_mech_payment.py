"""Payment policy hooks on the tiny county (issue 11): the fund's books, values by hand.

Funding is set to ¥600 subsidy + ¥400 premium per enrolled resident every year and a ¥60
catastrophic premium; exactly 1,000 residents are enrolled (600 in consortium 0's
villages, 400 in consortium 1's). Each consortium of the tiny county has one county
hospital (12, 13) and one township centre (10, 11).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from countysim.config.schema import LEVELS
from countysim.money.insurance import Claims
from countysim.money.ledger import Ledger

FUNDING = (
    "insurance.subsidy_per_capita_yuan=[600,600,600,600]",
    "insurance.premium_per_capita_yuan=[400,400,400,400]",
    "insurance.catastrophic_premium_per_capita_yuan=60",
    "sim.years=2",
)
BUNDLED = ("payment=bundled", "payment.risk_reserve_share=0.03", "payment.prepay_share=0.95")
BUNDLED += ("payment.surplus_split=[0.6,0.3,0.1]", "payment.overspend_insurer_share=0.5")


def _enrol(model) -> None:
    """Exactly 600 enrolled residents in consortium 0's villages, 400 in consortium 1's."""
    res, fac = model.residents, model.county.facilities
    home = fac.consortium[res.village]
    res.enrolled[:] = False
    res.enrolled[np.flatnonzero(home == 0)[:600]] = True
    res.enrolled[np.flatnonzero(home == 1)[:400]] = True


def test_income_is_enrolled_times_subsidy_and_premium_less_the_catastrophic_premium(tiny):
    """1,000 enrolled x ¥600 = 60,000,000 fen subsidy, x ¥400 = 40,000,000 premium;
    1,000 x ¥60 = 6,000,000 fen withheld for catastrophic cover."""
    model = tiny(*FUNDING)
    _enrol(model)
    model.payment.on_year_start(model)
    led = model.ledger
    assert led.total(0, kind="subsidy", source="government", destination="fund") == 60_000_000
    assert led.total(0, kind="premium", source="residents", destination="fund") == 40_000_000
    assert (
        led.total(0, kind="catastrophic_premium", destination="catastrophic_insurer") == 6_000_000
    )
    model.release()


def test_fee_for_service_pays_each_levels_claims_and_books_patients_payments(tiny):
    """Year end: fund -> each level its claims; patients -> each level their OOP;
    the catastrophic insurer -> patients what it paid."""
    model = tiny(*FUNDING)
    model.year_claims_fen[:] = [1_000, 20_000, 300_000, 4_000_000]
    model.year_oop_fen[:] = [500, 6_000, 70_000, 800_000]
    model.catastrophic.year_paid_fen = 12_345
    model.payment.on_year_end(model)
    led = model.ledger
    for lv, name in enumerate(LEVELS):
        assert led.total(0, kind="claims", source="fund", destination=name) == [
            1_000, 20_000, 300_000, 4_000_000
        ][lv]  # fmt: skip
        assert led.total(0, kind="oop", source="patients", destination=name) == [
            500, 6_000, 70_000, 800_000
        ][lv]  # fmt: skip
    assert led.total(0, kind="catastrophic_payout", destination="patients") == 12_345
    model.release()


def test_fund_summary_counts_flows_across_the_funds_boundary_only():
    """Moving money into the fund's own reserve is neither income nor spending; paying out
    of it is spending. Year 0: in 1,000, out 700 (the reserve's 100 stays in the fund);
    year 1: in 500, out 900 of which 50 from the reserve."""
    from countysim.policies import FeeForService

    led = Ledger()
    led.transfer(0, "government", "fund", 1_000, "subsidy")
    led.transfer(0, "fund", "fund:risk_reserve", 100, "risk_reserve")
    led.transfer(0, "fund", "county", 700, "claims")
    led.transfer(1, "residents", "fund", 500, "premium")
    led.transfer(1, "fund", "county", 850, "claims")
    led.transfer(1, "fund:risk_reserve", "consortium:0", 50, "overspend_insurer")
    model = SimpleNamespace(ledger=led)
    y0, y1 = (FeeForService().fund_summary(model, y) for y in (0, 1))
    assert y0 == {
        "fund_income_yuan": 10.0,
        "fund_spending_yuan": 7.0,
        "fund_balance_yuan": 3.0,
        "fund_balance_ratio": 0.3,
        "fund_cumulative_balance_yuan": 3.0,
    }
    assert y1["fund_balance_yuan"] == -4.0 and y1["fund_spending_yuan"] == 9.0
    assert y1["fund_balance_ratio"] == pytest.approx(-0.8)
    assert y1["fund_cumulative_balance_yuan"] == pytest.approx(-1.0)  # 3 - 4


def _bundled_year_start(tiny, *extra):
    model = tiny(*FUNDING, *BUNDLED, *extra)
    _enrol(model)
    model.payment.on_year_start(model)
    return model


def test_bundled_budget_withholds_the_reserve_and_prepays_by_enrolled_residents(tiny):
    """Income 100,000,000 fen; reserve 3% = 3,000,000; rest 100,000,000 - 3,000,000 -
    6,000,000 = 91,000,000; budget x 0.95 = 86,450,000, shared 600 : 400 =
    51,870,000 : 34,580,000."""
    model = _bundled_year_start(tiny)
    led = model.ledger
    assert led.total(0, kind="risk_reserve", destination="fund:risk_reserve") == 3_000_000
    assert led.total(0, kind="prepayment", destination="consortium:0") == 51_870_000
    assert led.total(0, kind="prepayment", destination="consortium:1") == 34_580_000
    model.release()


def test_a_spending_based_budget_grows_last_years_claims_up_to_the_rest(tiny):
    """'spending': last year's claims 50,000,000 x 1.1 = 55,000,000 (600 : 400 =
    33,000,000 : 22,000,000); with 90,000,000 claims the budget stops at the rest."""
    for last, want in ((50_000_000, 55_000_000), (90_000_000, 91_000_000)):
        model = tiny(
            *FUNDING, *BUNDLED, "payment.budget_rule=spending", "payment.budget_growth=0.1"
        )
        _enrol(model)
        model.payment._last_claims_fen = last
        model.payment.on_year_start(model)
        got = model.ledger.total(0, kind="prepayment")
        assert got == want
        assert (
            model.ledger.total(0, kind="prepayment", destination="consortium:0") == want * 6 // 10
        )
        model.release()


def test_bundled_settlement_splits_a_surplus_and_shares_an_overspend(tiny):
    """Consortium 0 spends 50,000,000 of 51,870,000: surplus 1,870,000 split 6:3:1 =
    1,122,000 / 561,000 / 187,000 to its county / township / village members.
    Consortium 1 spends 40,000,000 of 34,580,000: overspend 5,420,000; the insurer's half
    2,710,000 comes from the 3,000,000 reserve; the members bear 2,710,000 by 6:3:1 =
    1,626,000 / 813,000 / 271,000."""
    model = _bundled_year_start(tiny)
    model.day = 364
    model.year_claims_by_consortium[:] = [
        [2_000_000, 8_000_000, 30_000_000, 10_000_000],
        [1_000_000, 4_000_000, 30_000_000, 5_000_000],
    ]
    model.year_claims_fen[:] = model.year_claims_by_consortium.sum(axis=0)
    model.payment.on_year_end(model)
    led = model.ledger
    assert led.total(0, kind="claims", source="consortium:0") == 50_000_000
    assert (
        led.total(0, kind="claims", source="consortium:1", destination="out_of_county") == 5_000_000
    )
    assert [led.total(0, kind="surplus", destination=lv) for lv in ("county", "township")] == [
        1_122_000,
        561_000,
    ]
    assert led.total(0, kind="surplus", destination="village") == 187_000
    assert led.total(0, kind="overspend_insurer", source="fund:risk_reserve") == 2_710_000
    assert led.total(0, kind="overspend_insurer", source="fund") == 0
    own = [led.total(0, kind="overspend_consortium", source=lv) for lv in ("county", "township")]
    assert own == [1_626_000, 813_000]
    assert led.total(0, kind="overspend_consortium", source="village") == 271_000
    surplus = model.metrics.fac_money["surplus_fen"][0]
    assert surplus[[12, 13, 10, 11]].tolist() == [1_122_000, -1_626_000, 561_000, -813_000]
    assert all(led.balance(c.account, 0) == 0 for c in model.consortia)
    model.release()


def test_members_stake_is_their_share_of_the_split_weighted_by_loss_aversion(tiny):
    """Day 73 (a fifth of the year): projected balance = prepayment - 5 x claims so far.
    Consortium 0 (projected surplus): its county hospital's stake 0.6, township 0.3.
    Consortium 1 (projected overspend): x (1 - 0.5) x loss aversion 2.25 = 1.125."""
    model = _bundled_year_start(tiny, "providers.loss_aversion=2.25")
    model.day = 73
    model.year_claims_by_consortium[:] = [[0, 0, 10_000_000, 0], [0, 0, 10_000_000, 0]]
    # consortium 0: 51,870,000 - 50,000,000 > 0; consortium 1: 34,580,000 - 50,000,000 < 0
    assert model.consortia[0].projected_balance_fen() == 1_870_000
    assert model.consortia[1].projected_balance_fen() == -15_420_000
    stake = model.payment.stake(model)
    assert stake[[12, 10]] == pytest.approx([0.6, 0.3])
    assert stake[[13, 11]] == pytest.approx([0.6 * 1.125, 0.3 * 1.125])
    villages = model.county.facilities.consortium[: model.county.n_villages]
    assert stake[: model.county.n_villages][villages == 0].sum() == pytest.approx(0.1)
    assert stake[: model.county.n_villages][villages == 1].sum() == pytest.approx(0.1 * 1.125)
    assert stake[-1] == 0.0
    model.release()


def _claims(fac, level, inpatient, severity, cost, oop, convalescent) -> Claims:
    n = len(fac)
    cost, oop = np.array(cost), np.array(oop)
    return Claims(
        np.arange(n), np.arange(n), np.array(fac), np.array(level, np.int8),
        np.array(inpatient), np.ones(n, bool), np.ones(n, bool), cost, cost - oop, oop,
        np.array(severity, np.int8), np.array(convalescent),
    )  # fmt: skip


def test_dip_points_and_the_point_value_of_a_fixed_budget(tiny):
    """Points = case price / ¥100 x level factor: a county severity-2 admission 86.9, a
    township severity-1 one 2,550 / 100 x 0.7 = 17.85. Out-of-county, convalescent and
    outpatient lines earn none. First year: the reference ¥100 a point; then point value =
    (budget + patients' payments) / points."""
    model = tiny("payment=dip", "sim.years=2")
    dip = model.payment
    claims = _claims(
        fac=[12, 10, 14, 10, 12],
        level=[2, 1, 3, 1, 2],
        inpatient=[True, True, True, True, False],
        severity=[2, 1, 3, 0, 2],
        cost=[900_000, 180_000, 2_000_000, 63_500, 30_000],
        oop=[400_000, 80_000, 1_000_000, 30_000, 20_000],
        convalescent=[False, False, False, True, False],
    )
    dip.on_claims(model, claims)
    assert dip._millipoints[[12, 10]].tolist() == [86_900, 17_850]
    assert dip._millipoints.sum() == 104_750
    model.day = 364
    model.year_claims_fen[:] = [0, 133_500, 510_000, 1_000_000]  # all reimbursed lines
    dip.on_year_end(model)
    # year 0: 104.75 points x ¥100 = 1,047,500 fen, apportioned 869,000 : 178,500
    assert model.metrics.fac_money["dip_adjustment_fen"][0, [12, 10]].tolist() == [-31_000, -1_500]
    led = model.ledger
    # the fund pays the DIP revenue less the patients' payments: 469,000 + 98,500
    assert led.total(0, kind="dip_payment", destination="county") == 469_000
    assert led.total(0, kind="dip_payment", destination="township") == 98_500
    # fee-for-service lines as billed: township 133,500 - 100,000 (DIP case) = 33,500
    assert led.total(0, kind="claims", destination="township") == 33_500
    assert led.total(0, kind="claims", destination="county") == 10_000
    assert dip.point_value_yuan == pytest.approx(100.0)
    # year 1: budget = last year's DIP spending 567,500 x 1.046 = 593,605 fen; the same
    # cases: point value (593,605 + 480,000) / 104.75 points = 10,249.21 fen = ¥102.49
    model.day = 365
    dip.on_year_start(model)
    assert dip._budget_fen == 593_605
    dip.on_claims(model, claims)
    model.day = 2 * 365 - 1
    dip.on_year_end(model)
    assert dip.point_value_yuan == pytest.approx((593_605 + 480_000) / 100 / 104.75)
    model.release()


def test_dip_projected_point_value_scales_the_year_so_far(tiny):
    """Day 73: budget ¥10,000, patients' payments ¥2,000 so far, 50 points so far:
    (10,000 + 2,000 x 5) / (50 x 5) = ¥80 a point; revenue ratio 0.8 on in-county
    admissions only."""
    model = tiny("payment=dip", "sim.years=2")
    dip = model.payment
    dip._budget_fen = 1_000_000
    dip._oop_fen[12] = 200_000
    dip._millipoints[12] = 50_000
    model.day = 73
    assert dip.projected_point_value(model) == pytest.approx(80.0)
    ratio = dip.revenue_ratio(model, np.array([1, 2, 3, 2]), np.array([True, True, True, False]))
    assert ratio.tolist() == pytest.approx([0.8, 0.8, 1.0, 1.0])
    model.release()
