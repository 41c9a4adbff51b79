"""Care-seeking mechanism on a hand-built county (issue 11): the multinomial-logit choice.

County: villages 0 and 1 in township 0 (facility 2), county hospitals 3 and 4 (shares 0.7
and 0.3), out of county 5. The deterministic utility of column j (level L) is worked out
in `_v` straight from the documented formula:

    V = constant[inpatient, L] + log(county share) - oop_log x log(1 + OOP / 100)
        - undertreat_weight x max(s - L, 0) - travel_per_hour x S/60 x log(1 + minutes/S)
        + trust_weight x trust[L]            (-inf for an inpatient at a village clinic)

and utility = V + Gumbel noise, so choice shares are softmax(V).
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.capacity import UNLIMITED
from countysim.care.careseeking import CareSeeking, travel_disutility
from countysim.care.demand import Episodes
from countysim.care.routing import route
from countysim.config.schema import CareConfig
from countysim.world.county import County, Facilities

from .handbuilt import adult_residents

SHARES = [0.7, 0.3]
LEVEL_OF_COL = [0, 1, 2, 2, 3]  # village, township, county 3, county 4, out
CARE = CareConfig(
    travel_per_hour=1.2,
    travel_scale_min=60.0,  # S: concave travel
    oop_log=0.6,
    trust_weight=2.0,
    undertreat_weight=1.5,
    outpatient_constant=[0.0, -0.4, -0.1, -1.6],
    inpatient_constant=[-0.5, 1.0, 0.9, 1.8],
    capability_weight=0.0,  # the gap alone; the weight has its own test
)
TRAVEL = np.array([[10.0, 30.0, 60.0, 180.0], [20.0, 45.0, 90.0, 210.0]])  # minutes
TRUST = np.array([[0.8, 0.9, 0.95, 0.9], [0.2, 0.5, 0.7, 0.9]], dtype=np.float32)
# expected out-of-pocket [inpatient, level, severity] in yuan
OOP = np.zeros((2, 4, 4))
OOP[0] = [[10, 20, 30, 40], [20, 40, 60, 80], [60, 90, 120, 150], [150, 200, 250, 300]]
OOP[1] = [[0, 0, 0, 0], [500, 600, 900, 1200], [1500, 2000, 3000, 5000], [4000, 6000, 9000, 1e4]]


def _county(travel=TRAVEL, trust=TRUST) -> County:
    n = trust.shape[0]
    residents = adult_residents(np.arange(n, dtype=np.int32) % 2, trust)
    level = np.array([0, 0, 1, 2, 2, 3], dtype=np.int8)
    facilities = Facilities(
        level=level,
        name=[f"f{i}" for i in range(6)],
        township=np.array([0, 0, 0, -1, -1, -1], np.int32),
        doctors=np.array([1, 1, 10, 50, 20, np.inf]),
        beds=np.array([0, 0, 20, 100, 40, 10**9]),
        capability=np.asarray(CARE.capability)[level],
        consortium=np.array([0, 0, 0, 0, 1, -1], np.int32),
    )
    return County(
        residents, facilities, np.zeros(2, np.int32), np.asarray(travel, float), 2, 1, 2, None
    )


def _seeking(county: County, oop=OOP) -> CareSeeking:
    cs = CareSeeking(county, CARE, SHARES)
    cs.set_prices(oop)
    return cs


def _episodes(resident, severity, inpatient, n=1) -> Episodes:
    return Episodes(
        np.full(n, resident, np.int64),
        np.full(n, severity, np.int8),
        np.full(n, inpatient, bool),
        np.zeros(n, bool),
    )


def _v(resident, severity, inpatient, travel=TRAVEL, trust=TRUST, oop=OOP) -> np.ndarray:
    """Deterministic utility of each column, by hand from the documented formula."""
    const = CARE.inpatient_constant if inpatient else CARE.outpatient_constant
    village = resident % 2
    out = []
    for j, lv in enumerate(LEVEL_OF_COL):
        v = const[lv] + (np.log(SHARES[j - 2]) if lv == 2 else 0.0)
        v -= CARE.oop_log * np.log1p(oop[int(inpatient), lv, severity] / 100.0)
        v -= CARE.undertreat_weight * max(severity - lv, 0)
        scale = CARE.travel_scale_min
        v -= CARE.travel_per_hour * scale / 60.0 * np.log1p(travel[village, lv] / scale)
        v += CARE.trust_weight * float(trust[resident, lv])
        out.append(-np.inf if (inpatient and lv == 0) else v)
    return np.array(out)


def _noise(n: int, seed: int) -> np.ndarray:
    """The Gumbel noise utility() draws from a fresh generator: -log(E), E ~ Exp(1)."""
    e = np.random.default_rng(seed).standard_exponential(size=(n, 5), dtype=np.float32)
    return -np.log(np.maximum(e, np.float32(1e-38))).astype(np.float64)


@pytest.mark.parametrize(
    "resident, severity, inpatient", [(0, 0, False), (1, 3, False), (1, 2, True)]
)
def test_utility_is_the_documented_deterministic_part_plus_gumbel_noise(
    resident, severity, inpatient
):
    """utility() = V (by hand) + the noise of its own stream, to float32 precision."""
    cs = _seeking(_county())
    u = cs.utility(_episodes(resident, severity, inpatient, n=50), np.random.default_rng(7))
    want = _v(resident, severity, inpatient)[None, :] + _noise(50, 7)
    np.testing.assert_allclose(u, want, rtol=0, atol=2e-5)  # float32: ~1e-6 relative


@pytest.mark.parametrize(
    "resident, severity, inpatient", [(0, 1, False), (1, 0, False), (1, 2, True)]
)
def test_choice_shares_match_the_multinomial_logit_probabilities(resident, severity, inpatient):
    """Share choosing each column = softmax(V), within 4 binomial SEs of n = 40,000 draws."""
    n = 40_000
    cs = _seeking(_county())
    u = cs.utility(_episodes(resident, severity, inpatient, n=n), np.random.default_rng(3))
    shares = np.bincount(np.argmax(u, axis=1), minlength=5) / n
    v = _v(resident, severity, inpatient)
    p = np.exp(v - v[np.isfinite(v)].max())
    p /= p.sum()
    # SE = sqrt(p(1-p)/n) <= 0.0025; 4 SEs per column (5 columns: family-wise false alarm
    # <= 5 x 6.3e-5 = 3e-4); p = 0 (an inpatient at a village clinic) is exact
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(shares - p) <= 4 * se), (shares, p)


def test_inpatients_never_choose_a_village_clinic_even_with_a_free_bed_there():
    """Inpatients' village column is -inf: never chosen, never a fallback when all is full."""
    n = 5_000
    cs = _seeking(_county())
    ep = _episodes(0, 0, True, n=n)
    u = cs.utility(ep, np.random.default_rng(1))
    assert np.isneginf(u[:, 0]).all() and np.isfinite(u[:, 1:]).all()
    # give the village clinic beds and slots and fill every other facility: still nobody
    slots = np.array([100, 100, 0, 0, 0, UNLIMITED])
    beds = np.array([n, n, 0, 0, 0, 0])
    cand = cs.candidates(ep)
    fac_level = cs.county.facilities.level
    r = route(
        ep, cand, u, cs.col_level, fac_level, np.full(6, 4.0), slots, beds,
        np.random.default_rng(2), 3,
    )  # fmt: skip
    assert not np.isin(r.facility, [0, 1]).any()
    # outpatients do choose the village clinic (a control on the same county)
    out = cs.utility(_episodes(0, 0, False, n=n), np.random.default_rng(1))
    assert (np.argmax(out, axis=1) == 0).mean() > 0.1


