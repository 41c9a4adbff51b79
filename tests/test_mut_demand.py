"""Tests written against surviving mutants of countysim.care.demand (issue 11).

Demand is driven by a stand-in generator whose Poisson counts and uniforms are set by hand,
so each episode's stratum, resident and severity can be read off the arrays. Strata are
age band x chronic conditions (0-4+): stratum = 5 x band + conditions; the onset rates
come in three blocks of 20 strata (outpatient, follow-up, inpatient).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from countysim.care.demand import Demand
from countysim.config.schema import DemandConfig

# residents 0..5: (age band, chronic bitmask); resident 4 has four conditions at band 3,
# the last of the 20 strata; residents 1, 3 and 5 share stratum 0 (band 0, none)
BANDS = [2, 0, 3, 0, 3, 0]
CHRONIC = [0b1, 0, 0b100, 0, 0b1111, 0]


def _residents() -> SimpleNamespace:
    n = len(BANDS)
    return SimpleNamespace(
        alive=np.ones(n, bool),
        age_band=np.array(BANDS, np.int8),
        chronic=np.array(CHRONIC, np.uint8),
    )


class _Draws:
    """Stands in for the onset stream: fixed counts per rate, fixed uniforms."""

    def __init__(self, counts: dict[int, int], u0: list[float], u1: list[float]) -> None:
        self.counts, self.u = counts, np.array([u0, u1])

    def poisson(self, lam):
        out = np.zeros(lam.shape[0], np.int64)
        for i, c in self.counts.items():
            out[i] = c
        return out

    def random(self, shape):
        assert shape == self.u.shape
        return self.u


def test_expected_episodes_per_day_sum_every_strata_rate():
    """Per year: band-0 residents without conditions (1, 3, 5) 3 x (5.6 + 0.09); resident 0
    (band 2, one condition) 1.25 x (5.1 + 0.19) + 2.5 follow-ups; resident 2 (band 3, one)
    1.25 x (6.5 + 0.37) + 2.5; resident 4 (band 3, four) 1.25**4 x (6.5 + 0.37) + 4 x 2.5."""
    per_year = (
        3 * (5.6 + 0.09)
        + 1.25 * (5.1 + 0.19)
        + 2.5
        + 1.25 * (6.5 + 0.37)
        + 2.5
        + 1.25**4 * (6.5 + 0.37)
        + 10.0
    )
    cfg = DemandConfig(
        outpatient_per_year=[5.6, 3.95, 5.1, 6.5],
        inpatient_per_year=[0.09, 0.11, 0.19, 0.37],
        chronic_followups_per_year=2.5,
        chronic_acute_multiplier=1.25,
    )
    got = Demand(_residents(), cfg).expected_per_day()
    assert got == pytest.approx(per_year / 365.0, rel=1e-12)  # float sums in another order


def test_an_episode_in_the_last_stratum_goes_to_its_resident():
    """One outpatient onset in stratum 19 (band 3, 4+ conditions): resident 4; three in
    stratum 0 at u = 0, 0.34, 0.99 of its 3 residents: offsets 0, 1, 2 = residents 1, 3, 5."""
    ep = Demand(_residents(), DemandConfig()).draw(
        _Draws({0: 3, 19: 1}, [0.0, 0.34, 0.99, 0.0], [0.1, 0.1, 0.1, 0.1])
    )
    assert ep.resident.tolist() == [1, 3, 5, 4]
    assert not ep.inpatient.any() and not ep.followup.any()


def test_a_severity_starts_at_its_cumulative_threshold():
    """Severity = number of cumulative thresholds <= u. Outpatient mix 0.5/0.3/0.17/0.03:
    u = 0.5 exactly is severity 1, u = 0.8 is 2. Inpatient mix 0/0.4/0.47/0.13: u = 0 is
    severity 1 (severity 0 has no probability), u = 0.4 is 2."""
    cfg = DemandConfig(
        outpatient_severity=[0.5, 0.3, 0.17, 0.03], inpatient_severity=[0.0, 0.4, 0.47, 0.13]
    )
    # two outpatient onsets in stratum 0, two inpatient ones in stratum 0 (rate 40)
    ep = Demand(_residents(), cfg).draw(_Draws({0: 2, 40: 2}, [0.0] * 4, [0.5, 0.8, 0.0, 0.4]))
    assert ep.inpatient.tolist() == [False, False, True, True]
    assert ep.severity.tolist() == [1, 2, 1, 2]


def test_a_mix_summing_to_just_under_one_still_draws_at_most_severity_3():
    """0.3 + 0.3 + 0.3 + 0.1 sums to 1 - 2**-53 in floating point; the largest uniform
    below 1 lies on that last threshold and is severity 3, not a fifth tier."""
    cfg = DemandConfig(outpatient_severity=[0.3, 0.3, 0.3, 0.1])
    assert float(np.cumsum(cfg.outpatient_severity)[-1]) == 1.0 - 2.0**-53
    u = float(np.nextafter(1.0, 0.0))
    ep = Demand(_residents(), cfg).draw(_Draws({0: 1}, [0.0], [u]))
    assert ep.severity.tolist() == [3]
    assert ep.severity.dtype == np.int8
