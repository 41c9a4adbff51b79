"""Triage and secondment policy hooks on the tiny county (issue 11), values by hand.

The tiny county: 10 villages, townships 0 and 1 (facilities 10, 11), county hospitals 12
and 13 (3.15 and 1.35 doctors, capability 2.3), out of county 14. Insurance is set to the
round schedule of test_mech_insurance (outpatient 0.6 / 0.5 / 0.4 / 0.2; inpatient 0.4 /
0.3 / 0.25 after the in-list share 0.5; deductibles ¥0 / 100 / 300 / 1000).
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.delivery import deliver
from countysim.care.demand import Episodes
from countysim.care.routing import Routed
from countysim.metrics import C
from countysim.model import CountyModel
from countysim.policies import FeeForService, NoSecondment, OpenAccess, Policy

from .conftest import make

ROUND_INSURANCE = (
    "insurance.outpatient_reimbursement=[0.6,0.5,0.4,0.2]",
    "insurance.inpatient_reimbursement=[0.0,0.8,0.6,0.5]",
    "insurance.in_list_share=0.5",
    "insurance.inpatient_deductible_yuan=[0,100,300,1000]",
)
GATE = ("triage=gatekeeping", "triage.level_step=0.15", "triage.bypass_penalty=0.15")
GATE += ("triage.out_of_county_penalty=0.1", "triage.bypass_disutility=0.5")
GATE += ("care.travel_per_hour=1.2",)  # the trip to the own centre the numbers below assume
ROTATION = ("secondment=rotation", "secondment.targets=[0]")
ROTATION += ("secondment.specialists_per_township=0.5", "secondment.skill_transfer_rate=0.01")
ROTATION += ("secondment.presence_capability=0.5", "secondment.years=1", "sim.years=2")


def _policy(model, cls_name):
    return next(p for p in model.policies if type(p).__name__ == cls_name)


# (level, inpatient, referred, delta). Level step 0.15 around the county share (outpatient
# 0.4, inpatient 0.3): outpatient village target 0.7 vs 0.6 -> +0.10, township 0.55 vs 0.5
# -> +0.05, out 0.25 vs 0.2 already lower -> 0; inpatient township 0.45 vs 0.4 -> +0.05,
# out 0.15 vs 0.25 -> -0.10. Then -0.15 for outpatient care at county level and above
# unreferred, and -0.10 more for leaving the county unreferred.
GATE_DELTAS = [
    (0, False, False, 0.10),
    (1, False, False, 0.05),
    (2, False, False, -0.15),
    (2, False, True, 0.0),
    (3, False, False, -0.25),
    (3, False, True, 0.0),
    (1, True, False, 0.05),
    (2, True, False, 0.0),
    (3, True, False, -0.20),
    (3, True, True, -0.10),
]


def test_gatekeeping_reimbursement_delta_level_step_bypass_and_leaving(tiny):
    """Gatekeeping.reimbursement_delta, and the model's summed delta, on every case."""
    model = tiny(*ROUND_INSURANCE, *GATE)
    lv, inp, ref, want = (np.array(x) for x in zip(*GATE_DELTAS, strict=True))
    got = _policy(model, "Gatekeeping").reimbursement_delta(model, lv, inp, ref)
    np.testing.assert_allclose(got, want, atol=1e-12)
    np.testing.assert_allclose(model.reimbursement_delta(lv, inp, ref), want, atol=1e-12)
    model.release()


def test_gatekeeping_utility_delta_hassle_for_bypass_and_pull_for_contracted_follow_ups(tiny):
    """Columns village, township, county x2, out: outpatients the better of the hassle of
    going straight (-0.5) and asking for a referral first (test_mech_referral.py: here
    -0.40 to -0.45) at county level and above, inpatients nothing; contracted follow-ups
    +1 at village and township."""
    model = tiny(*GATE, "triage.contract_primary_utility=1.0")
    gate = _policy(model, "Gatekeeping")
    gate._contracted[:] = False
    gate._contracted[[1, 3]] = True
    ep = Episodes(
        np.array([0, 0, 1, 2, 3]),
        np.zeros(5, np.int8),
        np.array([False, True, False, False, True]),
        np.array([False, False, True, True, True]),
    )
    model.step()  # the year's out-of-pocket tables
    d = gate.utility_delta(model, ep)
    want = [
        [0, 0],  # an outpatient
        [0, 0],  # an inpatient
        [1, 1],  # a contracted follow-up
        [0, 0],  # an uncontracted follow-up
        [1, 1],  # a contracted inpatient follow-up (no hassle for inpatients)
    ]
    np.testing.assert_allclose(d[:, :2], want)
    outpatient = ~ep.inpatient
    assert (d[outpatient, 2:] > -0.46).all() and (d[outpatient, 2:] < -0.39).all()
    assert (d[~outpatient, 2:] == 0).all()
    model.release()


