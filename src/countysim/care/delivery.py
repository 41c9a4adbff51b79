"""Care delivered to the day's placed episodes: stays, down-referral, outcomes, claims.

Steps 5-6 of the day (see CountyModel.step): inpatients get a length of stay and a bed;
some county inpatients are referred down to their township centre to convalesce; each
outcome (good or poor) is counted by level and severity and updates the patient's trust
in that level; bills are drawn and settled into reimbursement and out-of-pocket payment,
one claim line per facility: the treating facility's bill, a referral consultation at
each facility that referred the episode up (an outpatient visit of the case's severity at
that level), and a step-down stay at the township.

A step-down transfer is a second admission record at the township (counted in
`stepdown_admissions` and the township's admissions, not as a second episode) and, like
any admission, pays the township's deductible unless an active policy counts the
deductible once along a referral chain (`deductible_once`, e.g. triage=gatekeeping).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from countysim.care.capacity import fit_beds
from countysim.care.careseeking import update_trust
from countysim.care.demand import Episodes
from countysim.care.routing import Routed
from countysim.metrics import C
from countysim.money.insurance import Claims
from countysim.world.county import COUNTY, TOWNSHIP

if TYPE_CHECKING:
    from countysim.model import CountyModel

_UNTREATED = np.array([C[f"untreated_sev{s}"] for s in range(4)])
_VISITS = np.array([C[f"visits_l{lv}"] for lv in range(4)])
_ADMISSIONS = np.array([C[f"admissions_l{lv}"] for lv in range(4)])
_CONSULTS = np.array([C[f"referral_visits_l{lv}"] for lv in range(4)])
_OUTCOME = np.array([C[f"outcomes_l{lv}_s{s}"] for lv in range(4) for s in range(4)])
_POOR = np.array([C[f"poor_outcomes_l{lv}_s{s}"] for lv in range(4) for s in range(4)])


def deliver(
    model: CountyModel,
    ep: Episodes,
    routed: Routed,
    elsewhere: np.ndarray | None = None,
    waited: np.ndarray | None = None,
    waits: np.ndarray | None = None,
) -> Claims:
    """Deliver care, settle claims and count everything; returns the day's claim lines.

    `elsewhere`: migrants' episodes treated where they live (population.py); their bills
    are settled as registered out-of-county care (no penalty for leaving unreferred).
    `waited`: days each episode has already waited (those > 0 came from yesterday's queue);
    `waits`: unplaced episodes that wait for tomorrow (not untreated).
    """
    county, care, day = model.county, model.cfg.care, model.day
    fac_level = county.facilities.level
    row = model.metrics.daily[day]
    placed = routed.facility >= 0
    tr = ep.subset(placed)
    fac = routed.facility[placed]
    lvl = fac_level[fac].astype(np.int64)
    referred = routed.referred[placed]
    registered = referred if elsewhere is None else referred | elsewhere[placed]
    inp = tr.inpatient

    # counts: every episode ends in exactly one place (treated, untreated, still waiting)
    waited = np.zeros(ep.n, dtype=np.int64) if waited is None else waited
    waits = np.zeros(ep.n, dtype=bool) if waits is None else waits
    carried = int((waited > 0).sum())
    row[C["episodes"]] += ep.n - carried
    row[C["waiting_in"]] += carried
    row[C["waiting_out"]] += int(waits.sum())
    row[C["waited_treated"]] += int((waited[placed] > 0).sum())
    row[C["waiting_days"]] += int(waited[placed].sum())
    new = waited == 0
    row[C["inpatient_episodes"]] += int((ep.inpatient & new).sum())
    row[C["followups"]] += int((ep.followup & new).sum())
    row[C["treated"]] += tr.n
    if elsewhere is not None:
        row[C["elsewhere"]] += int(elsewhere.sum())
    untreated_sev = np.bincount(ep.severity[~placed & ~waits], minlength=4)
    row[C["untreated"]] += int(untreated_sev.sum())
    row[_UNTREATED] += untreated_sev
    row[_VISITS] += np.bincount(lvl[~inp], minlength=4)
    row[_ADMISSIONS] += np.bincount(lvl[inp], minlength=4)
    # episodes referred up today (a waiting episode's referral from an earlier day was
    # counted on that day)
    row[C["referrals_up"]] += int(np.unique(routed.referral_episode).size)
    row[C["referral_steps_up"]] += routed.referrers.size
    ref_lvl = fac_level[routed.referrers].astype(np.int64)
    row[_CONSULTS] += np.bincount(ref_lvl, minlength=4)
    row[C["turnaways"]] += routed.turnaways
    row[C["self_referrals"]] += int(((lvl >= COUNTY) & ~referred & ~inp).sum())
    n_fac = fac_level.shape[0]
    year = model.year
    m = model.metrics
    m.fac_visits[year] += np.bincount(fac[~inp], minlength=n_fac)
    m.fac_visits[year] += np.bincount(routed.referrers, minlength=n_fac)
    m.fac_admissions[year] += np.bincount(fac[inp], minlength=n_fac)
    m.fac_referrals_up[year] += np.bincount(routed.referrers, minlength=n_fac)

    # follow-ups build the patient's condition control by the facility's effort
    fu = tr.followup
    if fu.any():
        model.chronic.follow_up(tr.resident[fu], model.decisions["chronic_effort"][fac[fu]])

    # stays and down-referral of convalescent county inpatients
    stay_rng = model.streams["stay"]
    mean_stay = np.asarray(model.cfg.demand.stay_days)[lvl]
    stay = np.zeros(tr.n, dtype=np.int64)
    stay[inp] = 1 + stay_rng.poisson(np.maximum(mean_stay[inp] - 1.0, 0.0))
    floor = max((p.down_referral_floor(model) for p in model.active_policies()), default=0.0)
    down_p = np.maximum(model.decisions["down_referral"][fac], floor)
    u_down = model.streams["referral"].random(tr.n)
    home_town = county.township_facility(
        county.village_township[county.residents.village[tr.resident]]
    )
    want = inp & (lvl == COUNTY) & (stay >= 2) & (u_down < down_p)
    # at least one acute day at the county, at least one convalescent day at the township
    conv_days = np.clip(np.rint(stay * care.convalescent_share), 1, np.maximum(stay - 1, 1))
    conv_days = np.where(want, conv_days, 0).astype(np.int64)
    # today's other admissions take their beds first; a step-down bed is then reserved
    # from today until the patient arrives (capacity.Beds)
    model.beds.occupy(
        day, fac[inp & ~want], np.zeros(int((inp & ~want).sum()), np.int64), stay[inp & ~want]
    )
    down = fit_beds(want, home_town, model.beds.free())
    conv_days[~down] = 0
    acute_days = stay - conv_days
    n_down = int(down.sum())
    row[C["referrals_down"]] += n_down
    row[C["stepdown_admissions"]] += n_down
    m.fac_admissions[year] += np.bincount(home_town[down], minlength=n_fac)
    model.beds.occupy(day, fac[want], np.zeros(int(want.sum()), np.int64), acute_days[want])
    model.beds.occupy(day, home_town[down], acute_days[down], stay[down])

    # outcomes, counted by level and severity, update trust in the level that treated
    p_good = np.clip(
        care.success_base + care.success_slope * (model.capability[fac] - tr.severity), 0.0, 1.0
    )
    good = model.streams["outcome"].random(tr.n) < p_good
    cell = lvl * 4 + tr.severity
    row[_OUTCOME] += np.bincount(cell, minlength=16)
    row[_POOR] += np.bincount(cell[~good], minlength=16)
    update_trust(county.residents.trust, tr.resident, lvl, good, care.trust_learning_rate)

    # bills: main line (with deductible) at the treating facility, convalescent line at home
    ins = model.insurance
    cost = model.prices.bill(model.streams["cost"], lvl, inp, tr.severity)
    cost[down] = np.round(cost[down] * (1.0 - care.convalescent_share)).astype(np.int64)
    conv_cost = conv_days[down] * model.prices.bed_day_fen
    # referral consultations: an outpatient visit of the case's severity at the referrer;
    # the first step of an episode was a first contact, later steps arrived by referral
    r_ep = routed.referral_episode
    r_sev = ep.severity[r_ep]
    r_cost = model.prices.bill(
        model.streams["consultation_cost"], ref_lvl, np.zeros(r_ep.size, bool), r_sev
    )
    r_first = np.zeros(r_ep.size, dtype=bool)
    r_first[np.unique(r_ep, return_index=True)[1]] = True
    placed_ep = np.flatnonzero(placed)
    line_ep = np.concatenate([placed_ep, placed_ep[down], r_ep])
    line_res = ep.resident[line_ep]
    line_fac = np.concatenate([fac, home_town[down], routed.referrers])
    line_lvl = np.concatenate([lvl, np.full(n_down, TOWNSHIP), ref_lvl])
    line_inp = np.concatenate([inp, np.ones(n_down, bool), np.zeros(r_ep.size, bool)])
    line_ref = np.concatenate([registered, np.ones(n_down, bool), ~r_first])
    line_cost = np.concatenate([cost, conv_cost, r_cost]).astype(np.int64)
    line_sev = ep.severity[line_ep]
    convalescent = np.zeros(line_ep.size, dtype=bool)
    convalescent[tr.n : tr.n + n_down] = True
    enrolled = county.residents.enrolled[line_res]
    once = any(p.deductible_once(model) for p in model.active_policies())
    with_ded = ~convalescent if once else np.ones(line_ep.size, dtype=bool)
    reimbursed, oop = ins.settle(
        line_cost, line_lvl, line_inp, line_ref, enrolled, with_ded, model.reimbursement_delta
    )
    claims = Claims(
        line_ep,
        line_res,
        line_fac,
        line_lvl.astype(np.int8),
        line_inp,
        line_ref,
        enrolled,
        line_cost,
        reimbursed,
        oop,
        line_sev,
        convalescent,
    )
    # catastrophic cover counts the in-list part of inpatient out-of-pocket payments
    in_list = np.maximum(np.floor(line_cost * ins.cfg.in_list_share) - reimbursed, 0)
    row[C["catastrophic_fen"]] += model.catastrophic.pay(
        line_res, in_list.astype(np.int64), line_inp & enrolled
    )
    row[C["cost_fen"]] += int(line_cost.sum())
    row[C["reimbursed_fen"]] += int(reimbursed.sum())
    row[C["oop_fen"]] += int(oop.sum())
    m.fac_revenue_fen[year] += np.bincount(line_fac, weights=line_cost, minlength=n_fac).astype(
        np.int64
    )
    model.year_claims_fen += np.bincount(line_lvl, weights=reimbursed, minlength=4).astype(np.int64)
    home = county.facilities.consortium[county.residents.village[line_res]]
    model.year_claims_by_consortium += (
        np.bincount(home * 4 + line_lvl, weights=reimbursed, minlength=4 * len(model.consortia))
        .astype(np.int64)
        .reshape(-1, 4)
    )
    model.year_oop_fen += np.bincount(line_lvl, weights=oop, minlength=4).astype(np.int64)
    return claims
