"""Tests written against surviving mutants of countysim.care.delivery (issue 11).

Five hand-placed episodes in the tiny county, all living in village 0 (township t):
0: village visit, a chronic follow-up, new today;
1: township visit, a follow-up that waited 1 day in yesterday's queue;
2: county admission referred up by the township, a migrant's episode treated elsewhere;
3: unplaced and not waiting (untreated), a new follow-up of severity 1;
4: an admission that waited 1 day and waits again for tomorrow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from countysim.care.delivery import deliver
from countysim.care.demand import Episodes
from countysim.care.routing import Routed
from countysim.metrics import C

EPISODES = Episodes(
    np.arange(5, dtype=np.int64),
    np.array([0, 1, 2, 1, 2], dtype=np.int8),
    np.array([False, False, True, False, True]),
    np.array([True, True, False, True, False]),
)
WAITED = np.array([0, 1, 0, 0, 1])
WAITS = np.array([False, False, False, False, True])
ELSEWHERE = np.array([False, False, True, False, False])


def _deliver(model, down_referral: float):
    c = model.county
    c.residents.village[:5] = 0
    v, t = 0, c.n_villages + int(c.village_township[0])
    cty = int(c.county_facilities[0])
    routed = Routed(
        facility=np.array([v, t, cty, -1, -1]),
        referred=np.array([False, False, True, False, False]),
        referrers=np.array([t]),
        referral_episode=np.array([2]),
        turnaways=2,
    )
    model.decisions["down_referral"][:] = down_referral
    model.beds.advance(0)
    deliver(model, EPISODES, routed, ELSEWHERE, WAITED.copy(), WAITS.copy())
    return v, t, cty


def test_queue_follow_ups_and_migrants_are_counted_by_hand(tiny):
    """Carried over = waited >= 1 day (episodes 1 and 4), so 5 - 2 = 3 new episodes; a
    follow-up or admission counts once, when new (follow-ups 0 and 3, admission 2); the
    untreated follow-up still counts as one; one migrant's episode treated elsewhere."""
    model = tiny("sim.years=2", "population.dynamic=false")
    v, t, cty = _deliver(model, down_referral=0.0)
    row = model.metrics.daily[0]
    want = {
        "episodes": 3,
        "waiting_in": 2,
        "waiting_out": 1,
        "waited_treated": 1,  # episode 1
        "waiting_days": 1,
        "inpatient_episodes": 1,  # episode 2 (episode 4 came from yesterday)
        "followups": 2,  # episodes 0 and 3 (episode 1 came from yesterday)
        "treated": 3,
        "untreated": 1,
        "untreated_sev1": 1,
        "elsewhere": 1,
        "visits_l0": 1,
        "visits_l1": 1,
        "admissions_l2": 1,
        "referral_visits_l1": 1,
        "referrals_up": 1,
        "referral_steps_up": 1,
        "turnaways": 2,
        "self_referrals": 0,
        "referrals_down": 0,
    }
    assert {name: int(row[C[name]]) for name in want} == want
    # facility volumes of year 0 (the referral consultation is a visit at the township);
    # year 1 is untouched
    m = model.metrics
    assert (m.fac_visits[0, v], m.fac_visits[0, t], m.fac_visits[0, cty]) == (1, 2, 0)
    assert m.fac_admissions[0, cty] == 1 and m.fac_admissions[0].sum() == 1
    assert m.fac_referrals_up[0, t] == 1 and m.fac_referrals_up[0].sum() == 1
    assert (
        m.fac_revenue_fen[0, [v, t, cty]].all() and m.fac_revenue_fen[0].sum() == row[C["cost_fen"]]
    )
    for a in (m.fac_visits, m.fac_admissions, m.fac_referrals_up, m.fac_revenue_fen):
        assert not a[1].any()
    model.release()


def test_delivery_adds_to_counters_and_accumulators_already_holding_counts(tiny):
    """deliver() adds to today's counters (the waiting-queue clean-up at a year start writes
    to the same row first) and to the year's facility and claims accumulators: a model whose
    accumulators start at 1,000 ends exactly 1,000 above an identical model starting at 0."""
    fresh = tiny("sim.years=1", "population.dynamic=false")
    held = tiny("sim.years=1", "population.dynamic=false")
    m = held.metrics
    arrays = lambda model: [  # noqa: E731
        model.metrics.daily[0],
        model.metrics.fac_visits,
        model.metrics.fac_admissions,
        model.metrics.fac_referrals_up,
        model.metrics.fac_revenue_fen,
        model.year_claims_fen,
        model.year_claims_by_consortium,
        model.year_oop_fen,
    ]
    for a in arrays(held):
        a += 1000
    _deliver(fresh, down_referral=1.0)
    _deliver(held, down_referral=1.0)
    assert m.daily[0, C["stepdown_admissions"]] == 1001  # the admission was sent down
    for got, base in zip(arrays(held), arrays(fresh), strict=True):
        np.testing.assert_array_equal(got - 1000, base)
    fresh.release()
    held.release()