def test_gatekeeping_contracts_cover_the_key_population_at_the_declared_share(tiny):
    """Contracted / key population ~ 0.81 within 4 binomial SEs; nobody else contracted."""
    model = tiny(*GATE, "triage.contract_coverage=0.81")
    gate = _policy(model, "Gatekeeping")
    res = model.residents
    key = res.alive & ((res.chronic != 0) | (res.age >= 65))
    n = int(key.sum())
    assert n > 500  # tiny: enough key residents for a 4-SE band of about +-0.07
    se = np.sqrt(0.81 * 0.19 / n)
    assert abs(gate._contracted[key].mean() - 0.81) <= 4 * se
    assert not gate._contracted[~key].any()
    model.release()


def test_gatekeeping_adds_the_missing_follow_ups_of_contracted_patients(tiny):
    """Two contracted patients with 1 and 3 conditions; norm 52, routine 2.5 a year:
    (52 - 2.5) x 4 conditions / 365 = 0.5425 follow-ups a day, chosen 1 : 3."""
    model = tiny(*GATE, "triage.contract_followups_per_year=52")
    gate = _policy(model, "Gatekeeping")
    k = np.zeros(model.residents.n, dtype=np.int64)
    k[[7, 9]] = [1, 3]
    model.chronic.k = k
    gate._contracted[:] = False
    gate._contracted[[7, 9, 11]] = True  # 11 has no condition: no follow-ups
    gate._plan_followups(model)
    lam = (52 - 2.5) * 4 / 365
    assert gate._followups_per_day == pytest.approx(lam)
    days = 4000
    drawn = [gate.extra_episodes(model) for _ in range(days)]
    eps = [e for e in drawn if e is not None]
    who = np.concatenate([e.resident for e in eps])
    # Poisson total over 4,000 days: mean 2,170, SE sqrt(2,170) = 47; 4 SEs
    assert abs(who.size - lam * days) <= 4 * np.sqrt(lam * days)
    # share of patient 9: 3/4, SE sqrt(0.75 x 0.25 / ~2,170) ~ 0.009; 4 SEs
    assert abs((who == 9).mean() - 0.75) <= 4 * np.sqrt(0.75 * 0.25 / who.size)
    assert set(who.tolist()) == {7, 9}
    assert all(e.followup.all() and not e.inpatient.any() and (e.severity == 0).all() for e in eps)
    assert model.metrics.yearly_extra[0]["contract_followups"] == who.size
    model.release()


class _Fixed:
    """Stands in for the stay and cost streams: stays of 1 + 4 days, bills at list price."""

    def poisson(self, lam):
        return np.full(np.shape(lam), 4, dtype=np.int64)

    def lognormal(self, mean, sigma, size):
        return np.ones(size)


