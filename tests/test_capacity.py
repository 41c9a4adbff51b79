"""Beds and slots: stays occupy exactly their days, step-down beds cannot be overbooked."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.capacity import RING_DAYS, Beds, fit_beds, outpatient_slots
from countysim.metrics import C
from countysim.world.county import COUNTY, OUT, TOWNSHIP


def _occupied_days(beds: Beds, start_day: int, horizon: int) -> list[int]:
    """Occupied beds of facility 0 on each day from start_day + 1 (after that day's advance)."""
    seen = []
    for d in range(start_day + 1, start_day + 1 + horizon):
        beds.advance(d)
        seen.append(int(beds.occupied[0]))
    return seen


@pytest.mark.parametrize("length", [0, 1, 2, 255])
def test_a_stay_holds_its_bed_for_exactly_its_length(length):
    beds = Beds(np.array([3]))
    day = 300  # past one turn of the ring
    beds.advance(day)
    beds.occupy(day, np.array([0]), np.array([0]), np.array([length]))
    assert int(beds.occupied[0]) == (1 if length > 0 else 0)
    after = _occupied_days(beds, day, RING_DAYS + 5)
    # occupied on days day .. day+length-1, free from day+length on, never again
    expected = [1 if d < length else 0 for d in range(1, RING_DAYS + 6)]
    assert after == expected


def test_a_stay_longer_than_the_ring_is_refused():
    beds = Beds(np.array([3]))
    with pytest.raises(ValueError, match="exceeds the bed ring"):
        beds.occupy(0, np.array([0]), np.array([0]), np.array([RING_DAYS]))


def test_a_later_arrival_reserves_its_bed_until_it_arrives():
    beds = Beds(np.array([1]))
    beds.advance(10)
    beds.occupy(10, np.array([0]), np.array([3]), np.array([6]))
    # reserved, not occupied: nobody else can take it, occupancy does not count it
    assert beds.free()[0] == 0 and beds.occupied[0] == 0 and beds.reserved[0] == 1
    states = []
    for d in range(11, 18):
        beds.advance(d)
        states.append((int(beds.occupied[0]), int(beds.reserved[0])))
    assert states == [(0, 1), (0, 1), (1, 0), (1, 0), (1, 0), (0, 0), (0, 0)]


def test_a_zero_day_stay_at_a_facility_takes_no_bed_there():
    """Defect: end == start used to schedule the discharge a whole ring later."""
    beds = Beds(np.array([2, 2]))
    beds.advance(5)
    beds.occupy(5, np.array([0, 1]), np.array([0, 2]), np.array([0, 2]))
    assert beds.occupied.tolist() == [0, 0] and beds.reserved.tolist() == [0, 0]
    for d in range(6, 6 + RING_DAYS):
        beds.advance(d)
        assert beds.occupied.tolist() == [0, 0]


def test_fit_beds_grants_at_most_the_free_beds_per_facility():
    want = np.array([True, True, True, False, True, True])
    fac = np.array([0, 0, 0, 0, 1, 1])
    ok = fit_beds(want, fac, np.array([2, 5]))
    assert ok.tolist() == [True, True, False, False, True, True]


def test_outpatient_slots_are_doctors_times_rate_floored_and_unlimited_out_of_county():
    level = np.array([0, TOWNSHIP, COUNTY, OUT])
    slots = outpatient_slots(np.array([2.5, 3.0, 10.0, 0.0]), level, [10.0, 12.0, 8.0])
    assert slots[:3].tolist() == [25, 36, 80]
    assert slots[3] >= 1 << 40


def _run_checking_beds(model, days: int) -> tuple[int, float]:
    """Run `days`, asserting every day that no facility holds more beds than it has."""
    beds = model.beds
    worst = 0
    for _ in range(days):
        model.step()
        held = beds.occupied + getattr(beds, "reserved", 0)
        worst = max(worst, int((held - beds.beds).max()))
    county = model.county.facilities.level == COUNTY
    return worst, float(beds.occupied[county].sum() / beds.beds[county].sum())


def test_step_down_transfers_never_overbook_township_beds(tiny):
    """Defect: the step-down check ignored today's admissions and the arrival date."""
    model = tiny(
        "triage=gatekeeping",
        "triage.down_referral_share=1.0",
        "county.township_beds_per_centre=3",
        "sim.years=1",
    )
    worst, _ = _run_checking_beds(model, 120)
    assert worst <= 0
    assert model.metrics.daily[:120, C["stepdown_admissions"]].sum() > 0


def test_all_convalescent_stays_do_not_fill_the_county_hospitals(tiny):
    """Defect: at convalescent_share 1.0 county beds stayed taken for 256 days."""
    occ = {}
    for share in ("0.5", "1.0"):
        model = tiny(
            "triage=gatekeeping",
            "triage.down_referral_share=1.0",
            f"care.convalescent_share={share}",
            "sim.years=1",
        )
        worst, occ[share] = _run_checking_beds(model, 90)
        assert worst <= 0
    # moving more of each stay to the township frees county beds, it does not block them
    assert occ["1.0"] < occ["0.5"] < 1.0


def test_patients_turned_away_everywhere_wait_then_go_untreated(tiny):
    """A queue with a declared maximum wait: waiting days are counted, never beyond it."""
    scarce = [
        "sim.years=1",
        "care.outpatients_per_doctor_day=[2,2,2]",
        "care.max_turnaways=0",
        "population.dynamic=false",
    ]
    out = {}
    for wait in (0, 3):
        model = tiny(*scarce, f"care.max_wait_days={wait}")
        for _ in range(60):
            model.step()
        d = model.metrics.daily[:60]
        out[wait] = d
        assert (model.waiting.days <= wait).all()
    none, some = out[0], out[3]
    assert none[:, C["waiting_out"]].sum() == 0 and none[:, C["waiting_days"]].sum() == 0
    assert some[:, C["waited_treated"]].sum() > 0
    # a waiter is treated after 1..3 days, so waiting days lie between the two bounds
    waiters, days = some[:, C["waited_treated"]].sum(), some[:, C["waiting_days"]].sum()
    assert waiters <= days <= 3 * waiters
    # waiting gives some of those turned away a later place instead of no care
    assert some[:, C["untreated"]].sum() < none[:, C["untreated"]].sum()