class _RecordingPoisson:
    """Stands in for the stay stream: records each Poisson mean, draws 0 (stays of 1 day)."""

    def __init__(self) -> None:
        self.means: list[list[float]] = []

    def poisson(self, lam):
        self.means.append(np.asarray(lam, dtype=float).tolist())
        return np.zeros(np.shape(lam), dtype=np.int64)


def test_a_stay_is_one_day_plus_a_poisson_draw_of_the_mean_stay_less_one(tiny):
    """Mean stays 1.5 days at townships and 1 day at county hospitals: the Poisson means
    are 1.5 - 1 = 0.5 and 1 - 1 = 0 (a county stay is then always exactly 1 day)."""
    model = tiny("sim.years=1", "demand.stay_days=[1,1.5,1,8.8]")
    stays = _RecordingPoisson()
    model.streams._cache["stay"] = stays
    c = model.county
    c.residents.village[:2] = 0
    t, cty = c.n_villages + int(c.village_township[0]), int(c.county_facilities[0])
    ep = Episodes(
        np.array([0, 1]), np.array([1, 2], np.int8), np.array([True, True]), np.zeros(2, bool)
    )
    routed = Routed(
        np.array([t, cty]), np.zeros(2, bool), np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    )
    model.beds.advance(0)
    deliver(model, ep, routed)
    assert stays.means == [[0.5, 0.0]]
    model.release()


class _FixedPoisson:
    """Stands in for the stay stream: every Poisson draw is k (stay = 1 + k days)."""

    def __init__(self, k: int) -> None:
        self.k = k

    def poisson(self, lam):
        return np.full(np.shape(lam), self.k, dtype=np.int64)


class _FixedUniform:
    """Stands in for the referral stream: every uniform is u."""

    def __init__(self, u: float) -> None:
        self.u = u

    def random(self, size):
        return np.full(size, self.u)


class _Uniforms:
    """Stands in for a random stream: hands out the given uniforms."""

    def __init__(self, u: list[float]) -> None:
        self.u = np.asarray(u)

    def random(self, size):
        assert size == self.u.size
        return self.u


@pytest.mark.parametrize(
    "k, share, u, p, acute, conv",
    [
        (1, 0.4, 0.0, 1.0, 1, 1),  # stay 2: rint(0.8) = 1 day down, 1 at the county
        (1, 0.1, 0.0, 1.0, 1, 1),  # stay 2: rint(0.2) = 0, raised to the least 1 day down
        (1, 0.9, 0.0, 1.0, 1, 1),  # stay 2: rint(1.8) = 2, capped at 2 - 1 = 1 day down
        (2, 0.9, 0.0, 1.0, 1, 2),  # stay 3: rint(2.7) = 3, capped at 3 - 1 = 2 days down
        (4, 0.4, 0.5, 0.5, 5, 0),  # u = p: not below the probability, not sent down
        (4, 0.4, 0.49, 0.5, 3, 2),  # u < p: stay 5, rint(2.0) = 2 days down
        (0, 0.4, 0.0, 1.0, 1, 0),  # a 1-day stay has no convalescence to send down
    ],
)
def test_county_inpatients_go_down_for_the_convalescent_share_of_their_stay(
    tiny, k, share, u, p, acute, conv
):
    """A county admission of stay 1 + k is sent down when u < the down-referral probability
    p and the stay is at least 2 days: rint(stay x share) days at the township, at least 1
    and at most stay - 1; the rest (acute) at the county."""
    model = tiny("sim.years=1", f"care.convalescent_share={share}")
    model.streams._cache["stay"] = _FixedPoisson(k)
    model.streams._cache["referral"] = _FixedUniform(u)
    model.decisions["down_referral"][:] = p
    c = model.county
    c.residents.village[0] = 0
    cty, town = int(c.county_facilities[0]), c.n_villages + int(c.village_township[0])
    model.beds.advance(0)
    ep = Episodes(np.array([0]), np.array([2], np.int8), np.array([True]), np.array([False]))
    routed = Routed(
        np.array([cty]), np.array([False]), np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    )
    claims = deliver(model, ep, routed)
    seen = []
    for d in range(8):
        if d:
            model.beds.advance(d)
        seen.append((int(model.beds.occupied[cty]), int(model.beds.occupied[town])))
    assert seen == [(int(d < acute), int(acute <= d < acute + conv)) for d in range(8)]
    row = model.metrics.daily[0]
    assert row[C["referrals_down"]] == row[C["stepdown_admissions"]] == int(conv > 0)
    assert claims.convalescent.tolist() == [False] + [True] * (conv > 0)
    adm = model.metrics.fac_admissions[0]
    assert (adm[cty], adm[town], adm.sum()) == (1, int(conv > 0), 1 + int(conv > 0))
    model.release()


