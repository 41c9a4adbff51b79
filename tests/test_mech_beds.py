"""Bed mechanism (issue 11): arrivals, discharges and occupancy on exact days.

`Beds.occupy(day, fac, start, end)` holds a bed on days day+start .. day+end-1 (reserved
from `day` until the arrival when start > 0); `advance(d)` applies day d's arrivals and
discharges. Expected timelines are written as plain day ranges, independently of the ring.
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.capacity import RING_DAYS, Beds
from countysim.care.delivery import deliver
from countysim.care.demand import Episodes
from countysim.care.routing import Routed
from countysim.metrics import C

DAY0 = 510  # 510 = 256 + 254: the ring wraps two days after booking


def _timeline(beds: Beds, fac: int, days: int) -> list[tuple[int, int]]:
    """(occupied, reserved) at `fac` on DAY0 (after booking) and each of the next days."""
    seen = [(int(beds.occupied[fac]), int(beds.reserved[fac]))]
    for d in range(DAY0 + 1, DAY0 + days):
        beds.advance(d)
        seen.append((int(beds.occupied[fac]), int(beds.reserved[fac])))
    return seen


@pytest.mark.parametrize(
    "start, length",
    [(0, 0), (0, 1), (0, 2), (0, 255), (4, 0), (4, 1), (4, 2), (4, 251)],
)
def test_a_bed_is_reserved_until_arrival_then_occupied_for_exactly_the_stay(start, length):
    """Arrival on day+start, discharge on day+start+length; a 0-day stay takes no bed."""
    beds = Beds(np.array([5]))
    beds.advance(DAY0)
    beds.occupy(DAY0, np.array([0]), np.array([start]), np.array([start + length]))
    horizon = RING_DAYS + 10  # long enough to see a wrong discharge a whole ring later
    got = _timeline(beds, 0, horizon)
    # day k after booking: reserved while k < start (if there is a stay at all), occupied
    # while start <= k < start + length
    want = [
        (int(start <= k < start + length), int(length > 0 and k < start)) for k in range(horizon)
    ]
    assert got == want
    free = beds.beds - beds.occupied - beds.reserved
    assert free.tolist() == [5] and beds.ring.sum() == 0 and beds.ring_reserved.sum() == 0


def test_overlapping_stays_at_several_facilities_add_up_day_by_day():
    """Occupancy on each day = the number of hand-listed stays covering that day."""
    stays = [  # (facility, start, end) booked on DAY0
        (0, 0, 3),
        (0, 0, 1),
        (0, 2, 5),
        (0, 1, 1),  # zero-length: no bed, no reservation
        (1, 0, 255),
        (1, 3, 4),
        (1, 0, 2),
    ]
    beds = Beds(np.array([10, 10]))
    beds.advance(DAY0)
    fac, start, end = (np.array(x) for x in zip(*stays, strict=True))
    beds.occupy(DAY0, fac, start, end)
    seen = {0: [], 1: []}
    for d in range(DAY0, DAY0 + 260):
        if d > DAY0:
            beds.advance(d)
        for f in (0, 1):
            seen[f].append((int(beds.occupied[f]), int(beds.reserved[f])))
    for f in (0, 1):
        want = [
            (
                sum(1 for g, s, e in stays if g == f and s <= k < e),
                sum(1 for g, s, e in stays if g == f and k < s < e),
            )
            for k in range(260)
        ]
        assert seen[f] == want
    # hand check of facility 0: days 0-4 hold 2, 1, 2, 1, 1 beds (stays 0-2, 0, 2-4)
    assert [o for o, _ in seen[0][:6]] == [2, 1, 2, 1, 1, 0]


def test_free_beds_are_beds_minus_occupied_minus_reserved():
    """free() = beds - occupied - reserved, per facility, never negative."""
    beds = Beds(np.array([3, 2, 1]))
    beds.advance(0)
    beds.occupy(0, np.array([0, 0, 1]), np.array([0, 2, 0]), np.array([4, 6, 1]))
    # facility 0: 1 occupied + 1 reserved of 3 -> 1 free; facility 1: 1 of 2 -> 1; 2: 1
    assert beds.free().tolist() == [1, 1, 1]
    beds.occupy(0, np.array([2, 2]), np.array([0, 0]), np.array([2, 2]))  # overbooked by hand
    assert beds.free().tolist() == [1, 1, 0]


def test_a_stay_ending_on_the_last_day_of_the_ring_is_accepted_and_one_more_refused():
    """end = 255 is the longest schedulable stay; 256 would alias today's ring slot."""
    beds = Beds(np.array([1]))
    beds.occupy(0, np.array([0]), np.array([0]), np.array([RING_DAYS - 1]))
    with pytest.raises(ValueError, match="bed ring"):
        beds.occupy(0, np.array([0]), np.array([1]), np.array([RING_DAYS]))


class _FixedPoisson:
    """Stands in for the stay stream: every Poisson draw is k (stay = 1 + k days)."""

    def __init__(self, k: int) -> None:
        self.k = k

    def poisson(self, lam):
        return np.full(np.shape(lam), self.k, dtype=np.int64)


@pytest.mark.parametrize("extra_days, down", [(0, False), (1, False), (4, False), (4, True)])
def test_delivered_admissions_take_their_beds_on_exact_days(tiny, extra_days, down):
    """deliver(): a county admission of stay 1 + k holds its county bed k + 1 days; sent
    down, the acute part stays at the county and the rest arrives at the township."""
    model = tiny("sim.years=1", "care.convalescent_share=0.4")
    model.streams._cache["stay"] = _FixedPoisson(extra_days)
    model.decisions["down_referral"][:] = 1.0 if down else 0.0
    c = model.county
    c.residents.village[0] = 0
    cty, town = int(c.county_facilities[0]), c.n_villages + int(c.village_township[0])
    model.beds.advance(0)
    ep = Episodes(np.array([0]), np.array([2], np.int8), np.array([True]), np.array([False]))
    routed = Routed(
        np.array([cty]), np.array([False]), np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    )
    deliver(model, ep, routed)
    stay = 1 + extra_days
    if down:
        # stay 5: convalescent rint(5 x 0.4) = 2 days at the township, acute 3 at the county
        acute, conv = 3, 2
    else:
        acute, conv = stay, 0
    seen = []
    for d in range(0, 8):
        if d:
            model.beds.advance(d)
        seen.append((int(model.beds.occupied[cty]), int(model.beds.occupied[town])))
    want = [(int(k < acute), int(acute <= k < acute + conv)) for k in range(8)]
    assert seen == want
    assert model.metrics.daily[0, C["stepdown_admissions"]] == int(down)
    model.release()
