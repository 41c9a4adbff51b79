"""Key central township centres ("2+5+N" sub-centres, `county.key_centres`).

Residents of an ordinary township may also choose the key centre nearest it: a township
column whose travel is the own centre's plus `key_centre_extra_travel_min` x sqrt(the
township's remoteness factor). Residents of a key township have no such column (-inf).
A capability gain at the key centre (a seconded specialist) therefore also draws the
neighbouring townships' patients.
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim.care.careseeking import CareSeeking, nest_noise
from countysim.care.demand import Episodes
from countysim.config.params import ConfigError
from countysim.config.schema import CareConfig, Config
from countysim.world.county import County, Facilities, generate, key_blocks

from .handbuilt import adult_residents

CARE = CareConfig(  # linear travel: the key column differs by its extra minutes alone
    travel_per_hour=1.2,
    travel_scale_min=None,
    undertreat_weight=1.5,
    trust_weight=2.0,
    capability_weight=2.0,
)
# villages 0 (township 0, the key one) and 1 (township 1); facilities: clinics 0, 1,
# centres 2, 3, county hospital 4, out of county 5
TRAVEL = np.array([[10.0, 20.0, 30.0, 150.0], [10.0, 25.0, 40.0, 160.0]])
KEY_TRAVEL = np.array([np.inf, 25.0 + 40.0])
OOP = np.full((2, 4, 4), 50.0)


def _county(key: bool = True) -> County:
    n = 2
    trust = np.full((n, 4), 0.9, np.float32)
    residents = adult_residents(np.arange(n, dtype=np.int32), trust)
    level = np.array([0, 0, 1, 1, 2, 3], dtype=np.int8)
    facilities = Facilities(
        level=level,
        name=[f"f{i}" for i in range(6)],
        township=np.array([0, 1, 0, 1, -1, -1], np.int32),
        doctors=np.array([1, 1, 10, 10, 50, np.inf]),
        beds=np.array([0, 0, 20, 20, 100, 10**9]),
        capability=np.asarray(CARE.capability)[level],
        consortium=np.array([0, 0, 0, 0, 0, -1], np.int32),
    )
    county = County(residents, facilities, np.array([0, 1], np.int32), TRAVEL.copy(), 2, 2, 1, None)
    if key:
        county.key_township = np.array([-1, 0], np.int32)
        county.key_travel_min = KEY_TRAVEL.copy()
    return county


def _episodes(resident: int, severity: int, n: int) -> Episodes:
    return Episodes(
        np.full(n, resident, np.int64),
        np.full(n, severity, np.int8),
        np.zeros(n, bool),
        np.zeros(n, bool),
    )


def _seeking(county: County) -> CareSeeking:
    cs = CareSeeking(county, CARE, [1.0])
    cs.set_prices(OOP)
    return cs


def test_key_blocks_assign_each_township_the_nearest_key_township_by_number():
    np.testing.assert_array_equal(
        key_blocks(np.array([2, 7]), 10), [2, 2, -1, 2, 2, 7, 7, -1, 7, 7]
    )
    np.testing.assert_array_equal(key_blocks(np.array([0, 4]), 5), [-1, 0, 0, 4, -1])  # tie: lower


def test_the_key_column_is_a_township_column_at_the_key_centre_with_the_longer_trip():
    """Ordinary township: column 2 = the key centre; V differs from the own centre's only by
    travel (same level constants, prices, trust). Key township: column 2 is -inf."""
    cs = _seeking(_county())
    np.testing.assert_array_equal(cs.col_level, [0, 1, 1, 2, 3])
    ep = Episodes(np.array([0, 1]), np.zeros(2, np.int8), np.zeros(2, bool), np.zeros(2, bool))
    np.testing.assert_array_equal(cs.candidates(ep), [[0, 2, 2, 4, 5], [1, 3, 2, 4, 5]])
    u = cs.utility(ep, np.random.default_rng(1))
    noise = -np.log(np.random.default_rng(1).standard_exponential((2, 5), dtype=np.float32))
    det = u - noise
    assert det[0, 2] == -np.inf
    extra = KEY_TRAVEL[1] - TRAVEL[1, 1]
    np.testing.assert_allclose(det[1, 2] - det[1, 1], -CARE.travel_per_hour * extra / 60, atol=1e-5)


def test_without_key_centres_the_choice_set_is_unchanged():
    cs = _seeking(_county(key=False))
    np.testing.assert_array_equal(cs.col_level, [0, 1, 2, 3])


def _deterministic(cs: CareSeeking, resident: int, severity: int) -> np.ndarray:
    """V of each column: one episode's utility minus the noise its stream drew."""
    u = cs.utility(_episodes(resident, severity, 1), np.random.default_rng(0))[0]
    e = np.random.default_rng(0).standard_exponential((1, 5), dtype=np.float32)[0]
    return u.astype(np.float64) + np.log(e.astype(np.float64))


