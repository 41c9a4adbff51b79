"""Where a patient goes: a random-utility choice over the facilities within reach.

Each episode ranks its candidates (own village clinic, own township centre, in a county
with key centres (`county.key_centres`) the key central township centre nearest its own,
each county hospital, out-of-county hospitals) by utility = - travel time (linear, or concave
with `care.travel_scale_min`: see `travel_disutility`) - log expected out-of-pocket cost +
trust in the level - perceived under-treatment for the severity + level constant + Gumbel
noise (a multinomial-logit choice; in a county with key centres, own and key township centre
share a nest, `care.key_centre_nest`: see `nest_noise`). Perceived under-treatment is
undertreat_weight x max(severity - level - gain, 0), gain = the facility's capability minus
its level's reference (`care.capability_reference`). Trust is each patient's own, learnt from
the outcomes of their past episodes (see `update_trust`).
"""

from __future__ import annotations

import numpy as np

from countysim.care.demand import Episodes
from countysim.config.schema import CareConfig
from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE, County


class CareSeeking:
    """Ranks each episode's candidate facilities."""

    def __init__(self, county: County, care: CareConfig, county_shares: list[float]) -> None:
        self.county = county
        self.care = care
        n_cty = county.n_county_hospitals
        primary = [VILLAGE, TOWNSHIP] + ([TOWNSHIP] if county.key_township is not None else [])
        self.col_level = np.array(primary + [COUNTY] * n_cty + [OUT], dtype=np.int64)
        self.n_cols = self.col_level.shape[0]
        # own and key township centre: one nest (columns 1, 2) when there are key centres
        self.nest = care.key_centre_nest if county.key_township is not None else 1.0
        self.county_cols = np.arange(len(primary), len(primary) + n_cty)
        self.const = np.array([care.outpatient_constant, care.inpatient_constant])[
            :, self.col_level
        ]
        extra = np.zeros(self.n_cols)
        extra[self.county_cols] = np.log(np.asarray(county_shares))
        self.const = self.const + extra

    def candidates(self, ep: Episodes) -> np.ndarray:
        """Facility id of each candidate column, shape (episodes, columns)."""
        c = self.county
        v = c.residents.village[ep.resident]
        cand = np.empty((ep.n, self.n_cols), dtype=np.int64)
        own = c.village_township[v]
        cand[:, 0] = v
        cand[:, 1] = c.n_villages + own
        if c.key_township is not None:  # own centre again where there is none (never chosen)
            key = c.key_township[own]
            cand[:, 2] = c.n_villages + np.where(key >= 0, key, own)
        cand[:, self.county_cols] = c.county_facilities
        cand[:, -1] = c.out_facility
        return cand

    def set_prices(self, oop_yuan: np.ndarray) -> None:
        """Fix the day-independent part of utility for the current expected OOP table.

        table[inpatient * 4 + severity, column] = level constant - OOP disutility - perceived
        under-treatment at the level's base capability; village_travel[v, column] is the
        travel disutility from village v. Called whenever the OOP table changes (yearly).
        """
        care, lv = self.care, self.col_level
        inp = np.repeat([0, 1], 4)
        sev = np.tile(np.arange(4), 2)
        oop = oop_yuan[inp[:, None], lv[None, :], sev[:, None]]
        gap = np.maximum(sev[:, None] - lv[None, :], 0)
        table = (
            self.const[inp] - care.oop_log * np.log1p(oop / 100.0) - care.undertreat_weight * gap
        )
        table[4:, 0] = -np.inf  # village clinics have no beds
        self.table = table.astype(np.float32)
        travel = self.county.travel_min[:, lv]
        if self.county.key_travel_min is not None:  # inf: no key centre to choose
            travel[:, 2] = self.county.key_travel_min
        self.village_travel = (-travel_disutility(travel, care)).astype(np.float32)
        # trust (residents x levels) @ trust_map = trust_weight x trust in each column's level
        self.trust_map = np.zeros((4, self.n_cols), dtype=np.float32)
        self.trust_map[lv, np.arange(self.n_cols)] = care.trust_weight

    def utility(
        self,
        ep: Episodes,
        rng: np.random.Generator,
        facility_gain: np.ndarray | None = None,
        cand: np.ndarray | None = None,
    ) -> np.ndarray:
        """Random utility of each candidate column; -inf where the level cannot admit.

        `facility_gain`: each facility's capability above (or, negative, below) its level's
        reference (`care.capability_reference`: e.g. a seconded specialist, or a county whose
        hospitals are weaker), or None. Patients perceive capability level + gain: the
        under-treatment gap max(severity - level - gain, 0) narrows or widens.
        The Gumbel noise is -log(E), E ~ Exp(1) (the same distribution as rng.gumbel).
        Utilities are float32: a tie between two columns has probability ~1e-6 per
        episode and is broken by column order.
        """
        care = self.care
        sev = ep.severity.astype(np.int64)
        row = ep.inpatient.astype(np.int64) * 4 + sev
        village = self.county.residents.village.take(ep.resident)
        trust = np.take(self.county.residents.trust, ep.resident, axis=0)
        u = rng.standard_exponential(size=(ep.n, self.n_cols), dtype=np.float32)
        np.maximum(u, np.float32(1e-38), out=u)
        np.log(u, out=u)
        np.negative(u, out=u)
        if self.nest < 1.0:
            nest_noise(u[:, 1:3], self.nest, rng)
        u += np.take(self.table, row, axis=0)
        u += np.take(self.village_travel, village, axis=0)
        u += trust.astype(np.float32, copy=False) @ self.trust_map
        if facility_gain is not None and cand is not None:
            levels = np.unique(self.county.facilities.level[facility_gain != 0])
            for c in np.flatnonzero(np.isin(self.col_level, levels)):
                base_gap = np.maximum(sev - self.col_level[c], 0)
                g = facility_gain[cand[:, c]]
                now_gap = np.maximum(sev - self.col_level[c] - g, 0)
                u[:, c] += care.undertreat_weight * (base_gap - now_gap)
                if care.capability_weight:
                    u[:, c] += care.capability_weight * g
        return u


