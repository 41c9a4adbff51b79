"""Facility decisions (decisions.py, agents/facilities.py) on the tiny county (issue 11).

Each facility's profit rate of a decision is worked out by hand from the price schedule
(case price x level factor: outpatient severity 0 / 1 = ¥90 / 160, inpatient severity 1 /
2 / 3 = ¥2,550 / 8,690 / 16,020 at a county hospital; factors 0.45 / 0.7 / 1 / 1.39),
variable cost 0.6 of the bill, and the round insurance schedule of test_mech_insurance,
with exactly half of the residents enrolled (claims are averaged over residents: x 0.5).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from countysim.agents import CountyHospital, Facility, TownshipHospital, VillageDoctor
from countysim.agents.decisions import DECISIONS

ROUND = (
    "insurance.outpatient_reimbursement=[0.6,0.5,0.4,0.2]",
    "insurance.inpatient_reimbursement=[0.0,0.8,0.6,0.5]",
    "insurance.in_list_share=0.5",
    "insurance.inpatient_deductible_yuan=[0,100,300,1000]",
    "providers.variable_cost_share=0.6",
    "care.convalescent_share=0.4",
    "demand.stay_days=[1.0,6.6,8.6,8.8]",
)
TOWN, CTY = np.array([10]), np.array([12])


def _model(tiny, *extra):
    model = tiny(*ROUND, *extra)
    res = model.residents
    res.enrolled[:] = False
    res.enrolled[: res.n // 2] = True  # mean enrolment 0.5 among the living
    assert res.alive.all()
    return model


def _stake(model, value: float) -> np.ndarray:
    return np.full(model.county.facilities.n, value)


def test_keeping_a_case_earns_its_margin_plus_the_stake_in_the_claim_saved(tiny):
    """County hospital, severity-3 admission kept rather than referred out of county:
    direct 0.4 x 16,020 = 6,408; claims: out of county referred (22,267.8 - 1,000) x 0.25
    x 0.5 = 2,658.475, county (16,020 - 300) x 0.3 x 0.5 = 2,358; stake 0.6:
    rate = (6,408 + 0.6 x 300.475) / 16,020."""
    model = _model(tiny)
    rate = Facility.keep_rate(model, CTY, _stake(model, 0.6), True, 3, 3)
    assert rate[0] == pytest.approx((6408 + 0.6 * (2658.475 - 2358)) / 16020)
    # no stake: only the margin, 1 - 0.6
    assert Facility.keep_rate(model, CTY, _stake(model, 0.0), True, 3, 3)[0] == pytest.approx(0.4)
    model.release()


def test_admitting_a_marginal_outpatient_earns_the_extra_margin_less_the_stake_in_the_claim(
    tiny,
):
    """Township, severity 1: inpatient bill 2,550 x 0.7 = 1,785, outpatient 160 x 0.7 = 112;
    extra margin 0.4 x (1,785 - 112) = 669.2; extra claim (1,785 - 100) x 0.4 x 0.5 - 112 x
    0.5 x 0.5 = 337 - 28 = 309; stake 0.3: rate = (669.2 - 0.3 x 309) / 1,785."""
    model = _model(tiny)
    rate = Facility.admission_rate(model, TOWN, _stake(model, 0.3))
    assert rate[0] == pytest.approx((669.2 - 0.3 * 309) / 1785)
    model.release()


@pytest.mark.parametrize("payment, stake, want", [
    # fee-for-service, no stake: loses the convalescent part's margin, -(1 - 0.6) x 0.4
    ("fee_for_service", 0.0, -0.16),
    # DIP pays per case: keeps the payment and sheds the part's variable cost, 0.6 x 0.4
    ("dip", 0.0, 0.24),
    # stake 0.6: whole stay claim (8,690 - 300) x 0.3 x 0.5 = 1,258.5; after: county
    # (5,214 - 300) x 0.15 = 737.1 + township 3 bed-days (round(0.4 x 8.6) = 3) x ¥317.5 =
    # 952.5, (952.5 - 100) x 0.4 x 0.5 = 170.5; saving 350.9
    ("fee_for_service", 0.6, (-0.4 * 3476 + 0.6 * 350.9) / 8690),
])  # fmt: skip
def test_sending_a_convalescent_down_rate(tiny, payment, stake, want):
    """CountyHospital.down_referral_rate for a severity-2 admission (bill ¥8,690, 0.4 of it
    convalescent = ¥3,476)."""
    model = _model(tiny, f"payment={payment}")
    rate = CountyHospital.down_referral_rate(model, CTY, _stake(model, stake))
    assert rate[0] == pytest.approx(want)
    model.release()


def test_one_deductible_along_the_chain_raises_the_saving_of_sending_down(tiny):
    """Gatekeeping (level step 0): the township stay pays no deductible: 952.5 x 0.4 x 0.5 =
    190.5, saving 1,258.5 - 737.1 - 190.5 = 330.9."""
    model = _model(tiny, "triage=gatekeeping", "triage.level_step=0")
    rate = CountyHospital.down_referral_rate(model, CTY, _stake(model, 0.6))
    assert rate[0] == pytest.approx((-0.4 * 3476 + 0.6 * 330.9) / 8690)
    model.release()


def test_chronic_effort_costs_the_averted_visits_margin_and_its_own_cost(tiny):
    """No stake: rate = -(averted visits x 0.4 x visit bill + ¥20) / routine visit bill;
    village: visit 160 x 0.45 = 72, routine 90 x 0.45 = 40.5."""
    model = _model(tiny, "chronic.effort_cost_yuan=20")
    out, _ = model.chronic.averted_per_effort(model.cfg.demand, model.day)
    assert out > 0
    rate = Facility.chronic_effort_rate(model, np.array([0]), _stake(model, 0.0))
    assert rate[0] == pytest.approx(-(out * 0.4 * 72 + 20) / 40.5)
    model.release()


def test_under_dip_an_admission_earns_the_projected_point_value_not_its_bill(tiny):
    """incentives: projected point value ¥80 (budget ¥10,000 + ¥2,000 paid by patients so
    far x 5, over 50 points x 5, on day 73): revenue of a severity-2 admission = 0.8 x bill
    in county, the bill out of county; direct = revenue - 0.6 x bill."""
    from countysim.agents import incentives as inc

    model = _model(tiny, "payment=dip")
    dip = model.payment
    dip._budget_fen, dip._oop_fen[12], dip._millipoints[12] = 1_000_000, 200_000, 50_000
    model.day = 73
    lv = np.array([1, 2, 3])
    bill = np.array([8690 * 0.7, 8690.0, 8690 * 1.39])
    assert inc.revenue(model, lv, True, 2) == pytest.approx(bill * [0.8, 0.8, 1.0])
    assert inc.direct(model, lv, True, 2) == pytest.approx(bill * [0.2, 0.2, 0.4])
    assert inc.revenue(model, lv, False, 2) == pytest.approx(np.array([300 * 0.7, 300, 300 * 1.39]))
    model.release()


OWN_KEEP = ((False, 1, 1), (True, 2, 2), (True, 3, 3))
# what each kind of facility decides, from which case (documented in agents/facilities.py)
OWN = {
    "village": {"keep": (False, 1, 1), "chronic_effort": None},
    "township": {"admission": None, "keep": (True, 2, 2), "chronic_effort": None},
    "county": {"admission": None, "keep": (True, 3, 3), "down_referral": None},
}


def test_each_kind_of_facility_revises_only_its_own_decisions_from_its_own_case(tiny):
    """Inertia 0, stake 0.6 everywhere: each revised decision jumps to clip(norm +
    sensitivity x rate) with the rate of the documented case (village: keep a severity-1
    visit or refer to the township; township: a severity-2 admission or the county;
    county: a severity-3 admission or out of county); the other decisions, and the
    out-of-county sink's, stay at their norms (0, 0, 0.02, 0.6)."""
    model = _model(tiny, "providers.inertia=0", "providers.responsiveness=1")
    cfg = model.cfg.providers
    stake = _stake(model, 0.6)
    ids = {"village": np.arange(10), "township": np.array([10, 11]), "county": np.array([12, 13])}
    rates = {
        "admission": lambda i: Facility.admission_rate(model, i, stake),
        "chronic_effort": lambda i: Facility.chronic_effort_rate(model, i, stake),
        "down_referral": lambda i: CountyHospital.down_referral_rate(model, i, stake),
    }
    want = {name: np.full(15, cfg.norm[k]) for k, name in enumerate(DECISIONS)}
    for kind, own in OWN.items():
        for name, case in own.items():
            i = ids[kind]
            rate = Facility.keep_rate(model, i, stake, *case) if case else rates[name](i)
            k = DECISIONS.index(name)
            want[name][i] = np.clip(
                cfg.norm[k] + cfg.sensitivity[k] * rate, cfg.lower[k], cfg.upper[k]
            )
    # the three keep cases earn different rates at this stake, so a wrong case shows
    county = np.array([12])
    cases = [Facility.keep_rate(model, county, stake, *c)[0] for c in OWN_KEEP]
    assert min(abs(a - b) for a, b in itertools.combinations(cases, 2)) > 1e-3
    for kind in (VillageDoctor, TownshipHospital, CountyHospital):
        kind.decide(model, model.agents_by_type[kind], stake)
    for name in DECISIONS:
        np.testing.assert_allclose(model.decisions[name], want[name], rtol=1e-12, err_msg=name)
    model.release()
