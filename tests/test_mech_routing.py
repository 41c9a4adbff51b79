"""Routing mechanism on hand-made inputs (issue 11): referral chain, capability, capacity.

Facilities: village clinic 0, township centre 1, county hospitals 2 and 3, out of county
4; candidate columns are the facilities in that order. Capabilities are whole numbers
unless a test is about the treatment probability clip(capability - s + 1, 0, 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.capacity import UNLIMITED
from countysim.care.demand import Episodes
from countysim.care.routing import route

COL_LEVEL = np.array([0, 1, 2, 2, 3])
FAC_LEVEL = np.array([0, 1, 2, 2, 3], dtype=np.int8)
CERTAIN = np.array([0.0, 1.0, 2.0, 2.0, 3.0])  # P(treat s) is 0 or 1 for whole severities
NEG = -np.inf


def _episodes(severity, inpatient) -> Episodes:
    n = len(severity)
    return Episodes(
        np.arange(n, dtype=np.int64),
        np.asarray(severity, dtype=np.int8),
        np.asarray(inpatient, dtype=bool),
        np.zeros(n, dtype=bool),
    )


def _route(ep, utility, slots, beds, capability=CERTAIN, max_turnaways=2, seed=0):
    util = np.asarray(utility, dtype=np.float32)
    if util.shape[0] == 1 and ep.n > 1:
        util = np.repeat(util, ep.n, axis=0)
    cand = np.tile(np.arange(5), (ep.n, 1))
    return route(
        ep,
        cand,
        util,
        COL_LEVEL,
        FAC_LEVEL,
        np.asarray(capability, dtype=np.float64),
        slots,
        beds,
        np.random.default_rng(seed),
        max_turnaways,
    )


def _plenty():
    return np.array([50, 50, 50, 50, UNLIMITED]), np.array([0, 50, 50, 50, UNLIMITED])


def test_the_whole_referral_chain_village_township_county_out_of_county():
    """Severity 3 first seen at the village climbs every level: three consultations."""
    slots, beds = _plenty()
    r = _route(_episodes([3], [True]), [[NEG, 0.0, 0.0, 0.0, 0.0]], slots, beds)
    # an inpatient cannot start at the village (utility -inf): first contact is the township
    assert r.referrers.tolist() == [1, 2] and r.facility.tolist() == [4]
    r = _route(_episodes([3], [False]), [[4.0, 3.0, 2.0, 1.0, 0.0]], slots, beds)
    # village (cap 0) -> township (cap 1) -> county hospital 2 (cap 2) -> out of county
    assert r.referrers.tolist() == [0, 1, 2] and r.referral_episode.tolist() == [0, 0, 0]
    assert r.facility.tolist() == [4] and r.referred.tolist() == [True]


@pytest.mark.parametrize("severity, chain, placed", [(0, [], 0), (1, [0], 1), (2, [0, 1], 2)])
def test_each_level_keeps_what_it_can_treat_and_refers_the_rest_one_level_up(
    severity, chain, placed
):
    """An outpatient starting at the village stops at the first level able to treat it."""
    slots, beds = _plenty()
    r = _route(_episodes([severity], [False]), [[4.0, 3.0, 2.0, 1.0, 0.0]], slots, beds)
    assert r.referrers.tolist() == chain and r.facility.tolist() == [placed]
    assert r.referred.tolist() == [bool(chain)]


def test_a_township_refers_to_the_patients_preferred_county_hospital_never_out_of_county():
    """Township -> the county hospital with the highest utility for this patient."""
    slots, beds = _plenty()
    ep = _episodes([2, 2], [True, True])
    util = [[NEG, 5.0, 1.0, 2.0, 3.0], [NEG, 5.0, 2.0, 1.0, 3.0]]
    r = _route(ep, util, slots, beds)
    # both prefer out of county to either county hospital, yet the township refers within
    assert r.referrers.tolist() == [1, 1]
    assert r.facility.tolist() == [3, 2]


@pytest.mark.parametrize(
    "capability, severity, p",
    [(1.3, 2, 0.3), (2.6, 3, 0.6), (0.5, 0, 1.0), (1.3, 3, 0.0), (2.25, 2, 1.0), (0.75, 1, 0.75)],
)
def test_a_facility_treats_severity_s_with_probability_clip_capability_minus_s_plus_1(
    capability, severity, p
):
    """Share kept at the first facility ~ clip(c - s + 1, 0, 1), within 4 binomial SEs."""
    n = 20_000
    cap = CERTAIN.copy()
    cap[1] = capability  # the township centre, where every episode makes first contact
    slots, beds = np.full(5, n, dtype=np.int64), np.full(5, n, dtype=np.int64)
    r = _route(
        _episodes([severity] * n, [False] * n), [[NEG, 1.0, 0.0, 0.0, 0.0]], slots, beds, cap
    )
    kept = float((r.facility == 1).mean())
    # SE of a share of n draws: sqrt(p(1-p)/n) <= 0.0035 at n = 20,000; 4 SEs (two-sided
    # false alarm 6e-5); p = 0 or 1 are exact
    tol = 4 * np.sqrt(p * (1 - p) / n)
    assert abs(kept - p) <= tol
    # every episode not kept was referred up by the township and placed further up
    assert set(r.referral_episode[r.referrers == 1].tolist()) == set(
        np.flatnonzero(r.facility != 1).tolist()
    )
    assert (r.facility >= 0).all()


def test_slots_and_beds_decrement_by_exactly_what_was_used():
    """Visits and consultations take a slot, admissions a bed where they are treated."""
    slots = np.array([10, 10, 10, 10, UNLIMITED])
    beds = np.array([0, 10, 10, 10, UNLIMITED])
    # 0: sev-0 visit at village; 1: sev-1 visit at township; 2: sev-1 admission at township;
    # 3: sev-2 admission first at township (consultation), then county hospital 2's bed;
    # 4: sev-3 admission at county 3 (consultation) then out of county; 5: sev-2 visit at
    # county 3
    ep = _episodes([0, 1, 1, 2, 3, 2], [False, False, True, True, True, False])
    util = [
        [5.0, 1.0, 0.0, 0.0, 0.0],
        [NEG, 5.0, 0.0, 0.0, 0.0],
        [NEG, 5.0, 0.0, 0.0, 0.0],
        [NEG, 5.0, 1.0, 0.0, 0.0],
        [NEG, 0.0, 0.0, 5.0, 0.0],
        [NEG, 0.0, 0.0, 5.0, 0.0],
    ]
    r = _route(ep, util, slots, beds)
    assert r.facility.tolist() == [0, 1, 1, 2, 4, 3]
    # slots: village 1 visit; township 1 visit + 1 consultation; county 2 none; county 3
    # 1 consultation + 1 visit; beds: township 1, county 2 one, county 3 none
    assert slots[:4].tolist() == [9, 8, 10, 8] and slots[4] == UNLIMITED
    assert beds[:4].tolist() == [0, 9, 9, 10] and beds[4] == UNLIMITED - 1  # episode 4
    assert r.turnaways == 0


def test_capacity_binds_exactly_at_the_slots_and_beds_left():
    """With k slots and n > k patients, exactly k are seen and n - k turned away."""
    n, k = 9, 4
    slots = np.array([0, k, 0, 0, UNLIMITED])
    beds = np.array([0, 2, 0, 0, UNLIMITED])
    ep = _episodes([0] * n + [1] * 5, [False] * n + [True] * 5)
    util = [[NEG, 1.0, NEG, NEG, NEG]]
    r = _route(ep, util, slots, beds, max_turnaways=0)
    assert (r.facility[:n] == 1).sum() == k and (r.facility[:n] == -1).sum() == n - k
    assert (r.facility[n:] == 1).sum() == 2 and (r.facility[n:] == -1).sum() == 3
    assert slots[1] == 0 and beds[1] == 0 and r.turnaways == (n - k) + 3


@pytest.mark.parametrize("max_turnaways, turned", [(0, 1), (1, 2), (2, 3), (3, 3)])
def test_after_max_turnaways_or_with_no_option_left_the_episode_goes_untreated(
    max_turnaways, turned
):
    """Every in-county facility is full and out of county unreachable: min(m + 1, 3) tries."""
    slots = np.array([0, 0, 0, 0, UNLIMITED])
    beds = np.zeros(5, dtype=np.int64)
    # preference: village, township, county 2 (county 3 and out of county unreachable)
    r = _route(
        _episodes([0], [False]),
        [[3.0, 2.0, 1.0, NEG, NEG]],
        slots,
        beds,
        max_turnaways=max_turnaways,
    )
    assert r.facility.tolist() == [-1] and r.turnaways == turned
    assert slots[:4].tolist() == [0, 0, 0, 0]


def test_a_turned_away_patient_tries_the_next_preference_at_the_same_level_or_above():
    """A full township sends its patient on to county level, never back to the village."""
    slots = np.array([5, 0, 5, 5, UNLIMITED])
    beds = np.zeros(5, dtype=np.int64)
    # preference: township, village, county 3, county 2, out of county
    r = _route(_episodes([0], [False]), [[4.0, 5.0, 2.0, 3.0, 1.0]], slots, beds)
    assert r.facility.tolist() == [3] and r.turnaways == 1 and r.referrers.size == 0
    assert slots[:4].tolist() == [5, 0, 5, 4]


def test_out_of_county_hospitals_never_turn_anybody_away():
    """1,000 out-of-county admissions on a day: all placed, no turn-away."""
    n = 1000
    slots, beds = _plenty()
    r = _route(_episodes([3] * n, [True] * n), [[NEG, NEG, NEG, NEG, 0.0]], slots, beds)
    assert (r.facility == 4).all() and r.turnaways == 0