def _shift(**change) -> np.ndarray:
    """Utility change of each column (resident 0, severity-1 outpatient) with common noise."""
    base = _seeking(_county()).utility(_episodes(0, 1, False, n=20), np.random.default_rng(5))
    travel, trust, oop = TRAVEL.copy(), TRUST.copy(), OOP.copy()
    if "travel" in change:
        travel[0, 1] += change["travel"]
    if "trust" in change:
        trust[0, 1] += change["trust"]
    if "oop" in change:
        oop[0, 1, 1] = change["oop"]
    cs = _seeking(_county(travel, trust), oop)
    return (cs.utility(_episodes(0, 1, False, n=20), np.random.default_rng(5)) - base).astype(
        np.float64
    )


@pytest.mark.parametrize(
    "change, township_delta",
    [
        ({"travel": 30.0}, -1.2 * np.log(2.0 / 1.5)),  # 30 -> 60 min: 1.2 x log(1+t/60)
        ({"travel": 90.0}, -1.2 * np.log(3.0 / 1.5)),  # 30 -> 120 min
        ({"oop": 240.0}, -0.6 * (np.log(3.4) - np.log(1.4))),  # OOP 40 -> 240 yuan
        ({"trust": 0.05}, 2.0 * 0.05),  # trust weight 2 x 0.05
        ({"trust": -0.4}, 2.0 * -0.4),
    ],
)
def test_utility_falls_with_travel_time_and_oop_and_rises_with_trust(change, township_delta):
    """A change at the township moves the township's utility by the closed form, no other."""
    d = _shift(**change)
    np.testing.assert_allclose(d[:, 1], township_delta, atol=2e-5)
    np.testing.assert_allclose(np.delete(d, 1, axis=1), 0.0, atol=2e-5)


