"""Tests written against surviving mutants of countysim.policies (issue 11).

The tiny county's funding is set by hand as in tests/test_mech_payment.py: ¥600 subsidy +
¥400 premium per enrolled resident and a ¥60 catastrophic premium; 600 residents enrolled in
consortium 0's villages and 400 in consortium 1's. Consortium 0 has county hospital 12 and
township centre 10, consortium 1 has 13 and 11.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from countysim.config.params import ConfigError
from countysim.money.ledger import Ledger
from countysim.policies.bundled import Bundled

from .test_mech_payment import BUNDLED, FUNDING, _enrol  # the same hand-made county

# ---- bundled -------------------------------------------------------------------------------


def test_bundled_refuses_an_unknown_budget_rule_naming_the_field():
    with pytest.raises(ConfigError, match=r"^payment\.budget_rule = 'fixed': must be 'income'"):
        Bundled(budget_rule="fixed").check("payment")


def test_a_spending_budget_grows_the_claims_of_the_year_before_it_starts(tiny):
    """start_year 1. Year 0 is fee-for-service: no prepayment, the fund pays the claims
    (1,000,000 / 4,000,000 / 30,000,000 / 15,000,000 fen = 50,000,000) and the consortia's
    balance is reported as 0. Year 1 prepays 50,000,000 x 1.1 = 55,000,000 fen (below the
    rest 91,000,000), shared 600 : 400 = 33,000,000 : 22,000,000."""
    model = tiny(
        *FUNDING,
        *BUNDLED,
        "payment.budget_rule=spending",
        "payment.budget_growth=0.1",
        "payment.start_year=1",
    )
    _enrol(model)
    pay, led = model.payment, model.ledger
    pay.on_year_start(model)
    assert led.total(0, kind="prepayment") == 0
    model.day = 364
    model.year_claims_fen[:] = [1_000_000, 4_000_000, 30_000_000, 15_000_000]
    pay.on_year_end(model)
    assert [led.total(0, kind="claims", source="fund", destination=lv) for lv in
            ("village", "township", "county", "out_of_county")] == [
        1_000_000, 4_000_000, 30_000_000, 15_000_000
    ]  # fmt: skip
    assert pay.yearly_metrics(model)["consortium_balance_yuan"] == 0.0
    model.day = 365
    pay.on_year_start(model)
    assert led.total(1, kind="prepayment") == 55_000_000
    assert led.total(1, kind="prepayment", destination="consortium:0") == 33_000_000
    model.release()


def test_no_income_prepays_nothing(tiny):
    """Nobody enrolled: no income, no reserve, the rest is 0 and so is the budget."""
    model = tiny(*FUNDING, *BUNDLED)
    model.residents.enrolled[:] = False
    model.payment.on_year_start(model)
    assert [t for t in model.ledger.transfers if t.kind == "prepayment"] == []
    assert all(c.prepaid_fen() == 0 for c in model.consortia)
    model.release()


def test_a_consortium_projected_to_break_even_stakes_its_members_as_in_surplus(tiny):
    """Day 73 (a fifth of the year): consortium 0's claims so far 10,374,000 fen x 5 =
    its prepayment 51,870,000, a projected balance of exactly 0: not an overspend, so its
    county hospital's stake is the plain split 0.6 and its township centre's 0.3 (not
    weighted by (1 - 0.5) x loss aversion 2.25)."""
    model = tiny(*FUNDING, *BUNDLED, "providers.loss_aversion=2.25")
    _enrol(model)
    model.payment.on_year_start(model)
    model.day = 73
    model.year_claims_by_consortium[:] = [[0, 0, 10_374_000, 0], [0, 0, 0, 0]]
    assert model.consortia[0].projected_balance_fen() == 0.0
    stake = model.payment.stake(model)
    assert stake[[12, 10]].tolist() == [0.6, 0.3]
    model.release()


# ---- dip -----------------------------------------------------------------------------------
# DIP cases of tests/test_mech_payment.py: a county severity-2 admission at hospital 12 is
# worth 86.9 points, a township severity-1 admission at centre 10 17.85 points.


def _dip_cases(model, oop=(10_000, 100_000)):
    from .test_mech_payment import _claims

    claims = _claims(
        fac=[12, 10],
        level=[2, 1],
        inpatient=[True, True],
        severity=[2, 1],
        cost=[900_000, 180_000],
        oop=list(oop),
        convalescent=[False, False],
    )
    model.payment.on_claims(model, claims)


def test_dip_points_add_up_over_the_days_of_a_year(tiny):
    """The same two cases on two days: 2 x 86.9 and 2 x 17.85 points."""
    model = tiny("payment=dip", "sim.years=2")
    model.payment.on_year_start(model)  # first DIP year: no budget yet
    _dip_cases(model)
    model.day = 1
    _dip_cases(model)
    assert model.payment._millipoints[[12, 10]].tolist() == [173_800, 35_700]
    # points but no budget yet: the reference ¥100 a point
    assert model.payment.projected_point_value(model) == 100.0
    model.release()


@pytest.mark.parametrize(
    "day, millipoints, oop_fen, want",
    [
        # year 1, day 73 of it: (10,000 + 2,000 x 5) / (50 x 5) = ¥80
        (365 + 73, 50_000, 200_000, 80.0),
        # year 1, one day in: scaled by 365 / 1: (10,000 + 2,000 x 365) / (50 x 365)
        (365 + 1, 50_000, 200_000, 740_000 / 18_250),
        # half a point so far on day 73: 10,000 / (0.5 x 5) = ¥4,000
        (73, 500, 0, 4_000.0),
        # a budget but no point yet: the reference ¥100
        (73, 0, 0, 100.0),
    ],
)
def test_dip_projected_point_value_scales_by_the_days_of_the_current_year(
    tiny, day, millipoints, oop_fen, want
):
    """Budget ¥10,000; (budget + OOP so far x 365 / days) / (points so far x 365 / days)."""
    model = tiny("payment=dip", "sim.years=2")
    dip = model.payment
    dip._budget_fen = 1_000_000
    dip._oop_fen[12] = oop_fen
    dip._millipoints[12] = millipoints
    model.day = day
    assert dip.projected_point_value(model) == pytest.approx(want, rel=1e-12)  # float division
    model.release()


def test_dip_year_end_pays_one_level_and_claws_back_from_another(tiny):
    """Budget 99,500 + patients' payments 110,000 = 209,500 fen for 104.75 points: ¥20 a
    point, i.e. 173,800 fen to hospital 12 and 35,700 to centre 10. The fund pays the county
    level 173,800 - 10,000 = 163,800; centre 10's patients paid 100,000, more than its
    35,700, so the township level pays 64,300 back. Fee-for-service lines (county 7,000,
    township 5,000 beyond the DIP cases' 890,000 and 80,000 reimbursed) come from the fund."""
    model = tiny("payment=dip", "sim.years=2")
    dip, led = model.payment, model.ledger
    dip._budget_fen = 99_500
    _dip_cases(model)
    model.day = 364
    model.year_claims_fen[:] = [0, 80_000 + 5_000, 890_000 + 7_000, 0]
    model.metrics.fac_money["dip_adjustment_fen"][0] = 1_000  # the row adds up: 1,000 there
    dip.on_year_end(model)
    assert led.total(0, kind="claims", source="fund", destination="county") == 7_000
    assert led.total(0, kind="claims", source="fund", destination="township") == 5_000
    assert led.total(0, kind="dip_payment", source="fund", destination="county") == 163_800
    assert led.total(0, kind="dip_payment") == 163_800
    assert led.total(0, kind="dip_clawback", source="township", destination="fund") == 64_300
    assert led.total(0, kind="dip_clawback") == 64_300
    adjustment = model.metrics.fac_money["dip_adjustment_fen"][0]
    assert adjustment[[12, 10]].tolist() == [1_000 + 173_800 - 900_000, 1_000 + 35_700 - 180_000]
    assert dip.yearly_metrics(model)["dip_point_value_yuan"] == 20.0
    assert dip.yearly_metrics(model)["dip_points"] == 104.75
    model.release()


def test_a_dip_year_without_cases_leaves_the_budget_unspent(tiny):
    """No point all year: no DIP payment, the point value stays the reference ¥100."""
    model = tiny("payment=dip", "sim.years=2")
    dip, led = model.payment, model.ledger
    dip._budget_fen = 50_000
    model.day = 364
    dip.on_year_end(model)
    assert led.total(0, kind="dip_payment") == 0 and led.total(0, kind="dip_clawback") == 0
    assert dip.point_value_yuan == 100.0
    assert model.metrics.fac_money["dip_adjustment_fen"][0].tolist() == [0] * 15
    model.release()


def test_dip_before_its_start_year_is_fee_for_service(tiny):
    """start_year 1: year 0's claims are paid as billed and no DIP metric is reported."""
    model = tiny("payment=dip", "payment.start_year=1", "sim.years=2")
    dip, led = model.payment, model.ledger
    model.day = 364
    model.year_claims_fen[:] = [1_000, 20_000, 300_000, 4_000]
    dip.on_year_end(model)
    got = [led.total(0, kind="claims", source="fund", destination=lv) for lv in
           ("village", "township", "county", "out_of_county")]  # fmt: skip
    assert got == [1_000, 20_000, 300_000, 4_000]
    metrics = dip.yearly_metrics(model)
    assert metrics["dip_point_value_yuan"] == 0.0 and metrics["dip_points"] == 0.0
    model.release()


# ---- gatekeeping -----------------------------------------------------------------------------
GATE = ("triage=gatekeeping", "triage.contract_coverage=1.0", "sim.years=2")


def _gate(model):
    return next(p for p in model.policies if type(p).__name__ == "Gatekeeping")


class _ZeroUniforms:
    """Stands in for a random stream: every uniform is exactly 0."""

    def random(self, size):
        return np.zeros(size)


def test_contracts_grow_with_the_population_and_skip_newborns(tiny):
    """Coverage 1. One more slot than the county had (a birth without a freed slot): the
    newborn holds no contract. The next year a resident with a new condition gets one."""
    model = tiny(*GATE)
    gate, res = _gate(model), model.residents
    before = int(gate._contracted.sum())
    n = res.n
    model.grow_residents(1)
    res.alive[n], res.age[n], res.chronic[n] = True, 0, 0
    model.chronic.refresh(res, np.array([n]))
    gate.on_population(model, np.array([n]))
    assert gate._contracted.shape == (n + 1,) and not gate._contracted[n]
    assert gate.yearly_metrics(model)["contracted_residents"] == before
    new = int(np.flatnonzero(res.alive & (res.chronic == 0) & (res.age < 65))[0])
    res.chronic[new] = 1
    model.chronic.refresh(res, np.zeros(0, np.int64))
    gate.on_population(model, np.zeros(0, np.int64))
    assert gate._contracted[new]
    assert gate.yearly_metrics(model)["contracted_residents"] == before + 1
    model.release()


def test_zero_coverage_contracts_nobody_even_at_a_zero_uniform(tiny):
    """Contracted where u < coverage: with coverage 0 not even u = 0 qualifies, at set-up or
    for a resident newly in the key population."""
    model = tiny("triage=gatekeeping", "triage.contract_coverage=0.0")
    gate, res = _gate(model), model.residents
    model.streams._cache["gatekeeping.contracts"] = _ZeroUniforms()
    gate.setup(model)
    assert not gate._contracted.any()
    new = int(np.flatnonzero(res.alive & (res.chronic == 0) & (res.age < 65))[0])
    res.chronic[new] = 1
    model.chronic.refresh(res, np.zeros(0, np.int64))
    gate.on_population(model, np.zeros(0, np.int64))
    assert not gate._contracted.any()
    model.release()


@pytest.mark.parametrize("norm, per_day", [(2.0, 0.0), (3.0, 0.5 * 4 / 365)])
def test_contract_follow_ups_add_only_what_the_routine_rate_misses(tiny, norm, per_day):
    """Routine 2.5 follow-ups per condition a year; two contracted patients with 1 and 3
    conditions. Norm 2 (below routine): none added. Norm 3: 0.5 x 4 / 365 a day."""
    model = tiny(
        "triage=gatekeeping",
        f"triage.contract_followups_per_year={norm}",
        "demand.chronic_followups_per_year=2.5",
    )
    gate = _gate(model)
    k = np.zeros(model.residents.n, dtype=np.int64)
    k[[7, 9]] = [1, 3]
    model.chronic.k = k
    gate._contracted[:] = False
    gate._contracted[[7, 9]] = True
    gate._plan_followups(model)
    assert gate._followups_per_day == per_day
    if per_day == 0.0:
        assert all(gate.extra_episodes(model) is None for _ in range(50))
    model.release()


class _ScriptedFollowups:
    """Stands in for the follow-up stream: 3 follow-ups today at uniforms 0, 0.25, 0.999."""

    def poisson(self, lam):
        return 3

    def random(self, size):
        assert size == 3
        return np.array([0.0, 0.25, 0.999])


def test_contract_follow_ups_go_to_patients_by_their_number_of_conditions(tiny):
    """Contracted patients 7 (1 condition) and 9 (3): patient 7 owns [0, 1) of the 4
    conditions, patient 9 owns [1, 4). Uniforms 0, 0.25, 0.999 x 4 = 0, 1, 3.996: the
    draw landing exactly on 1 belongs to patient 9."""
    model = tiny(
        "triage=gatekeeping",
        "triage.contract_followups_per_year=3",
        "demand.chronic_followups_per_year=2.5",
    )
    gate = _gate(model)
    k = np.zeros(model.residents.n, dtype=np.int64)
    k[[7, 9]] = [1, 3]
    model.chronic.k = k
    gate._contracted[:] = False
    gate._contracted[[7, 9]] = True
    gate._plan_followups(model)
    model.streams._cache["gatekeeping.followups"] = _ScriptedFollowups()
    ep = gate.extra_episodes(model)
    assert ep.resident.tolist() == [7, 9, 9]
    assert ep.followup.all() and not ep.inpatient.any() and not ep.severity.any()
    assert model.metrics.yearly_extra[model.year]["contract_followups"] == 3.0
    model.release()


def test_gatekeeping_reports_nothing_before_its_start_year(tiny):
    """start_year 1: year 0 reports 0 contracted (though contracts are drawn at set-up) and
    0 follow-ups; year 1 reports the contracts, and 0 follow-ups while none was added."""
    model = tiny(*GATE, "triage.start_year=1")
    gate = _gate(model)
    assert gate._contracted.sum() > 0
    assert gate.yearly_metrics(model) == {"contracted_residents": 0.0, "contract_followups": 0.0}
    model.day = 365
    got = gate.yearly_metrics(model)
    assert got == {"contracted_residents": float(gate._contracted.sum()), "contract_followups": 0.0}
    model.release()


def test_gatekeeping_utility_delta_is_float32(tiny):
    """The delta is added to float32 utilities; it is built in float32 itself."""
    model = tiny(*GATE)
    ep = model.demand.draw(np.random.default_rng(0))
    assert _gate(model).utility_delta(model, ep).dtype == np.float32
    model.release()


# ---- base ------------------------------------------------------------------------------------


def test_catastrophic_payouts_are_booked_from_the_catastrophic_insurer(tiny):
    """Year end: what catastrophic cover paid goes catastrophic_insurer -> patients."""
    model = tiny("sim.years=1")
    model.catastrophic.year_paid_fen = 12_345
    model.payment.book_patients(model)
    assert (
        model.ledger.total(
            0, kind="catastrophic_payout", source="catastrophic_insurer", destination="patients"
        )
        == 12_345
    )
    model.release()


def test_fund_summary_does_not_depend_on_the_order_of_the_books():
    """A year-1 flow booked before year 0's: year 0 still sees its 1,000 in and 700 out."""
    from countysim.policies import FeeForService

    led = Ledger()
    led.transfer(1, "residents", "fund", 500, "premium")
    led.transfer(0, "government", "fund", 1_000, "subsidy")
    led.transfer(0, "fund", "county", 700, "claims")
    got = FeeForService().fund_summary(SimpleNamespace(ledger=led), 0)
    assert got["fund_income_yuan"] == 10.0 and got["fund_spending_yuan"] == 7.0
    assert got["fund_cumulative_balance_yuan"] == 3.0


def test_a_year_without_fund_income_has_no_balance_ratio():
    """Income 0, spending 700 fen: the balance is -¥7 and the ratio undefined (nan)."""
    from countysim.policies import FeeForService

    led = Ledger()
    led.transfer(0, "fund", "county", 700, "claims")
    got = FeeForService().fund_summary(SimpleNamespace(ledger=led), 0)
    assert got["fund_income_yuan"] == 0.0 and got["fund_balance_yuan"] == -7.0
    assert math.isnan(got["fund_balance_ratio"])


def test_fee_for_service_pays_no_case_per_case():
    """paid_per_case is a boolean mask, all False under fee-for-service."""
    from countysim.policies import FeeForService

    mask = FeeForService().paid_per_case(None, np.array([0, 1, 2, 3]), np.ones(4, bool))
    assert mask.dtype == np.bool_ and mask.tolist() == [False] * 4


# ---- rotation --------------------------------------------------------------------------------
# The tiny county's county hospitals 12 and 13 have 3.15 + 1.35 = 4.5 doctors; township
# centres 10 and 11 have capability 1.2, county hospitals 2.3.


def _rot_model(tiny, *extra, specialists="0.5", skill="0.01"):
    """0.5 doctor to township 0 (facility 10), skill transfer 0.01 a doctor-day, presence
    +0.5 capability, two years."""
    return tiny(
        "secondment=rotation",
        "secondment.targets=[0]",
        f"secondment.specialists_per_township={specialists}",
        f"secondment.skill_transfer_rate={skill}",
        "secondment.presence_capability=0.5",
        "sim.years=2",
        *extra,
    )


def _rotation(model):
    return next(p for p in model.policies if type(p).__name__ == "Rotation")


def _on_day(model, day):
    model.day = day
    _rotation(model).on_day(model)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"targets": "nearest"},
            r"^secondment\.targets = 'nearest': must be 'all', 'sub_centres', 'by_consortium' "
            r"or a list of township ids$",
        ),
        ({"targets": []}, r"^secondment\.targets = \[\]: name at least one township$"),
        (
            {"specialists_per_township": "many"},
            r"^secondment\.specialists_per_township = 'many': must be 'auto' or a number in "
            r"\[0, 50\]$",
        ),
    ],
)
def test_rotation_refuses_bad_settings_naming_them(kwargs, message):
    from countysim.policies.rotation import Rotation

    with pytest.raises(ConfigError, match=message):
        Rotation(**kwargs).check("secondment")


