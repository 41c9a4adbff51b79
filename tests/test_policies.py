"""Policy mechanics: the bundled budget's books, common random numbers, start_year, errors."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from countysim import ConfigError, run
from countysim.config.schema import LEVELS
from countysim.metrics import POLICY_COLUMNS, YEARLY_COLUMNS
from countysim.model import CountyModel
from countysim.money.exact import apportion
from countysim.run import build, compose_config

from .conftest import make

ROTATION = ["secondment=rotation", "secondment.specialists_per_township=0.5"]
ALL_ON = ["payment=bundled", *ROTATION, "triage=gatekeeping"]
CARE_COLUMNS = [c for c in YEARLY_COLUMNS if c != "residents" and not c.startswith("fund_")]


@given(
    total=st.integers(0, 10**13),
    weights=st.lists(st.integers(0, 10**9), min_size=1, max_size=12),
)
def test_apportion_is_exact_and_within_a_fen(total, weights):
    parts = apportion(total, weights)
    assert int(parts.sum()) == total
    s = sum(weights)
    for p, w in zip(parts.tolist(), weights, strict=True):
        exact = Fraction(total * w, s) if s else Fraction(total, len(weights))
        assert abs(p - exact) < 1


def test_apportion_splits_60_30_10_by_largest_remainder():
    assert apportion(10, [0.6, 0.3, 0.1]).tolist() == [6, 3, 1]
    # 7 fen: exact 4.2 / 2.1 / 0.7 -> floors 4 / 2 / 0, the spare fen to the largest remainder
    assert apportion(7, [0.6, 0.3, 0.1]).tolist() == [4, 2, 1]
    with pytest.raises(ValueError):
        apportion(-1, [1.0])


def _run_model(overrides: list[str]) -> CountyModel:
    cfg, policies = make(overrides)
    model = CountyModel(cfg, policies)
    model.run()
    return model


@pytest.mark.parametrize(
    "prepay, subsidy, expect_surplus", [("0.95", 1500, True), ("0.5", 670, False)]
)
def test_bundled_ledger_shows_prepayment_reserve_claims_and_settlement(
    prepay, subsidy, expect_surplus
):
    """One consortium for the whole county (several: tests/test_consortium.py)."""
    model = _run_model(
        [
            "county.consortia=one",
            "sim.years=2",
            "seed=4",
            "payment=bundled",
            f"payment.prepay_share={prepay}",
            f"insurance.subsidy_per_capita_yuan=[{subsidy},{subsidy},{subsidy},{subsidy}]",
        ]
    )
    led, pol = model.ledger, model.payment
    yearly = model.metrics.yearly(model.fund)
    reserve_balance = 0
    for year in range(2):
        income = led.total(year, kind="premium") + led.total(year, kind="subsidy")
        reserve = led.total(
            year, kind="risk_reserve", source="fund", destination="fund:risk_reserve"
        )
        assert reserve == round(income * pol.risk_reserve_share)
        catastrophic = led.total(year, kind="catastrophic_premium")
        assert catastrophic > 0
        prepaid = led.total(year, kind="prepayment", source="fund", destination="consortium:0")
        assert prepaid == round((income - reserve - catastrophic) * float(prepay))
        claims = sum(
            led.total(year, kind="claims", source="consortium:0", destination=lv) for lv in LEVELS
        )
        assert led.total(year, kind="claims", source="fund") == 0  # the consortium pays them all
        assert led.total(year, kind="claims", destination="out_of_county") > 0  # out of county too
        surplus = [
            led.total(year, kind="surplus", destination=lv)
            for lv in ("county", "township", "village")
        ]
        own = [
            led.total(year, kind="overspend_consortium", source=lv)
            for lv in ("county", "township", "village")
        ]
        insurer = led.total(year, kind="overspend_insurer")
        balance = prepaid - claims
        if expect_surplus:
            assert balance > 0 and sum(surplus) == balance and insurer == 0 and sum(own) == 0
            exact = [balance * Fraction(s) for s in ("0.6", "0.3", "0.1")]
            assert all(abs(p - e) < 1 for p, e in zip(surplus, exact, strict=True))
            assert surplus == apportion(balance, [0.6, 0.3, 0.1]).tolist()
            parts = surplus
        else:
            deficit = -balance
            assert deficit > 0 and sum(surplus) == 0
            assert insurer + sum(own) == deficit
            assert insurer == apportion(deficit, [0.5, 0.5])[0]
            # the insurer's part comes from the reserve while it lasts, then from the fund
            from_reserve = led.total(year, kind="overspend_insurer", source="fund:risk_reserve")
            reserve_balance += reserve
            assert from_reserve == min(insurer, reserve_balance)
            reserve_balance -= from_reserve
            assert own == apportion(sum(own), [0.6, 0.3, 0.1]).tolist()
            parts = [-x for x in own]
        # yearly columns carry the same flows
        row = yearly.iloc[year]
        assert row["risk_reserve_yuan"] * 100 == pytest.approx(reserve, abs=0.5)
        assert row["consortium_prepayment_yuan"] * 100 == pytest.approx(prepaid, abs=0.5)
        assert row["overspend_insurer_yuan"] * 100 == pytest.approx(insurer, abs=0.5)
        # each level's share reaches its facilities to the fen
        fac_money = model.metrics.fac_money["surplus_fen"][year]
        level = model.county.facilities.level
        for lv, part in zip((2, 1, 0), parts, strict=True):
            assert int(fac_money[level == lv].sum()) == part


def test_policy_columns_exist_and_are_zero_when_off():
    yearly = run(["county=tiny", "sim.years=1"], save=False).yearly
    for name in POLICY_COLUMNS:
        assert name in yearly.columns
    zero = [
        c
        for c in POLICY_COLUMNS
        if c
        not in (
            "catastrophic_premium_yuan",
            "catastrophic_balance_yuan",
            # facilities' own admissions happen under every policy (decisions.py)
            "marginal_admissions",
            "marginal_admissions_township",
            "marginal_admissions_county",
            # chronic care runs under every policy (chronic.py)
            "averted_exacerbations",
            "chronic_control",
            "bed_occupancy_county",
            "bed_occupancy_township",
            # demography runs under every policy (population.py)
            "away_residents",
            "away_share",
            "moved_away",
            "came_home",
            "deaths",
            "births",
        )
    ]
    assert (yearly[zero] == 0).all().all()
    # the catastrophic premium is withheld under every payment scheme
    assert (yearly["catastrophic_premium_yuan"] > 0).all()
    assert (yearly["catastrophic_balance_yuan"] < yearly["catastrophic_premium_yuan"]).all()
    on = run(["county=tiny", "sim.years=1", *ALL_ON], save=False).yearly
    assert (
        (on[["risk_reserve_yuan", "consortium_prepayment_yuan", "secondment_doctor_days"]] > 0)
        .all()
        .all()
    )


def _onsets(overrides: list[str]) -> list[np.ndarray]:
    cfg, policies = make(["sim.years=1", "seed=11", *overrides])
    model = CountyModel(cfg, policies)
    draws: list[np.ndarray] = []
    original = model.demand.draw

    def recording(rng):
        ep = original(rng)
        draws.append(np.stack([ep.resident, ep.severity, ep.inpatient, ep.followup]))
        return ep

    model.demand.draw = recording
    model.run()
    return draws


def test_onsets_are_identical_across_policy_arms():
    """Common random numbers: who falls ill when does not depend on the policies."""
    base = _onsets([])
    for arm in (["payment=bundled"], ROTATION, ["triage=gatekeeping"], ALL_ON):
        other = _onsets(arm)
        assert len(other) == len(base) == 365
        assert all(np.array_equal(a, b) for a, b in zip(base, other, strict=True)), arm


@pytest.mark.parametrize(
    "arm",
    [
        ["payment=bundled", "payment.start_year=2"],
        [*ROTATION, "secondment.start_year=2"],
        ["triage=gatekeeping", "triage.start_year=2"],
        [*ALL_ON, "payment.start_year=2", "secondment.start_year=2", "triage.start_year=2"],
    ],
)
def test_start_year_leaves_earlier_years_identical(arm):
    common = ["county=tiny", "sim.years=3", "seed=2"]
    base = run(common, save=False)
    late = run([*common, *arm], save=False)
    pd.testing.assert_frame_equal(base.yearly.iloc[:2], late.yearly[base.yearly.columns].iloc[:2])
    extra = [c for c in late.yearly.columns if c not in base.yearly.columns]
    assert (late.yearly[extra].iloc[:2] == 0).all().all()
    fb, fl = base.facilities, late.facilities
    pd.testing.assert_frame_equal(fb[fb.year < 2], fl[fl.year < 2])
    changed = base.yearly.iloc[2][CARE_COLUMNS] != late.yearly.iloc[2][CARE_COLUMNS]
    assert changed.any()


def test_unresponsive_bundled_payment_moves_money_not_patients():
    common = ["county=tiny", "sim.years=2", "seed=6", "providers.responsiveness=0"]
    ffs = run(common, save=False).yearly
    bundled = run([*common, "payment=bundled"], save=False).yearly
    pd.testing.assert_frame_equal(ffs[CARE_COLUMNS], bundled[CARE_COLUMNS])
    assert not np.allclose(ffs["fund_balance_yuan"], bundled["fund_balance_yuan"])
    assert (bundled["consortium_prepayment_yuan"] > 0).all()


@pytest.mark.parametrize(
    "overrides, field",
    [
        (["secondment=rotation", "secondment.targets=nearby"], "secondment.targets"),
        (["secondment=rotation", "secondment.targets=[0,99]"], "secondment.targets"),
        (
            ["secondment=rotation", "secondment.specialists_per_township=4"],
            "secondment.specialists_per_township",
        ),
        (
            ["secondment=rotation", "secondment.specialists_per_township=many"],
            "secondment.specialists_per_township",
        ),
        (["secondment=rotation", "secondment.days_per_week=8"], "secondment.days_per_week"),
        (["payment=bundled", "payment.surplus_split=[0.6,0.3,0.2]"], "payment.surplus_split"),
        (["payment=bundled", "payment.prepay_share=1.2"], "payment.prepay_share"),
        (["triage=gatekeeping", "triage.bypass_penalty=-0.1"], "triage.bypass_penalty"),
    ],
)
def test_bad_policy_parameters_fail_before_simulating(overrides, field):
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        run(["county=tiny", *overrides], save=False)


@pytest.mark.parametrize(
    "preset",
    sorted(p.stem for p in (Path(__file__).parents[1] / "configs" / "county").glob("*.yaml")),
)
def test_rotation_defaults_run_on_every_shipped_county(preset):
    """'auto' seconds 2 doctors a target, fewer where max_county_share binds (tiny)."""
    cfg, policies = build(compose_config([f"county={preset}", "secondment=rotation"])[0])
    model = CountyModel(cfg, policies)
    rot = model.policies[1]
    county_docs = model.county.facilities.doctors[model.county.county_facilities].sum()
    assert 0 < rot._doctor_days() <= rot.max_county_share * county_docs + 1e-9
    assert rot._per_township <= 2.0
    model.step()
    model.release()


def test_every_arm_reports_the_same_columns_in_the_same_order():
    """Defect: some columns appeared only when their policy was on."""
    arms = [[], ALL_ON, ["payment=dip"], ["triage=gatekeeping"]]
    cols = [list(run(["county=tiny", "sim.years=1", *a], save=False).yearly.columns) for a in arms]
    assert all(c == cols[0] for c in cols[1:])
    assert "down_referrals" not in cols[0] and "referrals_down" in cols[0]
    assert {"referrals_up", "referral_steps_up", "poor_outcomes_sev3"} <= set(cols[0])


def test_secondment_costs_only_what_it_adds_allowance_and_travel():
    """Defect: the seconded doctors' whole salary was booked as a cost of the policy."""
    model = CountyModel(*make(["secondment=rotation", "sim.years=1"]))
    model.run()
    rot = model.policies[1]
    per_day_fen = round((rot.allowance_per_day_yuan + rot.travel_per_day_yuan) * 100)
    doctor_days = model.metrics.yearly_extra[0]["secondment_doctor_days"]
    days_present = round(doctor_days / rot._doctor_days())
    booked = model.ledger.total(0, kind="secondment_cost")
    assert booked == days_present * round(rot._doctor_days() * per_day_fen)
    assert not hasattr(rot, "salary_per_day_yuan")
    model.release()
