"""Tests written against surviving mutants of countysim.care.routing (issue 11).

Candidate columns are the facilities themselves (column j = facility j), as in
tests/test_mech_routing.py; capabilities are whole numbers, so a facility treats severity
s for certain (capability >= s) or never (capability <= s - 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.capacity import UNLIMITED
from countysim.care.demand import Episodes
from countysim.care.routing import route

NEG = -np.inf


def _one_episode(severity: int) -> Episodes:
    return Episodes(
        np.array([0]), np.array([severity], np.int8), np.array([False]), np.array([False])
    )


def _route(levels, utility, slots, capability, max_turnaways, rng, severity=0):
    """One outpatient episode over facilities 0.. with the given levels and utilities."""
    levels = np.asarray(levels)
    n_fac = levels.size
    return route(
        _one_episode(severity),
        np.arange(n_fac)[None, :],
        np.asarray([utility], dtype=np.float32),
        levels,
        levels.astype(np.int8),
        np.asarray(capability, dtype=np.float64),
        np.asarray(slots, dtype=np.int64),
        np.zeros(n_fac, dtype=np.int64),
        rng,
        max_turnaways,
    )


def test_tied_preferences_are_tried_in_column_order_and_none_twice():
    """Three county hospitals (2, 3, 4) tie at utility 5; 2 and 3 are full. The patient
    tries 2 (the tie's first column), then 3, then 4, where it is seen: two turn-aways,
    within max_turnaways = 2; going back to 2 would be a third and leave it untreated."""
    r = _route(
        levels=[0, 1, 2, 2, 2, 3],
        utility=[NEG, NEG, 5.0, 5.0, 5.0, 1.0],
        slots=[9, 9, 0, 0, 9, UNLIMITED],
        capability=[0, 1, 2, 2, 2, 3],
        max_turnaways=2,
        rng=np.random.default_rng(0),
    )
    assert r.facility.tolist() == [4] and r.turnaways == 2


class _ZeroUniforms:
    """Stands in for the routing stream: every uniform is exactly 0."""

    def random(self, size):
        return np.zeros(size)


def test_a_facility_that_cannot_treat_refers_up_even_at_a_zero_uniform():
    """Severity 3 from the village: P(treat) = clip(c - 3 + 1, 0, 1) = 0 at the village
    (c = 0), township (1) and county hospital (2); a draw of exactly 0 is not below 0, so
    the episode climbs to out of county (c = 3, P = 1)."""
    r = _route(
        levels=[0, 1, 2, 3],
        utility=[4.0, 3.0, 2.0, 1.0],
        slots=[9, 9, 9, UNLIMITED],
        capability=[0, 1, 2, 3],
        max_turnaways=2,
        rng=_ZeroUniforms(),
        severity=3,
    )
    assert r.facility.tolist() == [3] and r.referrers.tolist() == [0, 1, 2]


def test_routing_that_does_not_settle_in_16_rounds_stops_with_a_count():
    """20 full county hospitals tried one per round (max_turnaways 100): after the 16th
    round the episode is still looking, and routing refuses to go on."""
    n_cty = 20
    levels = [0, 1] + [2] * n_cty + [3]
    utility = [NEG, NEG] + [float(n_cty - i) for i in range(n_cty)] + [0.0]
    with pytest.raises(RuntimeError, match=r"^routing did not settle 1 episodes$"):
        _route(
            levels=levels,
            utility=utility,
            slots=[9, 9] + [0] * n_cty + [UNLIMITED],
            capability=[0, 1] + [2] * n_cty + [3],
            max_turnaways=100,
            rng=np.random.default_rng(0),
        )


class _Scripted:
    """Stands in for the routing stream: hands out the given uniforms in order, then 0.5."""

    def __init__(self, *draws: list[float]) -> None:
        self.draws = [np.asarray(d, dtype=np.float64) for d in draws]

    def random(self, size):
        if self.draws:
            d = self.draws.pop(0)
            assert d.shape == (size,)
            return d
        return np.full(size, 0.5)


def test_turned_away_patients_draw_in_facility_then_visit_before_admission_order():
    """Both episodes prefer full county hospital 2: 0 is a visit (a slot), 1 an admission
    (a bed). Turned away, they try county hospital 3, which treats severity 0 with
    P = clip(-0.5 - 0 + 1, 0, 1) = 0.5. The next round's capability draws 0.1, 0.9 go to
    them in the order they were seen at 2 (the visit's slot group before the admission's bed
    group): the visit is treated at 3, the admission is referred up from 3 out of county."""
    levels = np.array([0, 1, 2, 2, 3])
    ep = Episodes(
        np.array([0, 1]), np.array([0, 0], np.int8), np.array([False, True]), np.zeros(2, bool)
    )
    utility = np.array([[NEG, NEG, 5.0, 4.0, 1.0]] * 2, dtype=np.float32)
    rng = _Scripted([0.0, 0.0], [0.5, 0.5], [0.1, 0.9], [0.5, 0.5])
    r = route(
        ep,
        np.tile(np.arange(5), (2, 1)),
        utility,
        levels,
        levels.astype(np.int8),
        np.array([0.0, 1.0, 2.0, -0.5, 3.0]),
        np.array([9, 9, 0, 9, UNLIMITED], dtype=np.int64),
        np.array([0, 9, 0, 9, UNLIMITED], dtype=np.int64),
        rng,
        2,
    )
    assert r.facility.tolist() == [3, 4]
    assert r.referred.tolist() == [False, True]
    assert r.referrers.tolist() == [3] and r.referral_episode.tolist() == [1]
    assert r.turnaways == 2
