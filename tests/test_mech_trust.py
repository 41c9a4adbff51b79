"""Trust mechanism (issue 11): outcomes and the update that learns from them.

trust' = trust + rate x (outcome - trust) in the level that treated the patient, with
outcome 1 (good) or 0 (poor), P(good) = clip(success_base + success_slope x (capability -
severity), 0, 1). Tested on the update itself and through deliver() on a built tiny county.
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.careseeking import update_trust
from countysim.care.delivery import deliver
from countysim.care.demand import Episodes
from countysim.care.routing import Routed
from countysim.metrics import C


def test_the_update_moves_trust_toward_the_outcome_at_the_configured_rate():
    """0.8 -> 0.8 + 0.1 x (1 - 0.8) = 0.82 after a good outcome, 0.8 x 0.9 = 0.72 after a
    poor one; only the (resident, level) pairs treated change."""
    trust = np.full((3, 4), 0.8, dtype=np.float32)
    update_trust(
        trust, np.array([0, 1, 2]), np.array([1, 2, 3]), np.array([True, False, True]), 0.1
    )
    want = np.full((3, 4), 0.8)
    want[0, 1], want[1, 2], want[2, 3] = 0.82, 0.72, 0.82
    np.testing.assert_allclose(trust, want, rtol=0, atol=1e-6)


@pytest.mark.parametrize("rate", [0.0, 0.25, 1.0])
def test_repeated_outcomes_converge_geometrically_to_the_outcome(rate):
    """k good outcomes: 1 - (1 - t0)(1 - r)^k; k poor ones: t0 (1 - r)^k (rate 0: no learning,
    rate 1: trust = the last outcome)."""
    t0 = 0.6
    up = np.full((1, 4), t0, dtype=np.float32)
    down = np.full((1, 4), t0, dtype=np.float32)
    for k in range(1, 6):
        update_trust(up, np.array([0]), np.array([2]), np.array([True]), rate)
        update_trust(down, np.array([0]), np.array([2]), np.array([False]), rate)
        assert up[0, 2] == pytest.approx(1 - (1 - t0) * (1 - rate) ** k, abs=1e-6)
        assert down[0, 2] == pytest.approx(t0 * (1 - rate) ** k, abs=1e-6)
    assert (np.delete(up, 2) == np.float32(t0)).all() and (
        np.delete(down, 2) == np.float32(t0)
    ).all()


def test_a_non_contiguous_trust_array_is_refused():
    """The update writes through a flat view: a strided array would be silently copied."""
    trust = np.zeros((4, 8), dtype=np.float32)[:, ::2]
    with pytest.raises(ValueError, match="C-contiguous"):
        update_trust(trust, np.array([0]), np.array([0]), np.array([True]), 0.1)


def test_two_outcomes_on_one_day_at_one_level_are_both_learnt():
    """Regression: update_trust wrote all of a day's updates from the same old value, so a
    resident with two outcomes at one level on one day learnt only the last."""
    trust = np.full((1, 4), 0.5, dtype=np.float32)
    update_trust(trust, np.array([0, 0]), np.array([1, 1]), np.array([True, True]), 0.5)
    assert trust[0, 1] == pytest.approx(0.875)  # 0.5 -> 0.75 -> 0.875
    # in the order given, interleaved with another pair: good then poor, poor then good
    t = np.full((2, 4), 0.5, dtype=np.float32)
    update_trust(
        t, np.array([0, 1, 0, 1]), np.array([2, 2, 2, 2]), np.array([1, 0, 0, 1], bool), 0.5
    )
    assert t[0, 2] == pytest.approx(0.375) and t[1, 2] == pytest.approx(0.625)


def _deliver_at(model, resident, facility, severity, inpatient=False):
    n = resident.size
    ep = Episodes(
        resident.astype(np.int64),
        np.full(n, severity, np.int8) if np.isscalar(severity) else severity.astype(np.int8),
        np.full(n, inpatient, bool),
        np.zeros(n, bool),
    )
    none = np.zeros(0, np.int64)
    return deliver(model, ep, Routed(facility.astype(np.int64), np.zeros(n, bool), none, none, 0))


@pytest.mark.parametrize("base, outcome", [("1.0", 1.0), ("0.0", 0.0)])
def test_delivered_care_teaches_trust_in_the_treating_level_only(tiny, base, outcome):
    """success_base 1 (0) with slope 0: every outcome good (poor); each treated resident's
    trust in the treating level moves exactly to t + 0.1 (outcome - t), nothing else moves."""
    model = tiny("sim.years=1", f"care.success_base={base}", "care.success_slope=0")
    model.decisions["down_referral"][:] = 0.0
    c = model.county
    trust = c.residents.trust
    before = trust.copy()
    res = np.arange(40)
    fac = np.concatenate(
        [np.full(10, f) for f in (0, c.n_villages, c.county_facilities[1], c.out_facility)]
    )
    level = np.repeat([0, 1, 2, 3], 10)
    _deliver_at(model, res, fac, 0)
    want = before.copy()
    want[res, level] = before[res, level] + np.float32(0.1) * (outcome - before[res, level])
    np.testing.assert_allclose(trust, want, rtol=0, atol=1e-6)
    poor = sum(model.metrics.daily[0, C[f"poor_outcomes_l{lv}_s0"]] for lv in range(4))
    assert poor == (40 if outcome == 0.0 else 0)
    model.release()


def test_poor_outcomes_and_mean_trust_follow_the_success_probability(tiny):
    """P(good) = 0.85 + 0.08 x (capability - severity): village (0.2) severity 0 -> 0.866;
    county (2.3) severity 3 -> 0.794. Poor shares within 4 binomial SEs of 2,500 draws each;
    mean trust after one update = t0 + 0.1 (P(good) - t0), within 4 SEs (0.1 x the share's SE).
    """
    model = tiny("sim.years=1", "care.success_base=0.85", "care.success_slope=0.08")
    model.decisions["down_referral"][:] = 0.0
    c = model.county
    n = 2500
    trust0 = c.residents.trust.copy()
    res = np.arange(2 * n)
    fac = np.concatenate([np.zeros(n, np.int64), np.full(n, c.county_facilities[0])])
    sev = np.repeat([0, 3], n)
    _deliver_at(model, res, fac, sev)
    row = model.metrics.daily[0]
    for lv, s, p_good, group in ((0, 0, 0.866, slice(0, n)), (2, 3, 0.794, slice(n, 2 * n))):
        assert row[C[f"outcomes_l{lv}_s{s}"]] == n
        se = np.sqrt(p_good * (1 - p_good) / n)  # ~0.007 and ~0.008
        assert abs(row[C[f"poor_outcomes_l{lv}_s{s}"]] / n - (1 - p_good)) <= 4 * se
        t0 = trust0[group, lv].astype(np.float64)
        t1 = c.residents.trust[group, lv].astype(np.float64)
        assert abs((t1 - t0).mean() - 0.1 * (p_good - t0.mean())) <= 4 * 0.1 * se
    model.release()