def test_rotation_accepts_every_documented_target_mode():
    from countysim.policies.rotation import Rotation

    for targets in ("all", "sub_centres", "by_consortium", [0, 3]):
        Rotation(targets=targets).check("secondment")


def test_a_target_township_must_exist(tiny):
    """The tiny county has townships 0 and 1: township 2 is refused."""
    with pytest.raises(ConfigError, match=r"^secondment\.targets: township 2 does not exist "):
        tiny("secondment=rotation", "secondment.targets=[2]")
    with pytest.raises(ConfigError, match=r"\(the county has townships 0\.\.1\)$"):
        tiny("secondment=rotation", "secondment.targets=[0,2]")


def test_seconding_more_than_the_county_share_of_doctors_is_refused(tiny):
    """1.5 doctors to one township > 0.25 x 4.5 = 1.125 county doctors."""
    message = (
        r"^secondment\.specialists_per_township = 1\.5: 1\.5 doctors at 1 townships exceed "
        r"max_county_share = 0\.25 of the county hospitals' "
    )
    with pytest.raises(ConfigError, match=message):
        _rot_model(tiny, specialists="1.5")


def test_a_secondment_at_the_edge_of_the_rounding_tolerance_is_accepted(tiny):
    """The share check tolerates a relative 1e-12 of rounding: exactly 0.25 x 4.5 x
    (1 + 1e-12) doctors at one township is still within max_county_share (refused only
    above it)."""
    limit = 0.25 * 4.5 * (1 + 1e-12)
    model = _rot_model(tiny, specialists=repr(limit))
    _on_day(model, 0)
    assert _rotation(model).doctor_delta(model)[10] == limit
    model.release()