@pytest.mark.parametrize("gate", [False, True])
def test_two_way_referral_floor_and_one_deductible_along_the_chain(tiny, gate):
    """A county admission, severity 2, stay 5 (¥8,690 at list price), sent down to convalesce:
    2 days at the township (rint(5 x 0.4)), 2 x ¥317.5 = 63,500 fen.
    Open access, sent down by the hospital's own decision (1.0): the step-down pays the
    township deductible: (63,500 - 10,000) x 0.4 = 21,400 fen. Gatekeeping, decision 0 but
    the protocol's floor 1.0: no second deductible: 63,500 x 0.4 = 25,400 fen.
    The county line is 869,000 x 0.6 = 521,400 fen: (521,400 - 30,000) x 0.3 = 147,420."""
    extra = ("triage=gatekeeping", "triage.level_step=0", "triage.down_referral_share=1.0")
    extra = extra if gate else ()
    model = tiny(*ROUND_INSURANCE, *extra, "care.convalescent_share=0.4", "sim.years=1")
    model.streams._cache["stay"] = model.streams._cache["cost"] = _Fixed()
    model.decisions["down_referral"][:] = 0.0 if gate else 1.0
    res = model.residents
    res.enrolled[0] = True
    cty = int(model.county.county_facilities[0])
    ep = Episodes(np.array([0]), np.array([2], np.int8), np.array([True]), np.array([False]))
    none = np.zeros(0, np.int64)
    claims = deliver(model, ep, Routed(np.array([cty]), np.array([True]), none, none, 0))
    assert claims.convalescent.tolist() == [False, True]
    assert claims.cost_fen.tolist() == [521_400, 63_500]
    assert claims.reimbursed_fen.tolist() == [147_420, 25_400 if gate else 21_400]
    model.release()


def _day(model, day):
    model.day = day
    rot = _policy(model, "Rotation")
    rot.on_day(model)
    return rot


def test_rotation_moves_doctors_and_capability_on_present_days(tiny):
    """0.5 doctor at township 0 (facility 10) on days 0-4 of each week, taken from the
    county hospitals by their doctors 3.15 : 1.35 = 0.7 : 0.3; capability +0.5 while there
    and the skill gain (2.3 - 1.2) x 0.01 x 0.5 = 0.0055 per present day."""
    model = tiny(*ROTATION)
    town = model.county.n_villages
    rot = _day(model, 0)
    dd = rot.doctor_delta(model)
    want = np.zeros(model.county.facilities.n)
    want[town], want[12], want[13] = 0.5, -0.35, -0.15
    np.testing.assert_allclose(dd, want, atol=1e-12)
    cap = rot.capability_delta(model)
    assert cap[town] == pytest.approx(0.5 + 0.0055) and np.delete(cap, town).sum() == 0
    model._apply_staffing()
    assert model.doctors[town] == pytest.approx(18.5) and model.capability[town] == pytest.approx(
        1.2 + 0.5055
    )
    _day(model, 1)  # a second present day closes 0.005 of the remaining gap 1.1 - 0.0055
    gain = 0.0055 + (1.1 - 0.0055) * 0.005
    assert rot._gain[town] == pytest.approx(gain)
    _day(model, 5)  # day 5 of the week: nobody present, the gain stays (still supported)
    assert rot.doctor_delta(model) is None
    assert rot.capability_delta(model)[town] == pytest.approx(gain)
    # after the rotation (years = 1), the gain decays by (1 - 0.2)^(1/365) a day
    _day(model, 365)
    _day(model, 366)
    assert rot._gain[town] == pytest.approx(gain * 0.8 ** (2 / 365))
    assert rot.doctor_delta(model) is None
    model.release()


def test_rotation_with_no_specialists_changes_nothing_at_the_targets(tiny):
    """specialists_per_township = 0 (a sweep's control arm): on every weekday nobody is
    present, so the target gains neither doctors nor the presence's capability, and a year
    of it gives the same facility volumes as no secondment. (Defect: the presence's
    capability was added whenever it was a weekday, with nobody there.)"""
    none = tiny("sim.years=1")
    zero = tiny("secondment=rotation", "secondment.targets=[0]",
                "secondment.specialists_per_township=0", "sim.years=1")  # fmt: skip
    rot = _policy(zero, "Rotation")
    for _ in range(7):
        zero.step()
        assert rot.doctor_delta(zero) is None and rot.capability_delta(zero) is None
    none.run()
    zero.run()
    np.testing.assert_array_equal(zero.metrics.fac_visits, none.metrics.fac_visits)
    np.testing.assert_array_equal(zero.metrics.fac_admissions, none.metrics.fac_admissions)
    none.release()
    zero.release()


def test_rotation_books_allowance_and_travel_per_seconded_doctor_day(tiny):
    """Three present days x 0.5 doctor x (¥100 + ¥80) = ¥270, paid by the county hospitals
    (split 0.7 : 0.3 = 18,900 : 8,100 fen); no cost on absent days."""
    model = tiny(*ROTATION)
    for day in (0, 1, 2, 5, 6):
        _day(model, day)
    model.day = 364
    rot = _policy(model, "Rotation")
    rot.on_year_end(model)
    assert model.ledger.total(0, kind="secondment_cost", source="county") == 27_000
    assert model.metrics.fac_money["secondment_cost_fen"][0, [12, 13]].tolist() == [18_900, 8_100]
    assert model.metrics.yearly_extra[0]["secondment_doctor_days"] == pytest.approx(1.5)
    model.release()


