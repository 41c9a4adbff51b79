"""Referral on request under graded triage (triage=gatekeeping): an outpatient who wants a
county or out-of-county hospital goes straight (penalty and hassle) or first asks the own
township centre for a referral (a consultation, its fee and the trip there); the centre
refers what it cannot treat and a share `referral_on_request` of what it can."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.careseeking import travel_disutility
from countysim.care.demand import Episodes
from countysim.care.routing import route
from countysim.care.waiting import WaitingList
from countysim.metrics import C
from countysim.world.county import COUNTY, TOWNSHIP

GATE = ("triage=gatekeeping", "triage.level_step=0.15", "triage.bypass_penalty=0.15")
GATE += ("care.travel_per_hour=1.2",)  # the trip to the own centre the numbers below assume


def _gate(model):
    return next(p for p in model.policies if type(p).__name__ == "Gatekeeping")


def _episodes(n: int, severity: np.ndarray, inpatient: np.ndarray | None = None) -> Episodes:
    inp = np.zeros(n, bool) if inpatient is None else inpatient
    return Episodes(np.arange(n), severity.astype(np.int8), inp, np.zeros(n, bool))


def _expected_gain(model, ep: Episodes) -> np.ndarray:
    """oop_log x [ln(1 + straight/100) - ln(1 + (referred + consultation)/100)] - D(trip to
    the own centre), per episode and county / out-of-county column, from the tables."""
    care, level = model.cfg.care, model.prices.level
    own = model.insurance.expected_oop_yuan(model.reimbursement_delta)[0] / level
    ref = model.insurance.expected_oop_yuan(model.reimbursement_delta, referred=True)[0] / level
    cols = model.careseeking.col_level
    hi = cols[cols >= COUNTY]
    village = model.residents.village[ep.resident]
    out = np.empty((ep.n, hi.size))
    for i in range(ep.n):
        s = int(ep.severity[i])
        trip = travel_disutility(model.county.travel_min[village[i], TOWNSHIP], care)
        for j, lv in enumerate(hi):
            straight = np.log1p(own[lv, s] / 100.0)
            referred = np.log1p((ref[lv, s] + own[TOWNSHIP, s]) / 100.0)
            out[i, j] = care.oop_log * (straight - referred) - trip
    return out


@pytest.mark.parametrize("hassle", [0.0, 0.42, 5.0])
def test_the_county_columns_get_the_better_of_going_straight_and_asking_first(tiny, hassle):
    """Outpatients' county and out-of-county columns: max(-hassle, gain of asking first);
    inpatients' nothing (the rule is for outpatient care). The tiny county's gains are
    -0.40 to -0.45: hassle 0.42 splits them."""
    model = tiny(*GATE, f"triage.bypass_disutility={hassle}")
    model.step()  # the year's tables are set on day 0
    n = 8
    ep = _episodes(n, np.arange(n) % 4)
    want = np.maximum(_expected_gain(model, ep), -hassle)
    cols = model.careseeking.col_level >= COUNTY
    got = _gate(model).utility_delta(model, ep)[:, cols]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    inp = _episodes(n, np.arange(n) % 4, np.ones(n, bool))
    assert (_gate(model).utility_delta(model, inp)[:, cols] == 0).all()
    model.release()


def test_an_outpatient_asks_only_if_a_county_column_is_first_and_asking_beats_going_straight(
    tiny,
):
    """Rows: first choice county, severity 0 (asks iff gain > -hassle), out of county,
    severity 2 (likewise),
    the township centre (no), an inpatient at the county (no), an outpatient who cannot
    reach the own centre today (no)."""
    model = tiny(*GATE, "triage.bypass_disutility=0.42")
    model.step()
    cols = model.careseeking.col_level
    county, out = int(np.flatnonzero(cols == COUNTY)[0]), int(np.flatnonzero(cols > COUNTY)[0])
    first = [county, out, 1, county, county]
    util = np.zeros((5, cols.size), np.float32)
    util[np.arange(5), first] = 1.0
    util[4, 1] = -np.inf
    ep = _episodes(5, np.array([0, 2, 0, 0, 0]), np.array([0, 0, 0, 1, 0], bool))
    gain = _expected_gain(model, ep)
    hi = np.flatnonzero(cols >= COUNTY)
    at = [int(np.flatnonzero(hi == c)[0]) if c in hi else 0 for c in first]
    asks = gain[np.arange(5), at] > -0.42
    want = [bool(asks[0]), bool(asks[1]), False, False, False]
    assert want == [True, False, False, False, False]  # gains -0.40 and -0.45
    assert _gate(model).referral_requests(model, ep, util).tolist() == want
    _gate(model).utility_delta(model, ep)  # as in a day: the gains are kept for these episodes
    assert _gate(model).referral_requests(model, ep, util).tolist() == want
    model.release()


def test_the_gains_kept_from_utility_delta_are_read_at_the_asking_rows(tiny):
    """referral_requests reads the day's kept gains of the same episodes at the rows whose
    first choice is a county column, not the first rows and not a fresh computation: the
    kept gains are replaced by marks (+10 for row 3 only) that a fresh computation (-0.40 for
    every row here) or a prefix read (rows 0-2) would not give."""
    model = tiny(*GATE, "triage.bypass_disutility=0.42")
    model.step()
    cols = model.careseeking.col_level
    county = int(np.flatnonzero(cols == COUNTY)[0])
    first = [1, 1, county, county, county]  # the centre, the centre, then three asking rows
    util = np.zeros((5, cols.size), np.float32)
    util[np.arange(5), first] = 1.0
    ep = _episodes(5, np.zeros(5))
    gate = _gate(model)
    fresh = gate.referral_requests(model, ep, util).tolist()
    assert fresh == [False, False, True, True, True]  # computed: every gain -0.40 > -0.42
    gate.utility_delta(model, ep)
    assert gate._gain_of is not None and gate._gain_of[0] is ep
    marks = np.full_like(gate._gain_of[1], -10.0)
    marks[3, :] = 10.0
    gate._gain_of = (ep, marks)
    assert gate.referral_requests(model, ep, util).tolist() == [False, False, False, True, False]
    other = _episodes(5, np.zeros(5))  # other episodes: computed again, the marks not read
    assert gate.referral_requests(model, other, util).tolist() == fresh
    model.release()


# facilities: village clinic 0, township centre 1, county hospital 2, out of county 3
COL_LEVEL = np.array([0, 1, 2, 3])
FAC_LEVEL = np.array([0, 1, 2, 3], dtype=np.int8)
BIG = 1 << 40


def _route(ep, first, slots, capability, ask, on_request, held=None, seed=0):
    """Route with every episode's first choice column `first` (then the others in order)."""
    util = np.tile(np.array([0.0, 1.0, 2.0, 3.0], np.float32), (ep.n, 1))
    util[np.arange(ep.n), first] = 10.0
    beds = np.array([0, 5, 5, BIG])
    cand = np.tile(np.arange(4), (ep.n, 1))
    return route(ep, cand, util, COL_LEVEL, FAC_LEVEL, np.asarray(capability, float), slots,
                 beds, np.random.default_rng(seed), 2, ask, on_request, held)  # fmt: skip


