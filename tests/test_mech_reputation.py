"""Word of mouth: patients see a facility's capability gain through a first-order lag
(`care.reputation_lag_days`, care/reputation.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from countysim.care.reputation import Reputation

SECONDED = (
    "secondment=rotation",
    "secondment.targets=[0]",
    "secondment.presence_capability=1.0",
    "care.capability_weight=2.0",
)


@pytest.mark.parametrize("tau", [1.0, 30.0, 365.0])
def test_after_a_step_change_the_perceived_gain_covers_one_minus_exp_minus_t_over_tau(tau):
    """From 0, a constant gain g is perceived as g (1 - exp(-t/τ)) after t days."""
    g = np.array([0.0, 0.8, -0.5])
    rep = Reputation(tau, np.zeros(3))
    for t in range(1, 200):
        seen = rep.update(g)
        np.testing.assert_allclose(seen, g * (1.0 - math.exp(-t / tau)), rtol=1e-9, atol=1e-15)


def test_without_a_lag_patients_see_each_day_s_gain():
    rep = Reputation(0.0, np.array([0.3, 0.0]))
    for g in (np.array([0.0, 1.0]), np.array([-0.2, 0.5])):
        np.testing.assert_array_equal(rep.update(g), g)
    rep.perceived[0] = 9.0  # the returned array is a copy, not the caller's
    assert rep.update(np.array([0.1, 0.1]))[0] == 0.1


def test_a_negative_lag_is_refused():
    with pytest.raises(ValueError, match="reputation_lag_days"):
        Reputation(-1.0, np.zeros(2))


def test_the_model_s_perceived_gain_follows_the_lag_of_its_daily_capability(tiny):
    """Tiny county, a specialist seconded to township 0 from day 0, τ = 20 days: the model's
    perceived gain equals the lag recursion over each day's capability (rotation days and
    days off alike), starting from the gain before any policy acted."""
    tau = 20.0
    m = tiny(*SECONDED, f"care.reputation_lag_days={tau}")
    ref = m._capability_reference
    expect = m.county.facilities.capability - ref
    d = math.exp(-1.0 / tau)
    t0 = m.county.n_villages
    seen = []
    for _ in range(40):
        m.step()
        g = m.capability - ref
        expect = g + (expect - g) * d
        np.testing.assert_allclose(m.reputation.perceived, expect, rtol=1e-12, atol=1e-12)
        seen.append(m.reputation.perceived[t0])
    assert 0.0 < seen[0] < seen[-1] < 1.0  # rising towards the presence's +1.0


def test_a_long_lag_delays_the_patients_a_seconded_centre_draws(tiny):
    """Tiny county, same seed, 30 days of secondment at township 0 with capability_weight 2:
    seen at once (τ = 0) the specialist's +1 capability is worth +2 utility at the centre,
    so its visits multiply (odds x e^2 = 7.4); through a 10-year lag almost nothing is seen
    yet (1 - e^(-30/3650) < 1%) and the visits stay near the centre's without secondment."""
    runs = {}
    for name, extra in (
        ("none", ("care.capability_weight=2.0",)),
        ("at once", (*SECONDED, "care.reputation_lag_days=0")),
        ("lagged", (*SECONDED, "care.reputation_lag_days=3650")),
    ):
        m = tiny(*extra)
        for _ in range(30):
            m.step()
        runs[name] = int(m.metrics.fac_visits[0][m.county.n_villages])
    assert runs["at once"] > 1.5 * runs["lagged"], runs
    assert runs["lagged"] < 1.2 * runs["none"], runs
