"""The calibrated defaults reproduce their targets (slow: default county, several seeds).

Each fitted target of src/countysim/research/targets.py, at the defaults and on 4 seeds the
fits did not use, passes the fit report's rule (the seed-mean within +-10% of a level or
inside its band; an effect within its published band): a regression test of the studies
that wrote the defaults (docs/validation.md), not an independent validation. The bands of
the hand calibration before them (issue 2: primary-care share 50-60%, fund balance -5% to
+8%, ...) are replaced by the targets' own rules, which issue 13 sets.
"""

from __future__ import annotations

import numpy as np
import pytest

FRESH = range(100, 104)  # the fit reports' seeds, never a trial's


@pytest.mark.slow
def test_default_county_meets_its_fitted_level_targets():
    """The national levels and the fund balance (studies travel-, providers-400k- and
    insurance-2026-11-25), in the default county of 400,000 residents for 2 years, the
    setting they were fitted in."""
    from countysim.research.calibrate import evaluate, with_defaults
    from countysim.research.targets import LEVELS

    fitted = [t for t in LEVELS if t.fit]
    assert len(fitted) >= 10
    sim = evaluate(with_defaults(["county.residents=400000"]), {}, fitted, FRESH)
    missed = [(t.name, sim[t.name].mean) for t in fitted if not t.passes(sim[t.name].mean)]
    assert not missed, missed


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
    effect below zero over 8 seeds in the default county of 400,000 residents, where the
    levels were fitted and the validation table runs it (at the calibration's usual 100,000
    the CI reaches zero: -0.45% +- 0.48% on 2026-11-25); and the fall is the providers'
    response: with `providers.responsiveness=0` it is exactly zero."""
    from countysim.research.calibrate import evaluate, with_defaults
    from countysim.research.targets import EFFECTS

    (sign,) = [t for t in EFFECTS if t.direction and "out-of-county" in t.name]
    county = ["county.residents=400000"]
    sim = evaluate(with_defaults(county), {}, [sign], range(8))[sign.name]
    assert sign.passes(sim.mean, sim.half_width), (sim.mean, sim.half_width)
    still = evaluate(with_defaults([*county, "providers.responsiveness=0"]), {}, [sign], range(2))
    assert still[sign.name].values == [0.0, 0.0]