def test_an_asking_outpatient_is_referred_by_its_centre_to_the_facility_it_chose():
    """Severity 0, first choice the county (2), asking, centre refers on request: a
    consultation at the centre (a slot there), then the county, referred."""
    ep = _episodes(1, np.array([0]))
    slots = np.array([5, 5, 5, BIG])
    r = _route(ep, [2], slots, [0.0, 1.0, 2.0, 3.0], np.array([True]), 1.0)
    assert r.facility.tolist() == [2] and r.referred.tolist() == [True]
    assert r.referrers.tolist() == [1] and r.referral_episode.tolist() == [0]
    assert slots.tolist() == [5, 4, 4, BIG]
    # the same patient choosing out of the county is referred there, not to the county
    r = _route(ep, [3], np.array([5, 5, 5, BIG]), [0.0, 1.0, 2.0, 3.0], np.array([True]), 1.0)
    assert r.facility.tolist() == [3] and r.referrers.tolist() == [1]


def test_a_strict_centre_treats_what_it_can_and_refers_what_it_cannot():
    """on_request 0: severity 0 (the centre, capability 1, treats it for sure) is kept and
    treated there, unreferred; severity 2 (it cannot) is referred to the county."""
    ep = _episodes(2, np.array([0, 2]))
    slots = np.array([5, 5, 5, BIG])
    r = _route(ep, [2, 2], slots, [0.0, 1.0, 2.0, 3.0], np.array([True, True]), 0.0)
    assert r.facility.tolist() == [1, 2] and r.referred.tolist() == [False, True]
    assert r.referrers.tolist() == [1] and r.referral_episode.tolist() == [1]
    assert slots.tolist() == [5, 3, 4, BIG]


