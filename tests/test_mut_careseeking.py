"""Tests written against surviving mutants of countysim.care.careseeking (issue 11).

The hand-built county of tests/test_mech_careseeking.py: villages 0 and 1 in township 0
(facility 2), county hospitals 3 and 4, out of county 5; undertreat_weight 1.5.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from countysim.care.careseeking import CareSeeking, update_trust

from .test_mech_careseeking import CARE, OOP, SHARES, _county, _episodes, _seeking, _v


class _ZeroExponential:
    """Stands in for the noise stream: every exponential draw is exactly 0."""

    def standard_exponential(self, size, dtype):
        return np.zeros(size, dtype=dtype)


def test_an_exponential_draw_of_zero_gives_large_but_finite_noise():
    """E = 0 is floored at 1e-38 (float32), so its noise is -log(1e-38) = 87.4982..., not
    +inf: utility = V + 87.4982 in every column."""
    cs = _seeking(_county())
    u = cs.utility(_episodes(0, 1, False, n=2), _ZeroExponential())
    assert np.isfinite(u).all()
    noise = -np.log(np.float32(1e-38))
    # float32 sums of terms below 100: spacing 7.6e-6, a few roundings
    np.testing.assert_allclose(u - _v(0, 1, False)[None, :], noise, rtol=0, atol=5e-5)


def test_utility_tables_are_float32():
    """The per-row tables added to the noise are float32, as the utilities are."""
    cs = _seeking(_county())
    assert cs.table.dtype == np.float32
    assert cs.village_travel.dtype == np.float32
    assert cs.trust_map.dtype == np.float32
    u = cs.utility(_episodes(0, 1, False), np.random.default_rng(1))
    assert u.dtype == np.float32


@pytest.mark.parametrize("severity, lift", [(2, 1.5), (1, 0.0)])
def test_a_gain_at_every_township_centre_narrows_their_gap(severity, lift):
    """Capability +1 at the only township centre (facility 2, level 1): a severity-2
    outpatient's under-treatment gap there falls from 1 to 0, so that column's utility
    rises by 1.5; a severity-1 one has no gap to narrow. Other columns are unchanged."""
    cs = _seeking(_county())
    ep = _episodes(1, severity, False, n=3)
    gain = np.array([0, 0, 1, 0, 0, 0])
    plain = cs.utility(ep, np.random.default_rng(3))
    lifted = cs.utility(ep, np.random.default_rng(3), gain, cs.candidates(ep))
    want = np.zeros((3, 5))
    want[:, 1] = lift
    np.testing.assert_allclose(lifted - plain, want, rtol=0, atol=1e-6)  # float32 near 10


def test_update_trust_refuses_a_non_contiguous_table():
    trust = np.asfortranarray(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"^trust must be a C-contiguous \(residents x levels\)"):
        update_trust(trust, np.array([0]), np.array([1]), np.array([True]), 0.5)


def test_trust_is_learnt_in_float32_arithmetic():
    """0.15 + 0.1 x (1 - 0.15) in float32 steps is 0.23500001 (0.235 if worked out in
    float64 and rounded once): trust stays bit-for-bit the same whatever the platform's
    float64 rounding; a poor outcome from 0.95 gives 0.855 (not 0.85499996)."""
    trust = np.array([[0.15, 0.5], [0.5, 0.95]], dtype=np.float32)
    update_trust(trust, np.array([0, 1]), np.array([0, 1]), np.array([True, False]), 0.1)
    assert trust.dtype == np.float32
    assert trust[0, 0] == np.float32(0.23500001) and trust[0, 0] != np.float32(0.235)
    assert trust[1, 1] == np.float32(0.855) and trust[1, 1] != np.float32(0.85499996)
    assert trust[0, 1] == trust[1, 0] == np.float32(0.5)


class _UnitExponential:
    """Stands in for the noise stream: every exponential draw is exactly 1 (noise 0)."""

    def standard_exponential(self, size, dtype):
        return np.ones(size, dtype=dtype)


def test_the_trust_term_is_rounded_to_float32_before_it_joins_the_utility():
    """Trust 0.1 with weight 1.1, noise exactly 0: the village column of a severity-0 visit
    is the float32 sum table + travel + float32(0.1 x 1.1) = -0.1471861 bit for bit (the
    product added in float64 and rounded once would give -0.14718612)."""
    care = dataclasses.replace(CARE, trust_weight=1.1, travel_scale_min=None)  # linear travel
    cs = CareSeeking(_county(trust=np.full((2, 4), 0.1, np.float32)), care, SHARES)
    cs.set_prices(OOP)
    u = cs.utility(_episodes(0, 0, False), _UnitExponential())
    f32 = np.float32
    want = cs.table[0, 0] + cs.village_travel[0, 0] + f32(f32(0.1) * f32(1.1))
    assert u.dtype == np.float32 and u[0, 0] == want == f32(-0.1471861)
    assert u[0, 0] != f32(-0.14718612)
