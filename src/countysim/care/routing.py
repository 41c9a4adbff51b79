"""Capability, capacity and referral: which facility ends up treating each episode.

Rules, applied in rounds until every episode is placed:
* capability: a facility treats severity s with probability clip(capability - s + 1, 0, 1);
  otherwise it sees the patient in an outpatient consultation and refers the episode up
  (village -> own township -> the patient's preferred county hospital -> out of county);
  the episode counts as referred, the consultation as a visit at the referring facility;
* capacity: each facility sees, in random order, up to its remaining outpatient slots
  (doctor-days; outpatients and referral consultations) or free beds (inpatients it can
  treat) today; those turned away try their next preference at the same or a higher
  level, up to `max_turnaways` times (so up to max_turnaways + 1 facilities a day); after
  that, or with no option left, they are placed nowhere today (the model queues them for
  the next day, up to care.max_wait_days, then they go untreated).
  Out-of-county hospitals never turn anybody away.
* referral on request (`ask`, e.g. triage=gatekeeping): an outpatient who asks for a
  referral first queues at the own township centre like everybody else; seen there, the
  centre treats the case if it can and does not refer it on request (probability
  1 - `on_request`), otherwise refers it to the facility the patient asked for (a
  consultation at the centre; the episode counts as referred). Turned away at a full
  centre, the patient goes straight to that facility without a referral. An episode that
  already holds a referral (`held`: from an earlier day) asks for none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countysim.care.demand import Episodes
from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE

_MAX_ROUNDS = 16


@dataclass
class Routed:
    """Where each episode was placed."""

    facility: np.ndarray  # int64, -1 = untreated
    referred: np.ndarray  # bool: referred up at least once (placed or not)
    referrers: np.ndarray  # int64 facility ids that referred an episode up (one per step)
    referral_episode: np.ndarray  # int64 episode of each referral step (aligned to referrers)
    turnaways: int


def rank_in_group(key: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal keys (key must be sorted)."""
    n = key.shape[0]
    idx = np.arange(n)
    first = np.ones(n, dtype=bool)
    first[1:] = key[1:] != key[:-1]
    return idx - np.maximum.accumulate(np.where(first, idx, 0))


def route(
    ep: Episodes,
    cand: np.ndarray,
    utility: np.ndarray,
    col_level: np.ndarray,
    fac_level: np.ndarray,
    capability: np.ndarray,
    out_slots: np.ndarray,
    free_beds: np.ndarray,
    rng: np.random.Generator,
    max_turnaways: int,
    ask: np.ndarray | None = None,
    on_request: float = 1.0,
    held: np.ndarray | None = None,
) -> Routed:
    """Place the day's episodes; decrements `out_slots` and `free_beds` in place. `ask`:
    outpatients asking their own township centre (the first township column) for a
    referral to their first choice; `held`: episodes referred on an earlier day."""
    n, k = cand.shape
    rows = np.arange(n)
    # preference order: higher utility first, ties by lower column; the first choice is
    # the argmax, and a turned-away episode moves to its best column ranked below the
    # current one (so no episode needs a full sort)
    col = np.argmax(utility, axis=1)
    cur_u = np.take_along_axis(utility, col[:, None], axis=1)[:, 0]
    county_cols = np.flatnonzero(col_level == COUNTY)
    best = county_cols[np.argmax(utility[:, county_cols], axis=1)]
    best_county = np.take_along_axis(cand, best[:, None], axis=1)[:, 0]
    up = np.empty((n, 3), dtype=np.int64)
    up[:, VILLAGE] = cand[:, np.flatnonzero(col_level == TOWNSHIP)[0]]
    up[:, TOWNSHIP] = best_county
    up[:, COUNTY] = cand[:, np.flatnonzero(col_level == OUT)[0]]

    fac = np.take_along_axis(cand, col[:, None], axis=1)[:, 0]
    asking = np.zeros(n, bool) if ask is None else ask.copy()
    fac[asking] = up[asking, VILLAGE]  # the own township centre
    facility = np.full(n, -1, dtype=np.int64)
    referred = np.zeros(n, dtype=bool) if held is None else held.copy()
    attempts = np.zeros(n, dtype=np.int64)
    referrers: list[np.ndarray] = []
    ref_eps: list[np.ndarray] = []
    turnaways = 0
    sev, inp = ep.severity, ep.inpatient
    n_fac = fac_level.shape[0]
    active = rows[np.isfinite(cur_u)]
    for _ in range(_MAX_ROUNDS):
        if active.size == 0:
            break
        f = fac[active]
        can = rng.random(active.size) < np.clip(capability[f] - sev[active] + 1.0, 0.0, 1.0)
        at_centre = asking[active]
        if at_centre.any():  # kept: it can treat the case and does not refer it on request
            keep = rng.random(int(at_centre.sum())) >= on_request
            can[at_centre] &= keep
        bed = inp[active] & can  # a bed for an admission; a slot for a visit or consultation
        key = f * 2 + bed
        # random order within each (facility, bed or slot): sort by key + a uniform in [0, 1)
        srt = np.argsort(key + rng.random(active.size))
        g, bed_g, can_g = active[srt], bed[srt], can[srt]
        slots = np.where(bed_g, free_beds[fac[g]], out_slots[fac[g]])
        ok = rank_in_group(key[srt]) < slots
        seen, rejected = g[ok], g[~ok]
        free_beds -= np.bincount(fac[seen[bed_g[ok]]], minlength=n_fac)
        out_slots -= np.bincount(fac[seen[~bed_g[ok]]], minlength=n_fac)
        placed = seen[can_g[ok]]
        facility[placed] = fac[placed]
        up_idx = seen[~can_g[ok]]
        if up_idx.size:
            referrers.append(fac[up_idx])
            ref_eps.append(up_idx)
            referred[up_idx] = True
            asked_for = cand[up_idx, col[up_idx]]
            fac[up_idx] = np.where(asking[up_idx], asked_for, up[up_idx, fac_level[fac[up_idx]]])
        asking[seen] = False
        turnaways += rejected.size
        straight = rejected[asking[rejected]]  # the centre is full: straight, unreferred
        if straight.size:
            asking[straight] = False
            fac[straight] = cand[straight, col[straight]]
            rejected = np.setdiff1d(rejected, straight, assume_unique=True)
        attempts[rejected] += 1
        cont = rejected[attempts[rejected] <= max_turnaways]
        if cont.size:
            cols = np.arange(k)[None, :]
            u_c, pu, pc = utility[cont], cur_u[cont][:, None], col[cont][:, None]
            nxt = (
                ((u_c < pu) | ((u_c == pu) & (cols > pc)))
                & (col_level[None, :] >= fac_level[fac[cont]][:, None])
                & np.isfinite(u_c)
                & (cand[cont] != fac[cont][:, None])
            )
            has = nxt.any(axis=1)
            cont = cont[has]
            best = np.argmax(np.where(nxt[has], u_c[has], -np.inf), axis=1)
            col[cont] = best
            cur_u[cont] = utility[cont, best]
            fac[cont] = cand[cont, best]
        active = np.concatenate([up_idx, cont, straight])
    if active.size:
        raise RuntimeError(f"routing did not settle {active.size} episodes")
    empty = np.zeros(0, dtype=np.int64)
    refs = np.concatenate(referrers) if referrers else empty
    ref_ep = np.concatenate(ref_eps) if ref_eps else empty
    return Routed(facility, referred, refs, ref_ep, turnaways)
