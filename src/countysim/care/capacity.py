"""Capacity: outpatient slots from doctors on duty, beds with scheduled discharges."""

from __future__ import annotations

import numpy as np

from countysim.care.routing import rank_in_group
from countysim.world.county import OUT

RING_DAYS = 256  # longest stay the bed ring can schedule
UNLIMITED = np.int64(1) << 40


def outpatient_slots(
    doctors: np.ndarray, level: np.ndarray, per_doctor_day: list[float]
) -> np.ndarray:
    """Today's outpatient slots per facility: floor(doctors x visits per doctor-day)."""
    rate = np.asarray([*per_doctor_day, 0.0])[level]
    slots = np.floor(np.where(level == OUT, 0.0, doctors) * rate).astype(np.int64)
    slots[level == OUT] = UNLIMITED
    return slots


class Beds:
    """Bed occupancy per facility; arrivals and discharges scheduled on a ring of days.

    A bed booked for a later arrival (a step-down transfer) is *reserved* from the day it
    is booked until the patient arrives, so nobody else can take it meanwhile: free beds =
    beds - occupied - reserved, never negative. Occupied beds count towards occupancy;
    reserved ones do not.
    """

    def __init__(self, beds: np.ndarray) -> None:
        self.beds = beds.astype(np.int64)
        self.occupied = np.zeros_like(self.beds)
        self.reserved = np.zeros_like(self.beds)
        self.ring = np.zeros((RING_DAYS, self.beds.shape[0]), dtype=np.int64)
        self.ring_reserved = np.zeros_like(self.ring)

    def advance(self, day: int) -> None:
        """Apply today's scheduled arrivals (+) and discharges (-)."""
        slot = day % RING_DAYS
        self.occupied += self.ring[slot]
        self.reserved += self.ring_reserved[slot]
        self.ring[slot] = 0
        self.ring_reserved[slot] = 0

    def free(self) -> np.ndarray:
        """Free beds per facility now (neither occupied nor reserved)."""
        return np.maximum(self.beds - self.occupied - self.reserved, 0)

    def occupy(self, day: int, fac: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        """Occupy a bed at `fac` from day+start (0 = now) until day+end (exclusive).

        A bed with start > 0 is reserved from now until day+start. A stay with
        end <= start spends no night at `fac` and takes no bed.
        """
        stays = end > start
        if not stays.all():
            fac, start, end = fac[stays], start[stays], end[stays]
        if fac.size == 0:
            return
        if int(end.max()) >= RING_DAYS:
            raise ValueError(f"a stay of {int(end.max())} days exceeds the bed ring ({RING_DAYS})")
        n = self.beds.shape[0]
        now = start == 0
        self.occupied += np.bincount(fac[now], minlength=n)
        later = ~now
        if later.any():
            arrive = ((day + start[later]) % RING_DAYS, fac[later])
            self.reserved += np.bincount(fac[later], minlength=n)
            np.add.at(self.ring_reserved, arrive, -1)
            np.add.at(self.ring, arrive, 1)
        np.add.at(self.ring, ((day + end) % RING_DAYS, fac), -1)


def fit_beds(want: np.ndarray, fac: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Grant `want` requests for a bed at `fac` while free beds last (first come first served)."""
    ok = want.copy()
    idx = np.flatnonzero(want)
    if idx.size:
        f = fac[idx]
        srt = np.argsort(f, kind="stable")
        fs = f[srt]
        rank = rank_in_group(fs)
        granted = np.empty(idx.size, bool)
        granted[srt] = rank < free[fs]
        ok[idx] = granted
    return ok