def test_without_a_free_township_bed_the_whole_stay_is_at_the_county(tiny):
    """Sent down (u = 0 < p = 1, stay 5, 2 convalescent days) but every bed of the
    township is taken until day 10: the patient stays all 5 days at the county, and no
    step-down admission or convalescent claim line is made."""
    model = tiny("sim.years=1", "care.convalescent_share=0.4")
    model.streams._cache["stay"] = _FixedPoisson(4)
    model.streams._cache["referral"] = _FixedUniform(0.0)
    model.decisions["down_referral"][:] = 1.0
    c = model.county
    c.residents.village[0] = 0
    cty, town = int(c.county_facilities[0]), c.n_villages + int(c.village_township[0])
    model.beds.advance(0)
    n = int(model.beds.free()[town])
    model.beds.occupy(0, np.full(n, town), np.zeros(n, np.int64), np.full(n, 10))
    ep = Episodes(np.array([0]), np.array([2], np.int8), np.array([True]), np.array([False]))
    routed = Routed(
        np.array([cty]), np.array([False]), np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    )
    claims = deliver(model, ep, routed)
    seen = []
    for d in range(8):
        if d:
            model.beds.advance(d)
        seen.append(int(model.beds.occupied[cty]))
    assert seen == [1, 1, 1, 1, 1, 0, 0, 0]
    assert model.metrics.daily[0, C["stepdown_admissions"]] == 0
    assert claims.n == 1 and not claims.convalescent.any()
    model.release()


class _UnitNoise:
    """Stands in for a cost stream: every lognormal factor is exactly 1 (bill = price)."""

    def lognormal(self, mean, sigma, size):
        return np.ones(size)


def test_claim_lines_of_a_referred_stepped_down_admission_and_a_visit(tiny):
    """Two residents of a village of consortium 1. Episode 0: a county admission (severity
    2) referred village -> township -> county, sent down for 2 of its 5 days; episode 1: a
    village visit (severity 0). Bills at their price: the lines are the two treatments, the
    convalescent stay at the township (2 bed-days) and the two referral consultations
    (outpatient visits of severity 2 at the village, a first contact, and at the township,
    reached by referral)."""
    model = tiny("sim.years=2", "care.convalescent_share=0.4")
    for name in ("cost", "consultation_cost"):
        model.streams._cache[name] = _UnitNoise()
    model.streams._cache["stay"] = _FixedPoisson(4)
    model.streams._cache["referral"] = _FixedUniform(0.0)
    model.decisions["down_referral"][:] = 1.0
    c = model.county
    v = int(np.flatnonzero(c.facilities.consortium[: c.n_villages] == 1)[0])  # consortium 1
    c.residents.village[:2] = v
    c.residents.enrolled[:2] = True
    t, cty = c.n_villages + int(c.village_township[v]), int(c.county_facilities[0])
    model.beds.advance(0)
    ep = Episodes(
        np.array([0, 1]), np.array([2, 0], np.int8), np.array([True, False]), np.zeros(2, bool)
    )
    routed = Routed(
        np.array([cty, v]), np.array([True, False]), np.array([v, t]), np.zeros(2, np.int64), 0
    )
    cl = deliver(model, ep, routed)
    price = np.round(model.prices.mean_fen).astype(np.int64)  # [inpatient, level, severity]
    assert cl.episode.tolist() == [0, 1, 0, 0, 0]
    assert cl.resident.tolist() == [0, 1, 0, 0, 0]
    assert cl.facility.tolist() == [cty, v, t, v, t]
    assert cl.level.tolist() == [2, 0, 1, 0, 1] and cl.level.dtype == np.int8
    assert cl.inpatient.tolist() == [True, False, True, False, False]
    assert cl.referred.tolist() == [True, False, True, False, True]
    assert cl.convalescent.tolist() == [False, False, True, False, False]
    assert cl.severity.tolist() == [2, 0, 2, 2, 2]
    assert cl.enrolled.all()
    # the county bill less its convalescent share 0.4; 2 bed-days; consultations at price
    cost = [round(price[1, 2, 2] * 0.6), price[0, 0, 0], 2 * model.prices.bed_day_fen]
    cost += [price[0, 0, 2], price[0, 1, 2]]
    assert cl.cost_fen.tolist() == cost and cl.cost_fen.dtype == np.int64
    assert (cl.reimbursed_fen + cl.oop_fen).tolist() == cost
    r, oop = cl.reimbursed_fen, cl.oop_fen
    assert model.year_claims_fen.tolist() == [r[1] + r[3], r[2] + r[4], r[0], 0]
    assert model.year_oop_fen.tolist() == [oop[1] + oop[3], oop[2] + oop[4], oop[0], 0]
    by_consortium = np.zeros_like(model.year_claims_by_consortium)
    by_consortium[1] = model.year_claims_fen
    np.testing.assert_array_equal(model.year_claims_by_consortium, by_consortium)
    revenue = model.metrics.fac_revenue_fen
    assert (revenue[0, cty], revenue[0, v], revenue[0, t]) == (
        cost[0],
        cost[1] + cost[3],
        cost[2] + cost[4],
    )
    assert revenue[0].sum() == sum(cost) and not revenue[1].any()
    row = model.metrics.daily[0]
    assert row[C["cost_fen"]] == sum(cost)
    assert (row[C["reimbursed_fen"]], row[C["oop_fen"]]) == (r.sum(), oop.sum())
    model.release()


