"""Tests written against surviving mutants of countysim.care.capacity (issue 11)."""

from __future__ import annotations

import numpy as np

from countysim.care.capacity import UNLIMITED, fit_beds, outpatient_slots
from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE


def test_outpatient_slots_are_integer_counts_and_out_of_county_is_unlimited():
    """floor(doctors x visits per doctor-day) as int64; out of county never runs out."""
    level = np.array([VILLAGE, TOWNSHIP, COUNTY, OUT])
    doctors = np.array([3.0, 2.5, 10.0, 7.0])
    slots = outpatient_slots(doctors, level, [10.0, 16.3, 8.0])
    # 3 x 10 = 30; 2.5 x 16.3 = 40.75 -> 40; 10 x 8 = 80; out of county unlimited
    assert slots.dtype == np.int64
    assert slots.tolist() == [30, 40, 80, int(UNLIMITED)]


def test_beds_go_to_the_earliest_requests_at_each_facility():
    """First come first served among many requests: the earliest `free` ones per facility.

    80 requests alternate between facilities 1 and 0 (so each facility's 40 requests are
    interleaved with the other's); every fifth request wants no bed. Facility 0 has 7 free
    beds, facility 1 has 12: the 7 (12) lowest-indexed requests for each get them.
    """
    n = 80
    fac = np.array([1, 0] * (n // 2))
    want = np.arange(n) % 5 != 4
    free = np.array([7, 12])
    got = fit_beds(want, fac, free)
    expected = np.zeros(n, dtype=bool)
    for f, k in ((0, 7), (1, 12)):
        asking = [i for i in range(n) if want[i] and fac[i] == f]
        expected[asking[:k]] = True
    assert got.dtype == np.bool_
    assert got.tolist() == expected.tolist()
    assert want.tolist() == (np.arange(n) % 5 != 4).tolist()  # the request is not modified