def _assert_gain_moves_one_column(cs, severity, facility, gain, column, delta):
    """Facility `facility` at capability reference + `gain`: a severity-`severity`
    outpatient's utility changes by `delta` in `column` and nowhere else (same draws)."""
    ep = _episodes(0, severity, False, n=10)
    base = cs.utility(ep, np.random.default_rng(9))
    fg = np.zeros(6)
    fg[facility] = gain
    u = cs.utility(ep, np.random.default_rng(9), fg, cs.candidates(ep))
    d = (u - base).astype(np.float64)
    np.testing.assert_allclose(d[:, column], delta, atol=2e-5)
    np.testing.assert_allclose(np.delete(d, column, axis=1), 0.0, atol=2e-5)


@pytest.mark.parametrize("severity, gain, delta", [(2, 0.5, 0.75), (3, 2.0, 3.0), (0, 1.0, 0.0)])
def test_a_capability_gain_narrows_the_perceived_under_treatment_gap(severity, gain, delta):
    """Township gain g: utility + 1.5 x (max(s-1, 0) - max(s-1-g, 0)) at that township only."""
    _assert_gain_moves_one_column(_seeking(_county()), severity, 2, gain, 1, delta)


@pytest.mark.parametrize(
    "severity, gain, delta",
    [(2, -0.6, -0.9), (3, -0.6, -0.9), (1, -0.6, 0.0), (2, -1.5, -2.25), (1, -1.5, -0.75)],
)
def test_a_county_hospital_below_its_reference_widens_the_perceived_gap(severity, gain, delta):
    """County hospital 3 (level 2) at capability reference + g, g < 0: patients see level
    2 + g, so utility changes by -1.5 x (max(s-2-g, 0) - max(s-2, 0)) there, nowhere else
    (a severity-1 episode feels it only once 2 + g < 1)."""
    _assert_gain_moves_one_column(_seeking(_county()), severity, 3, gain, 2, delta)


@pytest.mark.parametrize(
    "severity, gain, delta",
    [(0, 1.0, 2.0), (1, 0.5, 1.0), (2, 0.5, 1.0 + 0.75), (0, -0.6, -1.2)],
)
def test_capability_weight_values_a_facility_s_capability_at_every_severity(severity, gain, delta):
    """care.capability_weight q = 2: the township (gain g) gains q x g in utility at every
    severity, on top of the narrowed gap (1.5 x 0.5 for severity 2); other columns
    unchanged. With q = 0 only the gap counts."""
    import dataclasses

    cs = CareSeeking(_county(), dataclasses.replace(CARE, capability_weight=2.0), SHARES)
    cs.set_prices(OOP)
    _assert_gain_moves_one_column(cs, severity, 2, gain, 1, delta)


