"""Fee-for-service defaults reproduce the national bands (slow: default county, several seeds).

Bands (issue 2): visits per capita 6.1-7.5, admission rate 18-23%, primary-care share
50-60%, inpatient in-county rate 70-85%, fund balance ratio -5%..+8%; bed occupancy (issue
10): township centres 40-56% around the national 48% (NHC 2023: 39.92M admissions x 6.6 days
over 1.505M beds), county hospitals 85-97% (public hospitals 86.0%, county ones often >90%).
The seed-mean must lie inside each band with a margin of 3 standard errors of that mean, so
a pass is not luck. These are the targets the level constants were fitted to (study
travel-2026-11-25, with the travel weight, in this same default county; countysim-calibrate):
a regression test of the calibration, not an independent validation.
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim import run

BANDS = {
    "visits_per_capita": (6.1, 7.5),
    "admission_rate": (0.18, 0.23),
    "primary_care_share": (0.50, 0.60),
    "inpatient_in_county_rate": (0.70, 0.85),
    "fund_balance_ratio": (-0.05, 0.08),
    "bed_occupancy_township": (0.40, 0.56),
    "bed_occupancy_county": (0.85, 0.97),
}


@pytest.mark.slow
def test_default_county_within_national_bands():
    rows = [run(["sim.years=2", f"seed={s}"], save=False).yearly for s in range(4)]
    for metric, (lo, hi) in BANDS.items():
        values = np.array([y[metric].to_numpy() for y in rows]).ravel()
        mean = values.mean()
        se = values.std(ddof=1) / np.sqrt(values.size)
        assert lo + 3 * se <= mean <= hi - 3 * se, (metric, mean, se)


def test_statistics_of_onsets_match_the_rates(tiny):
    """Episodes per year ~ Poisson(expected): within 4 standard deviations."""
    from countysim.metrics import C

    model = tiny("sim.years=2", "seed=9")
    expected = model.demand.expected_per_day() * 365
    model.run()
    per_year = model.metrics.year_sums()[:, C["episodes"]]
    assert np.all(np.abs(per_year - expected) < 4 * np.sqrt(expected))


@pytest.mark.slow
def test_gatekeeping_moves_visits_as_the_pilot_evaluated_by_xu_et_al_did():
    """The two fitted gatekeeping effects (study gatekeeping-400k-2026-11-25) lie within
    their published bands at the defaults, 4 seeds in the default county of 400,000 residents
    the fit and docs/validation.md use: a regression test of that fit, not a validation, with
    the fit report's pass rule (the seed-mean inside the band)."""
    from countysim.research.calibrate import evaluate, with_defaults
    from countysim.research.targets import EFFECTS

    fitted = [t for t in EFFECTS if t.fit and t.name.startswith("gatekeeping")]
    assert len(fitted) == 2
    sim = evaluate(with_defaults(["county.residents=400000"]), {}, fitted, range(4))
    for t in fitted:
        values = np.asarray(sim[t.name].values)
        assert t.low <= values.mean() <= t.high, (t.name, values)


@pytest.mark.slow
def test_secondment_moves_xishuis_key_centres_as_tucheng_moved():
    """The two fitted case targets (study tucheng-presence-2026-11-25): Xishui's key centres
    start at Tucheng's 50-60 visits a day and gain x3.0-3.6 in four years of secondment, at
    the defaults, 4 seeds at full size: a regression test of that fit, not a validation (the
    seed-mean inside the band, the fit report's rule)."""
    from countysim.research.calibrate import evaluate, with_defaults
    from countysim.research.targets import CASES

    fitted = [t for t in CASES if t.fit]
    assert len(fitted) == 2
    sim = evaluate(with_defaults([]), {}, fitted, range(4))
    for t in fitted:
        values = np.asarray(sim[t.name].values)
        assert t.low <= values.mean() <= t.high, (t.name, values)


@pytest.mark.slow
def test_bundled_payment_moves_admissions_into_the_county_as_the_guizhou_trial_found():
    """Held out (Zhang et al. 2022, a cluster RCT of a global budget in 56 Guizhou counties:
    admissions shifted from out-of-county to county hospitals, no size reported): under the
    consortium's budget the out-of-county admissions per capita fall, the 95% CI of the
    effect below zero over 8 seeds at the calibration's scale; and the fall is the
    providers' response: with `providers.responsiveness=0` it is exactly zero."""
    from countysim.research.calibrate import evaluate, with_defaults
    from countysim.research.targets import EFFECTS

    (sign,) = [t for t in EFFECTS if t.direction and "out-of-county" in t.name]
    sim = evaluate(with_defaults([]), {}, [sign], range(8))[sign.name]
    assert sign.passes(sim.mean, sim.half_width), (sim.mean, sim.half_width)
    still = evaluate(with_defaults(["providers.responsiveness=0"]), {}, [sign], range(2))
    assert still[sign.name].values == [0.0, 0.0]