def test_an_outcome_is_good_when_its_uniform_is_below_the_success_probability(tiny):
    """Success probability 0.75 everywhere (slope 0). Two village visits, severity 0 and 1:
    a uniform of exactly 0.75 is a poor outcome, 0.5 a good one. Each is counted at
    (level 0, its severity), and trust in the village level moves a tenth of the way
    (learning rate 0.1) to 0 and to 1."""
    model = tiny(
        "sim.years=1",
        "care.success_base=0.75",
        "care.success_slope=0.0",
        "care.trust_learning_rate=0.1",
    )
    model.streams._cache["outcome"] = _Uniforms([0.75, 0.5])
    c = model.county
    c.residents.village[:2] = 0
    c.residents.trust[:2] = 0.5
    ep = Episodes(np.array([0, 1]), np.array([0, 1], np.int8), np.zeros(2, bool), np.zeros(2, bool))
    routed = Routed(
        np.array([0, 0]), np.zeros(2, bool), np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    )
    deliver(model, ep, routed)
    row = model.metrics.daily[0]
    outcomes = {(lv, s): int(row[C[f"outcomes_l{lv}_s{s}"]]) for lv in range(4) for s in range(4)}
    poor = {(lv, s): int(row[C[f"poor_outcomes_l{lv}_s{s}"]]) for lv in range(4) for s in range(4)}
    assert {k: n for k, n in outcomes.items() if n} == {(0, 0): 1, (0, 1): 1}
    assert {k: n for k, n in poor.items() if n} == {(0, 0): 1}
    assert c.residents.trust[:2, 0].tolist() == pytest.approx([0.45, 0.55])
    assert c.residents.trust[:2, 1:].tolist() == [[0.5] * 3] * 2
    model.release()


@pytest.mark.parametrize("full", [False, True])
def test_catastrophic_cover_counts_the_in_list_out_of_pocket_of_an_admission(tiny, full):
    """A county admission billed at its price, not sent down: the catastrophic cover adds
    floor(in-list share 0.67 x cost) - reimbursed to the patient's yearly out-of-pocket;
    nothing when the fund reimburses the whole in-list part (share 1, no deductible)."""
    cover = ("insurance.inpatient_reimbursement=[0,1,1,1]",)
    cover += ("insurance.inpatient_deductible_yuan=[0,0,0,0]",)
    model = tiny("sim.years=1", "insurance.in_list_share=0.67", *(cover if full else ()))
    model.streams._cache["cost"] = _UnitNoise()
    model.decisions["down_referral"][:] = 0.0
    c = model.county
    c.residents.enrolled[0] = True
    cty = int(c.county_facilities[0])
    ep = Episodes(np.array([0]), np.array([2], np.int8), np.array([True]), np.array([False]))
    routed = Routed(
        np.array([cty]), np.array([False]), np.zeros(0, np.int64), np.zeros(0, np.int64), 0
    )
    cl = deliver(model, ep, routed)
    cost = int(cl.cost_fen[0])
    assert cost == round(model.prices.mean_fen[1, 2, 2])
    want = max(math.floor(cost * 0.67) - int(cl.reimbursed_fen[0]), 0)
    assert (want == 0) == full
    assert model.catastrophic.spent_fen[0] == want
    model.release()
