"""Insurance mechanism (issue 11): share and settlement of hand-made bills.

A hand schedule with round numbers: outpatient shares 0.6 / 0.5 / 0.4 / 0.2 by level;
inpatient 0 / 0.8 / 0.6 / 0.5 of the in-list share 0.5, i.e. 0 / 0.4 / 0.3 / 0.25 of the
bill; deductibles ¥0 / 100 / 300 / 1000 for admissions; a 0.1 cut out of county unreferred.
Reimbursed = floor((cost - deductible)+ x share) for the enrolled, 0 otherwise; OOP = rest.
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.delivery import deliver
from countysim.care.demand import Episodes
from countysim.care.routing import Routed
from countysim.metrics import C
from countysim.money.funding import InsuranceConfig
from countysim.money.insurance import Insurance
from countysim.money.prices import PriceConfig, Prices

CFG = InsuranceConfig(
    outpatient_reimbursement=[0.6, 0.5, 0.4, 0.2],
    inpatient_reimbursement=[0.0, 0.8, 0.6, 0.5],
    in_list_share=0.5,
    inpatient_deductible_yuan=[0.0, 100.0, 300.0, 1000.0],
    out_of_county_penalty=0.1,
)


def _no_delta(level, inpatient, referred):
    return np.zeros(level.shape[0])


def _insurance(growth: float = 0.0, year: int = 0) -> Insurance:
    prices = Prices(PriceConfig(growth_per_year=growth))
    prices.set_year(year)
    return Insurance(CFG, prices)


@pytest.mark.parametrize(
    "level, inpatient, referred, delta, share",
    [
        (0, False, False, 0.0, 0.6),
        (2, False, False, 0.0, 0.4),  # no penalty inside the county
        (3, False, False, 0.0, 0.1),  # 0.2 - 0.1 penalty (unreferred)
        (3, False, True, 0.0, 0.2),  # referred: no penalty
        (1, True, False, 0.0, 0.4),  # 0.8 x 0.5 in list
        (3, True, False, 0.0, 0.15),  # 0.5 x 0.5 - 0.1
        (3, True, True, 0.0, 0.25),
        (2, True, False, 0.05, 0.35),  # a policy's delta adds
        (1, True, False, 0.9, 1.0),  # 0.4 + 0.9 capped at the ceiling 1
        (3, False, False, -0.5, 0.0),  # 0.1 - 0.5 floored at 0
    ],
)
def test_reimbursement_share_schedule_penalty_delta_and_bounds(
    level, inpatient, referred, delta, share
):
    """Insurance.share: base schedule - out-of-county penalty + policy delta, in [0, 1]."""
    got = _insurance().share(
        np.array([level]),
        np.array([inpatient]),
        np.array([referred]),
        lambda lv, inp, ref: np.full(lv.shape[0], delta),
    )
    assert got[0] == pytest.approx(share, abs=1e-12)


# (cost fen, level, inpatient, referred, enrolled, with deductible, reimbursed fen)
BILLS = [
    # county admission ¥10,000: (1,000,000 - 30,000) x 0.3 = 291,000
    (1_000_000, 2, True, False, True, True, 291_000),
    # township admission ¥80 below its ¥100 deductible: nothing payable
    (8_000, 1, True, False, True, True, 0),
    # out of county unreferred: (500,000 - 100,000) x (0.25 - 0.1) = 60,000
    (500_000, 3, True, False, True, True, 60_000),
    # ... referred: 400,000 x 0.25 = 100,000
    (500_000, 3, True, True, True, True, 100_000),
    # unenrolled: the fund pays nothing
    (1_000_000, 2, True, False, False, True, 0),
    # village visit 999 fen x 0.6 = 599.4 -> floored to 599
    (999, 0, False, False, True, True, 599),
    # village visit 1,001 fen x 0.6 = 600.6 -> floored to 600, not rounded
    (1_001, 0, False, False, True, True, 600),
    # a line without deductible (e.g. a step-down counted once): 1,000,000 x 0.3
    (1_000_000, 2, True, True, True, False, 300_000),
    # outpatient out of county unreferred: 10,001 x 0.1 = 1,000.1 -> 1,000 (no deductible)
    (10_001, 3, False, False, True, True, 1_000),
]


def test_settlement_of_hand_made_bills():
    """Insurance.settle: deductible, penalty, unenrolled, floor; reimbursed + OOP = cost."""
    cols = [np.array(c) for c in zip(*BILLS, strict=True)]
    cost, level, inp, ref, enrolled, ded, want = cols
    reimbursed, oop = _insurance().settle(cost, level, inp, ref, enrolled, ded, _no_delta)
    assert reimbursed.tolist() == want.tolist()
    assert (oop == cost - want).all()


def test_deductibles_grow_with_the_price_level():
    """Year 1 at 10% price growth: the county deductible is ¥330, so (1,000,000 - 33,000)
    x 0.3 = 290,100 fen."""
    ins = _insurance(growth=0.1, year=1)
    r, oop = ins.settle(
        np.array([1_000_000]), np.array([2]), np.array([True]), np.array([False]),
        np.array([True]), np.array([True]), _no_delta,
    )  # fmt: skip
    assert r.tolist() == [290_100] and oop.tolist() == [709_900]


def test_expected_oop_of_a_first_contact_is_cost_minus_the_reimbursed_part():
    """expected_oop_yuan[inp, level, s] = cost - (cost - min(deductible, cost)) x share."""
    oop = _insurance().expected_oop_yuan(_no_delta)
    # county admission, severity 2: ¥8,690 - (8,690 - 300) x 0.3 = 6,173
    assert oop[1, 2, 2] == pytest.approx(6173.0)
    # township admission, severity 0: price 2,550 x 0.7 = 1,785; 1,785 - 1,685 x 0.4 = 1,111
    assert oop[1, 1, 0] == pytest.approx(1111.0)
    # out-of-county visit, severity 0, self-referred: 90 x 1.39 = 125.1, share 0.2 - 0.1
    assert oop[0, 3, 0] == pytest.approx(125.1 * 0.9)
    # the same visit with a referral: the scheme's out-of-county penalty is not applied
    assert _insurance().expected_oop_yuan(_no_delta, referred=True)[0, 3, 0] == pytest.approx(
        125.1 * 0.8
    )
    # village "admission" (there is none; share 0, deductible 0): the whole price
    assert oop[1, 0, 3] == pytest.approx(16020 * 0.45)


def test_a_reimbursement_that_is_a_whole_number_of_fen_is_not_floored_below_it():
    """Regression: settle floored payable x share in floating point, so 100 fen x 0.29 =
    28.999... paid 28 fen, one below the exact 29; it now settles in integers."""
    cfg = InsuranceConfig(outpatient_reimbursement=[0.29, 0.5, 0.4, 0.2])
    ins = Insurance(cfg, Prices(PriceConfig()))
    r, _ = ins.settle(
        np.array([100]), np.array([0]), np.array([False]), np.array([False]),
        np.array([True]), np.array([True]), _no_delta,
    )  # fmt: skip
    assert r.tolist() == [29]


class _UnitNoise:
    """Stands in for a cost stream: every lognormal factor is exactly 1 (bill = price)."""

    def lognormal(self, mean, sigma, size):
        return np.ones(size)


def test_delivered_claim_lines_are_settled_by_the_schedule_and_fed_to_catastrophic_cover(tiny):
    """deliver(): hand bills at list price through settlement, OOP and catastrophic cover.

    Residents 0 (enrolled) and 1 (unenrolled), each a severity-2 county admission
    priced ¥8,690 (869,000 fen): enrolled (869,000 - 30,000) x 0.3 = 251,700 reimbursed.
    Catastrophic cover counts the in-list OOP floor(869,000 x 0.5) - 251,700 = 182,800
    fen, above the ¥1,000 threshold by 82,800, and pays 0.6 of it: 49,680 fen.
    """
    model = tiny(
        "sim.years=1",
        "insurance.outpatient_reimbursement=[0.6,0.5,0.4,0.2]",
        "insurance.inpatient_reimbursement=[0.0,0.8,0.6,0.5]",
        "insurance.in_list_share=0.5",
        "insurance.inpatient_deductible_yuan=[0,100,300,1000]",
        "insurance.catastrophic_threshold_yuan=1000",
        "insurance.catastrophic_rate=0.6",
    )
    model.streams._cache["cost"] = _UnitNoise()
    model.decisions["down_referral"][:] = 0.0
    res = model.county.residents
    res.enrolled[:2] = [True, False]
    cty = int(model.county.county_facilities[0])
    ep = Episodes(np.array([0, 1]), np.array([2, 2], np.int8), np.ones(2, bool), np.zeros(2, bool))
    none = np.zeros(0, np.int64)
    claims = deliver(model, ep, Routed(np.array([cty, cty]), np.zeros(2, bool), none, none, 0))
    assert claims.cost_fen.tolist() == [869_000, 869_000]
    assert claims.reimbursed_fen.tolist() == [251_700, 0]
    assert claims.oop_fen.tolist() == [617_300, 869_000]
    row = model.metrics.daily[0]
    assert row[C["catastrophic_fen"]] == 49_680  # the unenrolled are not covered
    assert row[C["reimbursed_fen"]] == 251_700 and row[C["oop_fen"]] == 617_300 + 869_000
    model.release()
