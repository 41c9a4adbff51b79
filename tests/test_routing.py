"""Routing on hand-made inputs: referral chain, consultations, slots, beds, turn-aways."""

from __future__ import annotations

import numpy as np

from countysim.care.demand import Episodes
from countysim.care.routing import route
from countysim.metrics import C

# one village clinic (0), its township (1), one county hospital (2), out of county (3)
COL_LEVEL = np.array([0, 1, 2, 3])
FAC_LEVEL = np.array([0, 1, 2, 3], dtype=np.int8)
CAPABILITY = np.array([0.0, 1.0, 2.0, 3.0])  # certain: P(treat s) is 0 or 1 for these cases
BIG = 1 << 40


def _episodes(severity, inpatient):
    n = len(severity)
    return Episodes(
        np.arange(n, dtype=np.int64),
        np.asarray(severity, dtype=np.int8),
        np.asarray(inpatient, dtype=bool),
        np.zeros(n, dtype=bool),
    )


def _route(ep, utility, slots, beds, max_turnaways=2, seed=0):
    cand = np.tile(np.arange(4), (ep.n, 1))
    return route(
        ep,
        cand,
        np.asarray(utility, dtype=np.float32),
        COL_LEVEL,
        FAC_LEVEL,
        CAPABILITY,
        slots,
        beds,
        np.random.default_rng(seed),
        max_turnaways,
    )


def test_the_referral_chain_goes_village_township_county_and_each_step_is_a_consultation():
    ep = _episodes([2], [False])
    slots = np.array([5, 5, 5, BIG])
    beds = np.array([0, 5, 5, BIG])
    r = _route(ep, [[3.0, 2.0, 1.0, 0.0]], slots, beds)
    assert r.facility.tolist() == [2]
    assert r.referred.tolist() == [True]
    # two referral steps, each a consultation that used a slot where it happened
    assert r.referrers.tolist() == [0, 1] and r.referral_episode.tolist() == [0, 0]
    assert slots.tolist() == [4, 4, 4, BIG]
    assert beds.tolist() == [0, 5, 5, BIG]


def test_a_county_hospital_refers_the_highest_severity_out_of_county():
    ep = _episodes([3], [True])
    slots = np.array([5, 5, 5, BIG])
    beds = np.array([0, 5, 5, BIG])
    r = _route(ep, [[-np.inf, 0.0, 2.0, 1.0]], slots, beds)
    assert r.facility.tolist() == [3] and r.referrers.tolist() == [2]
    # the consultation at the county used a slot, not a bed; the admission is out of county
    assert slots[2] == 4 and beds[2] == 5


def test_an_inpatient_the_facility_can_treat_takes_a_bed_not_a_slot():
    ep = _episodes([1, 1], [True, True])
    slots = np.array([5, 5, 5, BIG])
    beds = np.array([0, 1, 5, BIG])
    r = _route(ep, [[-np.inf, 2.0, 1.0, 0.0]] * 2, slots, beds)
    # one bed at the township: one admitted there, the other turned away to the county
    assert sorted(r.facility.tolist()) == [1, 2]
    assert beds.tolist() == [0, 0, 4, BIG] and slots.tolist() == [5, 5, 5, BIG]
    assert r.turnaways == 1 and r.referrers.size == 0


def test_a_full_facility_turns_patients_away_and_after_max_turnaways_they_go_untreated():
    ep = _episodes([0] * 3, [False] * 3)
    slots = np.array([1, 0, 0, BIG])
    beds = np.zeros(4, dtype=np.int64)
    # only the village and township are acceptable (county and out of county unreachable)
    util = [[3.0, 2.0, -np.inf, -np.inf]] * 3
    r = _route(ep, util, slots, beds, max_turnaways=1)
    assert sorted(r.facility.tolist()) == [-1, -1, 0]
    assert slots.tolist() == [0, 0, 0, BIG]
    assert r.turnaways == 4  # two at the village, then the same two at the township


def test_referral_patients_and_steps_are_counted_apart(tiny):
    model = tiny("sim.years=1")
    for _ in range(30):
        model.step()
    d = model.metrics.daily[:30]
    patients, steps = d[:, C["referrals_up"]].sum(), d[:, C["referral_steps_up"]].sum()
    consults = sum(d[:, C[f"referral_visits_l{lv}"]].sum() for lv in range(4))
    assert 0 < patients < steps == consults
    # the referring facilities recorded the consultations as visits
    visits = sum(d[:, C[f"visits_l{lv}"]].sum() for lv in range(4))
    assert model.metrics.fac_visits[0].sum() == visits + consults


def test_each_referral_consultation_is_billed_by_the_referring_facility(tiny, monkeypatch):
    import countysim.model as model_module

    seen = []
    real = model_module.deliver

    def spy(model, ep, routed, *rest):
        claims = real(model, ep, routed, *rest)
        seen.append((routed, claims))
        return claims

    monkeypatch.setattr(model_module, "deliver", spy)
    model = tiny("sim.years=1")
    for _ in range(10):
        model.step()
    for routed, claims in seen:
        k = routed.referrers.size
        consult = claims.facility[claims.n - k :]
        assert consult.tolist() == routed.referrers.tolist()
        assert not claims.inpatient[claims.n - k :].any()
        assert (claims.cost_fen[claims.n - k :] > 0).all()
        # every referral step's line is for the episode that was referred
        assert (claims.episode[claims.n - k :] == routed.referral_episode).all()
    assert sum(r.referrers.size for r, _ in seen) > 0
