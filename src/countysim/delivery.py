"""Care delivered to the day's placed episodes: stays, down-referral, outcomes, claims.

Steps 5-6 of the day (see CountyModel.step): inpatients get a length of stay and a bed;
some county inpatients are referred down to their township centre to convalesce; each
outcome (good or not) updates the patient's trust in that level; bills are drawn and
settled into reimbursement and out-of-pocket payment, one claim line per facility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from countysim.capacity import fit_beds
from countysim.careseeking import update_trust
from countysim.county import COUNTY, TOWNSHIP
from countysim.demand import Episodes
from countysim.insurance import Claims
from countysim.metrics import C
from countysim.routing import Routed

if TYPE_CHECKING:
    from countysim.model import CountyModel

_UNTREATED = np.array([C[f"untreated_sev{s}"] for s in range(4)])
_VISITS = np.array([C[f"visits_l{lv}"] for lv in range(4)])
_ADMISSIONS = np.array([C[f"admissions_l{lv}"] for lv in range(4)])


def deliver(model: CountyModel, ep: Episodes, routed: Routed) -> Claims:
    """Deliver care, settle claims and count everything; returns the day's claim lines."""
    county, care, day = model.county, model.cfg.care, model.day
    fac_level = county.facilities.level
    row = model.metrics.daily[day]
    placed = routed.facility >= 0
    tr = ep.subset(placed)
    fac = routed.facility[placed]
    lvl = fac_level[fac].astype(np.int64)
    referred = routed.referred[placed]
    inp = tr.inpatient

    # counts: every episode ends in exactly one place
    row[C["episodes"]] += ep.n
    row[C["inpatient_episodes"]] += int(ep.inpatient.sum())
    row[C["followups"]] += int(ep.followup.sum())
    row[C["treated"]] += tr.n
    untreated_sev = np.bincount(ep.severity[~placed], minlength=4)
    row[C["untreated"]] += int(untreated_sev.sum())
    row[_UNTREATED] += untreated_sev
    row[_VISITS] += np.bincount(lvl[~inp], minlength=4)
    row[_ADMISSIONS] += np.bincount(lvl[inp], minlength=4)
    row[C["referrals_up"]] += routed.referrers.size
    row[C["turnaways"]] += routed.turnaways
    row[C["self_referrals"]] += int(((lvl >= COUNTY) & ~referred & ~inp).sum())
    n_fac = fac_level.shape[0]
    year = model.year
    m = model.metrics
    m.fac_visits[year] += np.bincount(fac[~inp], minlength=n_fac)
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
    home_town = county.n_villages + county.village_township[county.residents.village[tr.resident]]
    want = inp & (lvl == COUNTY) & (stay >= 2) & (u_down < down_p)
    conv_days = np.where(want, np.maximum(np.rint(stay * care.convalescent_share), 1), 0)
    conv_days = conv_days.astype(np.int64)
    down = fit_beds(want, home_town, model.beds.free())
    conv_days[~down] = 0
    acute_days = stay - conv_days
    row[C["referrals_down"]] += int(down.sum())
    model.beds.occupy(day, fac[inp], np.zeros(int(inp.sum()), np.int64), acute_days[inp])
    model.beds.occupy(day, home_town[down], acute_days[down], stay[down])

    # outcomes update trust in the level that treated the patient
    p_good = np.clip(
        care.success_base + care.success_slope * (model.capability[fac] - tr.severity), 0.0, 1.0
    )
    good = model.streams["outcome"].random(tr.n) < p_good
    update_trust(county.residents.trust, tr.resident, lvl, good, care.trust_learning_rate)

    # bills: main line (with deductible) at the treating facility, convalescent line at home
    ins = model.insurance
    cost = model.prices.bill(model.streams["cost"], lvl, inp, tr.severity)
    cost[down] = np.round(cost[down] * (1.0 - care.convalescent_share)).astype(np.int64)
    conv_cost = conv_days[down] * model.prices.bed_day_fen
    n_down = int(down.sum())
    idx = np.concatenate([np.arange(tr.n), np.flatnonzero(down)])
    line_fac = np.concatenate([fac, home_town[down]])
    line_lvl = np.concatenate([lvl, np.full(n_down, TOWNSHIP)])
    line_inp = np.concatenate([inp, np.ones(n_down, bool)])
    line_ref = np.concatenate([referred, np.ones(n_down, bool)])
    line_cost = np.concatenate([cost, conv_cost]).astype(np.int64)
    enrolled = county.residents.enrolled[tr.resident[idx]]
    first = np.arange(idx.size) < tr.n
    # a down-referral is a new admission at the township: its deductible is due again
    # unless an active policy counts the deductible once along the referral chain
    once = any(p.deductible_once(model) for p in model.active_policies())
    with_ded = first if once else np.ones(idx.size, dtype=bool)
    reimbursed, oop = ins.settle(
        line_cost, line_lvl, line_inp, line_ref, enrolled, with_ded, model.reimbursement_delta
    )
    claims = Claims(
        idx,
        tr.resident[idx],
        line_fac,
        line_lvl.astype(np.int8),
        line_inp,
        line_ref,
        enrolled,
        line_cost,
        reimbursed,
        oop,
        tr.severity[idx],
        ~first,
    )
    row[C["cost_fen"]] += int(line_cost.sum())
    row[C["reimbursed_fen"]] += int(reimbursed.sum())
    row[C["oop_fen"]] += int(oop.sum())
    m.fac_revenue_fen[year] += np.bincount(line_fac, weights=line_cost, minlength=n_fac).astype(
        np.int64
    )
    model.year_claims_fen += np.bincount(line_lvl, weights=reimbursed, minlength=4).astype(np.int64)
    home = county.facilities.consortium[county.residents.village[claims.resident]]
    model.year_claims_by_consortium += (
        np.bincount(home * 4 + line_lvl, weights=reimbursed, minlength=4 * len(model.consortia))
        .astype(np.int64)
        .reshape(-1, 4)
    )
    model.year_oop_fen += np.bincount(line_lvl, weights=oop, minlength=4).astype(np.int64)
    return claims