def test_gatekeeping_contracts_follow_the_population(tiny):
    """Coverage 1: a resident newly in the key population (a new condition) is contracted;
    the dead and the newborns (in reused slots) hold no contract; the rest keep theirs."""
    model = tiny(*GATE, "triage.contract_coverage=1.0")
    gate = _policy(model, "Gatekeeping")
    res = model.residents
    key = (res.chronic != 0) | (res.age >= 65)
    assert (gate._contracted == key).all()  # coverage 1: the whole key population
    new, dead, born = (int(i) for i in (np.flatnonzero(~key)[0], *np.flatnonzero(key)[:2]))
    res.chronic[new] = 1
    res.alive[dead] = False
    res.age[born], res.chronic[born] = 0, 0
    kept = np.flatnonzero(key)[2:]
    gate.on_population(model, np.array([born]))
    assert gate._contracted[new] and not gate._contracted[dead] and not gate._contracted[born]
    assert gate._contracted[kept].all()
    model.release()


class _Probe(Policy):
    """A triage policy whose hooks have fixed, visible effects."""

    def __init__(self, extra: np.ndarray) -> None:
        super().__init__()
        self.extra, self.seen, self.claims = extra, [], None

    def extra_episodes(self, model):
        n = self.extra.size
        return Episodes(self.extra, np.zeros(n, np.int8), np.zeros(n, bool), np.zeros(n, bool))

    def utility_delta(self, model, ep):
        self.seen.append(ep.n)
        delta = np.zeros((ep.n, model.careseeking.n_cols), dtype=np.float32)
        delta[:, 1] = 50.0  # every episode's first choice: its township centre
        return delta

    def on_claims(self, model, claims):
        self.claims = claims


def test_the_model_applies_each_daily_hook_of_an_active_policy():
    """One day with a probe policy: its 3 extra episodes join the day's (residents without
    a chronic condition: none is averted), its utility delta sends every first contact to
    a township centre (no village visit, no self-referral), and it sees the claim lines."""
    cfg, _ = make(["sim.years=1", "population.dynamic=false"])
    plain = CountyModel(cfg, [FeeForService(), NoSecondment(), OpenAccess()])
    plain.step()
    healthy = np.flatnonzero(plain.residents.chronic == 0)[:3]
    probe = _Probe(healthy)
    model = CountyModel(cfg, [FeeForService(), NoSecondment(), probe])
    model.step()
    row, base = model.metrics.daily[0], plain.metrics.daily[0]
    assert row[C["episodes"]] == base[C["episodes"]] + 3 == probe.seen[0]
    assert row[C["visits_l0"]] == 0 and base[C["visits_l0"]] > 0
    assert row[C["self_referrals"]] == 0
    assert (
        probe.claims is not None
        and probe.claims.n
        == row[C["treated"]] + row[C["referral_steps_up"]] + row[C["stepdown_admissions"]]
    )
    plain.release()
    model.release()


@pytest.mark.parametrize("targets, n_sub", [("all", 1), ("sub_centres", 1), ("[1]", 1)])
def test_rotation_targets_resolve_to_township_centres(tiny, targets, n_sub):
    """'all': both centres (10, 11); 'sub_centres' with n = 1: the more populous township's
    centre; a list: those townships' centres."""
    model = tiny(
        "secondment=rotation",
        f"secondment.targets={targets}",
        f"secondment.n_sub_centres={n_sub}",
        "secondment.specialists_per_township=0.5",
    )
    c = model.county
    pop = np.bincount(c.village_township[c.residents.village], minlength=2)
    assert pop[0] != pop[1]  # the tiny county's townships differ in size
    want = {"all": [10, 11], "sub_centres": [10 + int(np.argmax(pop))], "[1]": [11]}[targets]
    assert _policy(model, "Rotation")._target_ids.tolist() == want
    model.release()