def test_candidates_are_own_village_own_township_each_county_hospital_and_out_of_county():
    """Columns: the resident's village clinic, its township centre, 3, 4, then 5."""
    cs = _seeking(_county())
    ep = Episodes(np.array([0, 1]), np.zeros(2, np.int8), np.zeros(2, bool), np.zeros(2, bool))
    assert cs.candidates(ep).tolist() == [[0, 2, 3, 4, 5], [1, 2, 3, 4, 5]]
    assert cs.col_level.tolist() == LEVEL_OF_COL


@pytest.mark.parametrize(
    "overrides, county_gain",
    [
        ([], None),  # capability at its reference: no gain passed, the baseline untouched
        (["care.capability=[0.2,1.2,1.7,4.0]"], -0.6),  # weaker county hospitals, seen so
        (["care.capability=[0.2,1.2,1.7,4.0]", "care.capability_reference=[0.2,1.2,1.7,4.0]"],
         None),  # the reference moved with them: nothing perceived
    ],
)  # fmt: skip
def test_the_model_passes_capability_minus_its_reference_to_the_choice(
    tiny, monkeypatch, overrides, county_gain
):
    """What CountyModel hands CareSeeking.utility as `facility_gain` on a day."""
    model = tiny(*overrides)
    seen: list[np.ndarray | None] = []
    real = model.careseeking.utility

    def spy(ep, rng, facility_gain=None, cand=None):
        seen.append(None if facility_gain is None else facility_gain.copy())
        return real(ep, rng, facility_gain, cand)

    monkeypatch.setattr(model.careseeking, "utility", spy)
    model.step()
    assert seen
    if county_gain is None:
        assert all(g is None for g in seen)
        return
    fac = model.county.facilities
    for g in seen:
        assert g is not None
        np.testing.assert_allclose(g[model.county.county_facilities], county_gain, atol=1e-12)
        others = np.setdiff1d(np.arange(fac.n), model.county.county_facilities)
        np.testing.assert_array_equal(g[others], 0.0)


def test_linear_travel_costs_travel_per_hour_for_every_hour():
    care = CareConfig(travel_per_hour=1.2, travel_scale_min=None)
    np.testing.assert_allclose(travel_disutility(np.array([0.0, 30.0, 360.0]), care), [0, 0.6, 7.2])


def test_concave_travel_is_linear_for_short_trips_and_a_power_law_in_choice_weight():
    """d(t) = b S/60 log(1 + t/S): the first minutes cost b per hour, as linear travel; the
    choice weight exp(-d) = (1 + t/S)^(-b S/60), a power-law distance decay."""
    care = CareConfig(travel_per_hour=1.2, travel_scale_min=60.0)
    linear = CareConfig(travel_per_hour=1.2, travel_scale_min=None)
    t = np.array([0.5, 30.0, 60.0, 150.0, 360.0])
    d = travel_disutility(t, care)
    assert d[0] == pytest.approx(travel_disutility(t[:1], linear)[0], rel=0.01)
    assert np.all(d[1:] < travel_disutility(t[1:], linear))  # long trips are felt less
    np.testing.assert_allclose(np.exp(-d), (1 + t / 60.0) ** -1.2, rtol=1e-12)


def test_concave_travel_shrinks_the_pull_of_the_nearer_hospital_as_everything_gets_farther():
    """The remoteness mechanism: the county seat t minutes away and the out-of-county
    hospital 120 minutes beyond it. Linear travel keeps the gap between them at 2.4
    whatever t; concave travel shrinks it as t grows, so remote residents weigh leaving
    the county less against staying."""
    t = np.array([30.0, 60.0, 90.0, 150.0])
    linear = CareConfig(travel_per_hour=1.2, travel_scale_min=None)
    concave = CareConfig(travel_per_hour=1.2, travel_scale_min=60.0)
    gap_linear = travel_disutility(t + 120, linear) - travel_disutility(t, linear)
    gap = travel_disutility(t + 120, concave) - travel_disutility(t, concave)
    np.testing.assert_allclose(gap_linear, 2.4)
    assert np.all(np.diff(gap) < 0)
    np.testing.assert_allclose(gap, 1.2 * np.log((1 + (t + 120) / 60) / (1 + t / 60)))