def test_at_a_full_centre_the_patient_goes_straight_without_a_referral():
    ep = _episodes(1, np.array([0]))
    slots = np.array([5, 0, 5, BIG])
    r = _route(ep, [2], slots, [0.0, 1.0, 2.0, 3.0], np.array([True]), 1.0)
    assert r.facility.tolist() == [2] and r.referred.tolist() == [False]
    assert r.referrers.size == 0 and r.turnaways == 1 and slots.tolist() == [5, 0, 4, BIG]


def test_a_referral_held_from_an_earlier_day_needs_no_new_consultation():
    ep = _episodes(1, np.array([0]))
    slots = np.array([5, 5, 5, BIG])
    r = _route(ep, [2], slots, [0.0, 1.0, 2.0, 3.0], np.array([False]), 1.0, np.array([True]))
    assert r.facility.tolist() == [2] and r.referred.tolist() == [True]
    assert r.referrers.size == 0 and slots.tolist() == [5, 5, 4, BIG]


@pytest.mark.parametrize("can, share", [(1.0, 0.0), (0.0, 0.0), (0.5, 0.5), (0.8, 0.25)])
def test_the_centre_keeps_what_it_can_treat_unless_it_refers_on_request(can, share):
    """P(kept) = P(it can treat) x (1 - share on request), P(it can treat) = clip(capability
    - severity + 1, 0, 1) (severity 1, the centre's capability `can`); n = 40,000, 4
    binomial SEs. Nobody asking draws nothing more than routing does."""
    n = 40_000
    ep = _episodes(n, np.ones(n))
    cap = [0.0, can, 3.0, 3.0]
    r = _route(ep, np.full(n, 2), np.array([0, BIG, BIG, BIG]), cap, np.ones(n, bool), share)
    kept = int((r.facility == 1).sum())
    assert kept + int((r.facility == 2).sum()) == n and r.referrers.size == n - kept
    p = can * (1.0 - share)
    assert abs(kept / n - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12
    plain = _route(ep, np.full(n, 2), np.array([0, BIG, BIG, BIG]), cap, None, share)
    same = _route(ep, np.full(n, 2), np.array([0, BIG, BIG, BIG]), cap, np.zeros(n, bool), share)
    assert (plain.facility == same.facility).all() and (plain.facility == 2).all()


def test_a_strict_gatekeeper_keeps_county_visits_down_and_primary_care_up(tiny):
    """Tiny county, 90 days, same seed, nobody put off by the rule (hassle 5): a centre
    referring every request (share 1) sends its askers on to the county, one that refers
    only what it cannot treat (share 0) treats most of them itself: fewer county visits,
    and the township's visits (consultations or treatment) about the same."""
    counts = {}
    for share in (0.0, 1.0):
        m = tiny(*GATE, "triage.bypass_disutility=5", f"triage.referral_on_request={share}")
        for _ in range(90):
            m.step()
        s = m.metrics.daily[:90].sum(axis=0)
        counts[share] = (s[C["visits_l2"]], s[C["visits_l1"]] + s[C["referral_visits_l1"]])
        m.release()
    (strict_cty, strict_twp), (free_cty, free_twp) = counts[0.0], counts[1.0]
    assert strict_cty < 0.8 * free_cty, counts
    assert abs(strict_twp - free_twp) < 0.1 * free_twp, counts


def test_a_waiting_episode_keeps_its_referral_into_the_next_day(tiny, monkeypatch):
    """The model hands routing the referrals its queue holds: yesterday's referred and
    unreferred waiting episodes arrive as held and not held (last in the day's list)."""
    import countysim.model as cm

    model = tiny(*GATE)
    model.step()
    res = np.array([0, 1])
    model.waiting = WaitingList(
        Episodes(res, np.array([2, 2], np.int8), np.zeros(2, bool), np.zeros(2, bool)),
        np.array([1, 1]),
        np.array([True, False]),
    )
    seen = {}
    real = cm.route

    def spy(*args, **kwargs):
        seen["held"], seen["ask"] = args[12].copy(), args[10]
        return real(*args, **kwargs)

    monkeypatch.setattr(cm, "route", spy)
    model.step()
    assert seen["held"][-2:].tolist() == [True, False] and not seen["held"][:-2].any()
    assert not seen["ask"][-2]  # a held referral is not asked for again
    model.release()