def test_auto_specialists_at_one_township_are_capped_by_the_county_share(tiny):
    """'auto' = 2 doctors, at most 0.25 x 4.5 / 1 township = 1.125."""
    model = _rot_model(tiny, specialists="auto")
    _on_day(model, 0)
    assert _rotation(model).doctor_delta(model)[10] == 1.125
    model.release()


def _populate(model, pop):
    """Put pop[t] residents (slots) in township t's first village."""
    c = model.county
    first_village = [int(np.flatnonzero(c.village_township == t)[0]) for t in range(len(pop))]
    assert sum(pop) == c.residents.n
    c.residents.village[:] = np.repeat(first_village, pop)


def test_sub_centres_are_the_most_populous_townships_even_empty_ones(tiny):
    """n = 1: township 1 when it has more residents; n = 2 with everyone in township 0:
    both, the empty township 1 second."""
    model = tiny("secondment=rotation", "secondment.targets=sub_centres")
    rot = _rotation(model)
    n = model.residents.n
    for n_sub, pop, want in ((1, [n // 2 - 1, n - n // 2 + 1], [11]), (2, [n, 0], [10, 11])):
        rot.n_sub_centres = n_sub
        _populate(model, pop)
        rot.setup(model)
        assert rot._target_ids.tolist() == want
    model.release()


def test_sub_centres_tied_on_population_go_to_the_lowest_township_ids(tiny):
    """23 townships: 10 (ids 10-12) with 700 residents, the rest 470. The five most
    populous: 10, 11, 12, then the lowest ids among the tied ones, 0 and 1."""
    model = tiny(
        "county.residents=11500",
        "county.residents_per_township=500",
        "county.residents_per_village=500",
        "secondment=rotation",
        "secondment.targets=sub_centres",
        "secondment.n_sub_centres=5",
        "secondment.specialists_per_township=0.1",
    )
    c = model.county
    assert c.n_townships == 23 and c.residents.n == 11_500
    _populate(model, [470] * 10 + [700] * 3 + [470] * 10)
    rot = _rotation(model)
    rot.setup(model)
    assert (rot._target_ids - c.n_villages).tolist() == [0, 1, 10, 11, 12]
    model.release()


def test_consortia_rechoose_their_townships_each_year_by_last_years_need(tiny):
    """One consortium of both townships, n = 1. Year 0: the more populous (more enrolled
    residents served). Year 1: the other one, which referred 100 patients up last year."""
    model = tiny(
        "county.consortia=one",
        "secondment=rotation",
        "secondment.targets=by_consortium",
        "secondment.n_sub_centres=1",
        "secondment.specialists_per_township=0.5",
        "sim.years=2",
    )
    rot, (cons,) = _rotation(model), model.consortia
    _, served = cons.enrolled_served()
    first = int(np.argmax(served))
    assert rot._target_ids.tolist() == [10 + first]
    other = 1 - first
    model.metrics.fac_referrals_up[0, 10 + other] = 100
    model.day = 365
    rot.on_year_start(model)
    assert rot._target_ids.tolist() == [10 + other]
    model.release()


@pytest.mark.parametrize("targets, n_sub, want", [("by_consortium", 4, [10, 11]), ("[0]", 4, [10])])
def test_year_start_keeps_fixed_targets_and_rechooses_consortium_ones(tiny, targets, n_sub, want):
    """Two consortia of one township each: n = 4 gives each its own (10, 11) every year;
    a fixed list stays as it is."""
    model = tiny(
        "secondment=rotation",
        f"secondment.targets={targets}",
        f"secondment.n_sub_centres={n_sub}",
        "secondment.specialists_per_township=0.5",
        "sim.years=2",
    )
    rot = _rotation(model)
    model.day = 365
    rot.on_year_start(model)
    assert rot._target_ids.tolist() == want
    _on_day(model, 365)
    assert rot.doctor_delta(model)[want].tolist() == [0.5] * len(want)
    model.release()


def test_a_rotation_before_its_start_year_is_not_running(tiny):
    model = _rot_model(tiny, "secondment.start_year=1")
    rot = _rotation(model)
    assert not rot.running(model)
    model.day = 365
    assert rot.running(model)
    model.release()


def test_skill_transfer_closes_a_gap_below_one_in_proportion(tiny):
    """Centre capability 1.8: gap 2.3 - 1.8 = 0.5, closed 0.01 x 0.5 = 0.005 of it a day:
    +0.0025, plus 0.5 presence."""
    model = _rot_model(tiny, "care.capability=[0.2,1.8,2.3,4.0]")
    _on_day(model, 0)
    assert _rotation(model).capability_delta(model)[10] == pytest.approx(0.5 + 0.0025, rel=1e-12)
    model.release()


def test_skill_transfer_closes_at_most_the_whole_gap_in_a_day(tiny):
    """0.1 a doctor-day x 20 doctors = 2, capped at 1: one day closes the gap 2.3 - 1.2."""
    model = _rot_model(tiny, skill="0.1")
    _rotation(model)._per_township = 20.0
    _on_day(model, 0)
    assert _rotation(model).capability_delta(model)[10] == pytest.approx(0.5 + 1.1, rel=1e-12)
    model.release()


def test_secondment_costs_go_to_seconded_staff_and_restart_every_year(tiny):
    """Year 0: days 0, 1, 2 x 0.5 doctor x ¥180 = 27,000 fen, charged to the county
    hospitals by their doctors; year 1 (days 365, 366, both weekdays 1 and 2 of the week):
    18,000 fen, nothing carried over."""
    model = _rot_model(tiny)
    rot, led = _rotation(model), model.ledger
    for day in (0, 1, 2):
        _on_day(model, day)
    model.day = 364
    money = model.metrics.fac_money["secondment_cost_fen"]
    money[0, [12, 13]] = 1_000  # the row adds up: 1,000 fen already there
    rot.on_year_end(model)
    # 27,000 fen shared by the county hospitals' doctors 3.15 : 1.35 = 18,900 : 8,100
    assert money[0, [12, 13]].tolist() == [19_900, 9_100] and money[0].sum() == 29_000
    for day in (365, 366):
        _on_day(model, day)
    model.day = 2 * 365 - 1
    rot.on_year_end(model)
    got = [led.total(y, kind="secondment_cost", source="county", destination="seconded_staff")
           for y in (0, 1)]  # fmt: skip
    assert got == [27_000, 18_000]
    model.release()


def test_a_one_fen_secondment_cost_is_booked(tiny):
    """¥0.01 allowance, no travel, 1 doctor for one day: 1 fen."""
    model = _rot_model(
        tiny,
        "secondment.allowance_per_day_yuan=0.01",
        "secondment.travel_per_day_yuan=0",
        specialists="1.0",
    )
    _on_day(model, 0)
    model.day = 364
    _rotation(model).on_year_end(model)
    assert model.ledger.total(0, kind="secondment_cost") == 1
    model.release()


def test_no_seconded_day_reports_zero_doctor_days(tiny):
    model = _rot_model(tiny)
    assert _rotation(model).yearly_metrics(model) == {"secondment_doctor_days": 0.0}
    model.release()


def test_the_later_prepaid_share_applies_from_its_calendar_year_on():
    from countysim.policies import Bundled

    b = Bundled(prepay_share=0.95, prepay_share_from=2023, later_prepay_share=0.99)
    assert [b.prepay_share_in(y) for y in (2022, 2023, 2024)] == [0.95, 0.99, 0.99]
    assert Bundled(prepay_share=0.95, prepay_share_from=0).prepay_share_in(2023) == 0.95


def test_the_budget_of_each_year_uses_that_calendar_years_prepaid_share(tiny):
    """Start 2022, 99% from 2023: the second and third simulated years (2023, 2024) prepay
    99% of what remains after the reserve and the catastrophic premium, the first 95%."""
    model = tiny(
        "payment=bundled",
        "sim.years=3",
        "sim.start_calendar_year=2022",
        "payment.prepay_share_from=2023",
    )
    model.run()
    led = model.ledger
    for year, share in ((0, 0.95), (1, 0.99), (2, 0.99)):
        income = led.total(year, kind="subsidy") + led.total(year, kind="premium")
        rest = (
            income
            - led.total(year, kind="risk_reserve")
            - led.total(year, kind="catastrophic_premium")
        )
        assert led.total(year, kind="prepayment") == round(rest * share), year
