"""Every episode ends in exactly one place; every fen has a source and a destination."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from countysim.config.params import MAX_SEED
from countysim.config.schema import LEVELS
from countysim.metrics import C
from countysim.model import CountyModel

from .conftest import make


def _check_days(model: CountyModel) -> None:
    d = model.metrics.daily
    visits = sum(d[:, C[f"visits_l{lv}"]] for lv in range(4))
    adms = sum(d[:, C[f"admissions_l{lv}"]] for lv in range(4))
    # new episodes + yesterday's queue = treated + untreated + tomorrow's queue, every day
    assert np.array_equal(
        d[:, C["episodes"]] + d[:, C["waiting_in"]],
        d[:, C["treated"]] + d[:, C["untreated"]] + d[:, C["waiting_out"]],
    )
    assert np.array_equal(d[1:, C["waiting_in"]], d[:-1, C["waiting_out"]])
    assert d[0, C["waiting_in"]] == 0
    assert np.array_equal(d[:, C["treated"]], visits + adms)
    assert adms.sum() <= d[:, C["inpatient_episodes"]].sum() + d[:, C["waiting_in"]].sum()
    assert np.array_equal(d[:, C["untreated"]], sum(d[:, C[f"untreated_sev{s}"]] for s in range(4)))
    assert np.array_equal(d[:, C["cost_fen"]], d[:, C["reimbursed_fen"]] + d[:, C["oop_fen"]])
    # every treated episode has exactly one outcome, counted by level and severity
    outcomes = sum(d[:, C[f"outcomes_l{lv}_s{s}"]] for lv in range(4) for s in range(4))
    poor = sum(d[:, C[f"poor_outcomes_l{lv}_s{s}"]] for lv in range(4) for s in range(4))
    assert np.array_equal(outcomes, d[:, C["treated"]]) and np.all(poor <= outcomes)
    # one consultation per referral step; a patient referred up takes at least one step
    consults = sum(d[:, C[f"referral_visits_l{lv}"]] for lv in range(4))
    assert np.array_equal(consults, d[:, C["referral_steps_up"]])
    assert np.all(d[:, C["referrals_up"]] <= d[:, C["referral_steps_up"]])
    assert np.array_equal(d[:, C["stepdown_admissions"]], d[:, C["referrals_down"]])
    # facility volumes: visits include consultations, admissions include step-downs
    m = model.metrics
    assert m.fac_visits.sum() == visits.sum() + consults.sum()
    assert m.fac_admissions.sum() == adms.sum() + d[:, C["stepdown_admissions"]].sum()


FUND_SPENDING_KINDS = {
    "catastrophic_premium",
    "claims",
    "prepayment",
    "overspend_insurer",
    "dip_payment",
}


def _check_ledger(model: CountyModel) -> None:
    led = model.ledger
    sums = model.metrics.year_sums()
    for year in range(model.cfg.sim.years):
        income = led.total(year, kind="premium") + led.total(year, kind="subsidy")
        out_of_fund = [
            t
            for t in led.transfers
            if t.year == year
            and t.source.startswith("fund")
            and not t.destination.startswith("fund")
        ]
        assert {t.kind for t in out_of_fund} <= FUND_SPENDING_KINDS
        # DIP: in-county admissions paid points x point value instead of their bills
        dip = led.total(year, kind="dip_payment") - led.total(year, kind="dip_clawback")
        adjustment = int(model.metrics.fac_money["dip_adjustment_fen"][year].sum())
        claims = led.total(year, kind="claims") + dip
        oop = led.total(year, kind="oop")
        fund = model.fund[year]
        balance_fen = round(fund["fund_balance_yuan"] * 100)
        clawback = led.total(year, kind="dip_clawback")
        assert income + clawback - sum(t.fen for t in out_of_fund) == balance_fen
        assert balance_fen == led.balance("fund", year) + led.balance("fund:risk_reserve", year)
        for c in model.consortia:
            assert led.balance(c.account, year) == 0
        # the ledger's claims and OOP equal the claim lines', to the fen
        assert claims == sums[year, C["reimbursed_fen"]] + adjustment
        assert oop == sums[year, C["oop_fen"]]
        revenue = sum(
            led.total(year, kind=k, destination=lv)
            for lv in LEVELS
            for k in ("claims", "oop", "dip_payment")
        ) - led.total(year, kind="dip_clawback")
        assert revenue - adjustment == sums[year, C["cost_fen"]]
        assert sums[year, C["cost_fen"]] == model.metrics.fac_revenue_fen[year].sum()
        enrolled = int(model.metrics.enrolled[year])
        subsidy, premium = model.cfg.insurance.funding_yuan(
            model.cfg.sim.start_calendar_year + year
        )
        assert income == round(enrolled * subsidy * 100) + round(enrolled * premium * 100)
    assert led.balance("fund:risk_reserve") >= 0
    assert sum(led.balances().values()) == 0


ARMS = {
    "baseline": [],
    "bundled": ["payment=bundled"],
    "bundled-overspend": ["payment=bundled", "payment.prepay_share=0.5"],
    "dip": ["payment=dip", "payment.budget_growth=-0.1"],
    "dip-from-year-1": ["payment=dip", "payment.start_year=1"],
    "rotation": ["secondment=rotation", "secondment.specialists_per_township=0.5"],
    "gatekeeping": ["triage=gatekeeping"],
    "rotation-by-consortium": [
        "payment=bundled",
        "secondment=rotation",
        "secondment.targets=by_consortium",
        "secondment.specialists_per_township=0.5",
    ],
    "all": [
        "payment=bundled",
        "secondment=rotation",
        "secondment.specialists_per_township=0.5",
        "triage=gatekeeping",
    ],
}


@pytest.mark.parametrize("arm", list(ARMS))
def test_every_policy_arm_adds_up(tiny, arm):
    model = tiny("sim.years=2", "seed=3", *ARMS[arm])
    model.run()
    _check_days(model)
    _check_ledger(model)


def test_tiny_county_adds_up_every_day_and_year(tiny):
    model = tiny("sim.years=2", "seed=5")
    model.run()
    _check_days(model)
    _check_ledger(model)


def test_untreated_are_counted_when_capacity_is_scarce(tiny):
    """With almost no township/county capacity, turn-aways happen and still add up."""
    model = tiny(
        "sim.years=1",
        "care.outpatients_per_doctor_day=[1,1,1]",
        "care.max_turnaways=0",
        "county.township_beds_per_centre=1",
        "county.county_beds_per_1000=0.05",
    )
    model.run()
    d = model.metrics.daily
    assert d[:, C["untreated"]].sum() > 0 and d[:, C["turnaways"]].sum() > 0
    _check_days(model)
    _check_ledger(model)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    residents=st.integers(200, 3000),
    seed=st.integers(0, MAX_SEED),
    per_doctor=st.integers(1, 40),
    enrolment=st.floats(0.0, 1.0),
)
def test_invariants_hold_for_any_small_county(residents, seed, per_doctor, enrolment):
    cfg, policies = make(
        [
            "sim.years=1",
            f"seed={seed}",
            f"county.residents={residents}",
            f"care.outpatients_per_doctor_day=[{per_doctor},{per_doctor},{per_doctor}]",
            f"county.enrolment_share={enrolment}",
        ]
    )
    model = CountyModel(cfg, policies)
    model.run()
    _check_days(model)
    _check_ledger(model)
    model.release()