def travel_disutility(minutes: np.ndarray, care: CareConfig) -> np.ndarray:
    """Disutility of a trip of `minutes` (inf stays inf): travel_per_hour x hours, or with
    `care.travel_scale_min` = s the concave travel_per_hour x s/60 x log(1 + minutes/s), equal
    per hour for short trips and flatter beyond s (a 6-hour trip is not felt 6 times a 1-hour
    one)."""
    s = care.travel_scale_min
    if s is None:
        return care.travel_per_hour * minutes / 60.0
    return care.travel_per_hour * s / 60.0 * np.log1p(minutes / s)


def nest_noise(gumbel: np.ndarray, lam: float, rng: np.random.Generator) -> None:
    """Turn iid Gumbel noise (rows x nest members) into nested-logit noise, in place.

    eps_j = lam x (g_j + log S), S positive stable with Laplace transform exp(-s^lam), gives
    the GEV distribution F = exp(-(sum_j exp(-eps_j / lam))^lam) (given S, each
    exp(-eps_j / lam) is S x an Exp(1) draw): the nest's best member is Gumbel like any
    other column, at the log-sum of its members. lam = 1 is plain logit (two unrelated
    facilities); towards 0 the members are one option, and the one with the higher utility
    takes it (a near-duplicate adds no share: McFadden's red bus / blue bus). S is drawn by
    Kanter's (1975) representation from U ~ Uniform(0, pi] and E ~ Exp(1).
    """
    n = gumbel.shape[0]
    v = np.pi * (1.0 - rng.random(n))  # (0, pi]: sin(v) > 0
    e = np.maximum(rng.standard_exponential(size=n), 1e-300)
    log_s = (
        np.log(np.sin(lam * v))
        - np.log(np.sin(v)) / lam
        + (1.0 - lam) / lam * (np.log(np.sin((1.0 - lam) * v)) - np.log(e))
    )
    gumbel += log_s[:, None].astype(gumbel.dtype)
    gumbel *= gumbel.dtype.type(lam)


def update_trust(
    trust: np.ndarray, resident: np.ndarray, level: np.ndarray, good: np.ndarray, rate: float
) -> None:
    """Move each patient's trust in the level that treated them towards the outcome (0/1).

    Outcomes are learnt in the order given: a resident with two outcomes at one level on
    one day learns both (0.5 -> 0.75 -> 0.875 at rate 0.5). Such repeats are few: they are
    applied one by one after the rest, which no other update touches."""
    if not trust.flags.c_contiguous:
        raise ValueError("trust must be a C-contiguous (residents x levels) array")
    flat = trust.reshape(-1)  # a view, so the writes below land in `trust`
    idx = resident * trust.shape[1] + level
    outcome = good.astype(np.float32)
    rate32 = np.float32(rate)
    sorted_idx = np.sort(idx)
    twice = sorted_idx[1:] == sorted_idx[:-1]
    if not twice.any():  # the usual case: every pair once
        old = flat.take(idx)
        flat[idx] = old + rate32 * (outcome - old)
        return
    many = np.isin(idx, sorted_idx[1:][twice])  # updates of pairs seen more than once
    once = ~many
    old = flat.take(idx[once])
    flat[idx[once]] = old + rate32 * (outcome[once] - old)
    for k, o in zip(idx[many].tolist(), outcome[many].tolist(), strict=True):  # few, in order
        flat[k] += rate32 * (np.float32(o) - flat[k])