def test_a_gain_at_the_key_centre_draws_the_neighbouring_township_s_patients():
    """Severity-2 outpatients of township 1: the share choosing the key centre follows the
    logit before and after the key centre gains a full capability level (perceived gap
    1 -> 0: + undertreat_weight, and + capability_weight for the level itself). n = 40,000
    draws each; 4 binomial SEs per column."""
    n = 40_000
    cs = _seeking(_county())
    ep = _episodes(1, 2, n)
    gain = np.zeros(6)
    gain[2] = 1.0
    before = np.argmax(cs.utility(ep, np.random.default_rng(5)), axis=1)
    after = np.argmax(cs.utility(ep, np.random.default_rng(6), gain, cs.candidates(ep)), axis=1)
    v = _deterministic(cs, 1, 2)
    for boost, chosen in ((0.0, before), (CARE.undertreat_weight + CARE.capability_weight, after)):
        w = v.copy()
        w[2] += boost
        p = np.exp(w - w.max())
        p /= p.sum()
        got = np.bincount(chosen, minlength=5) / n
        se = np.sqrt(p * (1 - p) / n)
        assert np.all(np.abs(got - p) <= 4 * se), (boost, got, p)
    assert (after == 2).mean() > 2 * (before == 2).mean()


def _generated(key_centres: int) -> tuple[Config, County]:
    cfg = Config()
    cfg.county.residents = 120_000
    cfg.county.key_centres = key_centres
    return cfg, generate(cfg.county, cfg.care, np.random.default_rng(4))


def test_generated_key_centres_are_the_most_populous_townships_and_draw_nothing_extra():
    cfg, c = _generated(2)
    _, plain = _generated(0)
    assert plain.key_township is None and plain.key_travel_min is None
    np.testing.assert_array_equal(c.residents.village, plain.residents.village)  # same draws
    np.testing.assert_array_equal(c.travel_min, plain.travel_min)
    pop = np.bincount(c.village_township[c.residents.village], minlength=c.n_townships)
    keys = np.flatnonzero(c.key_township < 0)
    assert keys.size == 2 and pop[keys].min() >= np.delete(pop, keys).max()
    assert set(c.key_township[c.key_township >= 0]) <= set(keys)
    key_village = c.key_township[c.village_township] < 0
    assert np.all(np.isinf(c.key_travel_min[key_village]))
    extra = c.key_travel_min[~key_village] - c.travel_min[~key_village, 1]
    assert np.all(extra > 0)
    # sqrt(remoteness) has mean below 1 but is centred near it
    assert 0.8 * cfg.county.key_centre_extra_travel_min < np.median(extra) < 1.2 * 30


def test_more_key_centres_than_townships_is_a_one_line_error():
    cfg = Config()
    cfg.county.residents = 60_000  # 3 townships
    cfg.county.key_centres = 4
    with pytest.raises(ConfigError, match=r"county.key_centres = 4: must be in \[0, 3\]"):
        cfg.county.check("county")


def test_the_rotation_s_sub_centres_are_the_county_s_key_centres(tiny):
    model = tiny(
        "county.key_centres=1", "secondment=rotation", "secondment.targets=sub_centres",
        "secondment.n_sub_centres=1",
    )  # fmt: skip
    key_fac = model.county.n_villages + np.flatnonzero(model.county.key_township < 0)
    rotation = next(p for p in model.policies if type(p).__name__ == "Rotation")
    np.testing.assert_array_equal(rotation._target_ids, key_fac)


def test_in_a_model_the_key_centre_draws_patients_from_the_other_township(tiny):
    """Tiny county (2 townships), 60 days: the key centre sees more visits than the same
    centre in the same county without key centres (same seed, same residents)."""
    with_key, plain = tiny("county.key_centres=1"), tiny()
    key_fac = with_key.county.n_villages + np.flatnonzero(with_key.county.key_township < 0)
    other = with_key.county.n_villages + np.flatnonzero(with_key.county.key_township >= 0)
    for m in (with_key, plain):
        for _ in range(60):
            m.step()
    assert (
        with_key.metrics.fac_visits[0][key_fac].sum()
        > 1.1 * plain.metrics.fac_visits[0][key_fac].sum()
    )
    assert with_key.metrics.fac_visits[0][other].sum() < plain.metrics.fac_visits[0][other].sum()


# --- the nest of own and key centre (care.key_centre_nest) --------------------------------


def _nested(lam: float) -> CareSeeking:
    care = CareConfig(**{**CARE.__dict__, "key_centre_nest": lam})
    cs = CareSeeking(_county(), care, [1.0])
    cs.set_prices(OOP)
    return cs


def test_positive_stable_draws_have_the_laplace_transform_the_nest_needs():
    """exp(eps / lam) from zero Gumbel noise is the positive stable S of nest_noise:
    E[exp(-s S)] = exp(-s^lam). n = 200,000 draws; 5 standard errors of the mean."""
    n = 200_000
    for lam in (0.2, 0.5, 0.8):
        eps = np.zeros((n, 1))
        nest_noise(eps, lam, np.random.default_rng(11))
        s_draw = np.exp(eps[:, 0] / lam)
        for s in (0.5, 1.0, 2.0):
            x = np.exp(-s * s_draw)
            assert abs(x.mean() - np.exp(-(s**lam))) <= 5 * x.std() / np.sqrt(n), (lam, s)


@pytest.mark.parametrize("lam", [0.3, 0.7])
def test_own_and_key_centre_are_chosen_with_the_nested_logit_probabilities(lam):
    """Severity-2 outpatients of township 1 (key centre nearby): the share of each column is
    the nested logit's, P(j) = P(nest) x P(j | nest) with the log-sum I = log sum exp(V/lam)
    over own and key centre and P(nest) = exp(lam I) / (exp(lam I) + sum of the others'
    exp(V)). n = 40,000 draws; 4 binomial SEs per column."""
    n = 40_000
    v = _deterministic(_seeking(_county()), 1, 2)  # V does not depend on the nest
    cs = _nested(lam)
    got = np.bincount(np.argmax(cs.utility(_episodes(1, 2, n), np.random.default_rng(8)), 1),
                      minlength=5) / n  # fmt: skip
    inclusive = np.log(np.exp(v[1] / lam) + np.exp(v[2] / lam))
    top = np.exp(np.r_[v[0], lam * inclusive, v[3:]])
    p_nest = top / top.sum()
    within = np.exp(v[1:3] / lam) / np.exp(v[1:3] / lam).sum()
    p = np.r_[p_nest[0], p_nest[1] * within, p_nest[2:]]
    se = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(got - p) <= 4 * se), (got, p)


def test_with_a_tight_nest_a_key_centre_no_better_than_one_s_own_adds_no_share():
    """Plain logit (lam = 1) counts the key centre as a second township facility: the two
    together draw more patients than the own centre would alone (red bus / blue bus). With
    lam = 0.05 they are one option and the farther one adds nothing: the township share is
    the own centre's share in the same county without key centres (4 binomial SEs)."""
    n = 40_000
    ep = _episodes(1, 2, n)
    alone = np.argmax(_seeking(_county(key=False)).utility(ep, np.random.default_rng(2)), 1)
    p_alone = (alone == 1).mean()
    se = np.sqrt(p_alone * (1 - p_alone) / n)
    for lam, inflated in ((1.0, True), (0.05, False)):
        chosen = np.argmax(_nested(lam).utility(ep, np.random.default_rng(3)), 1)
        share = np.isin(chosen, [1, 2]).mean()
        if inflated:
            assert share > p_alone + 8 * se, (share, p_alone)
        else:
            assert abs(share - p_alone) <= 4 * np.sqrt(2) * se, (share, p_alone)
            assert (chosen == 2).mean() < 1e-3


def test_a_plain_logit_nest_draws_nothing_extra_from_the_stream():
    """lam = 1 is the plain logit: the utilities are those of the default choice, draw for
    draw (no stable variates drawn), so runs without a nest are unchanged."""
    ep = _episodes(1, 1, 100)
    a = _seeking(_county()).utility(ep, np.random.default_rng(4))
    b = _nested(1.0).utility(ep, np.random.default_rng(4))
    np.testing.assert_array_equal(a, b)


# --- a weak key centre before support (county.key_centre_capability) ----------------------


def test_a_key_centre_capability_is_given_to_the_key_centres_only():
    cfg = Config()
    cfg.county.residents = 120_000
    cfg.county.key_centres = 2
    cfg.county.key_centre_capability = 0.4
    c = generate(cfg.county, cfg.care, np.random.default_rng(4))
    _, plain = _generated(2)
    keys = c.n_villages + np.flatnonzero(c.key_township < 0)
    np.testing.assert_array_equal(c.facilities.capability[keys], [0.4, 0.4])
    others = np.setdiff1d(np.arange(c.facilities.n), keys)
    np.testing.assert_array_equal(
        c.facilities.capability[others], plain.facilities.capability[others]
    )
    np.testing.assert_array_equal(plain.facilities.capability[keys], [1.2, 1.2])


def test_in_a_model_a_weak_key_centre_sees_fewer_visits_than_at_the_township_level(tiny):
    """Tiny county, 60 days, same seed: with capability_weight 2, a key centre at capability
    0.4 (0.8 below the township reference) is avoided; at 1.2 it is not."""
    common = ("county.key_centres=1", "care.capability_weight=2.0")
    weak, level = tiny(*common, "county.key_centre_capability=0.4"), tiny(*common)
    key_fac = weak.county.n_villages + np.flatnonzero(weak.county.key_township < 0)
    for m in (weak, level):
        for _ in range(60):
            m.step()
    w, lv = (m.metrics.fac_visits[0][key_fac].sum() for m in (weak, level))
    # the logit weight falls by exp(-2 x 0.8) = 0.2 for every episode; well below 0.6
    assert w < 0.6 * lv, (w, lv)
