"""triage=gatekeeping: graded triage (分级诊疗) with first contact at primary care.

Real reform (domain.md, parameters.md): first contact at primary care (基层首诊), two-way
referral (双向转诊), acute and chronic care separated (急慢分治); reimbursement about 10
points higher per level down, a referred patient's deductible counted once along the
chain; family-doctor contracts for key populations (Wuxi target 81% by 2027).

Mechanics while active:
* first contact: outpatient care at a county hospital or out of the county without a
  referral is a self-referral bypass, reimbursed `bypass_penalty` lower; leaving the county
  without a referral costs a further `out_of_county_penalty` (on top of the scheme's
  baseline penalty, for inpatients too). An outpatient who wants a county or
  out-of-county hospital either goes straight, paying the penalty and the rule's hassle
  (`bypass_disutility` utility units), or first asks the own township centre for a
  referral: a consultation there (a trip to the centre and its self-referred fee; it
  takes an outpatient slot, and without a free slot the patient goes straight) and then
  the visit reimbursed as referred. Each outpatient takes the better of the two; the
  consultation is a primary-care visit, as in the claims the evaluations count. The
  centre refers every case it cannot treat (its capability, as in routing) and of those
  it can treat a share `referral_on_request`; it treats the rest itself (the gatekeeper's
  decision; patients ask as if the referral were given).
* level differential: the reimbursement share steps by at least `level_step` per level
  around the county hospitals' share (township >= county + step, village >= county + 2
  steps, out of county <= county - step); shares already further apart are left as they
  are (the national schedule's inpatient shares are 5.9 points apart after the in-list
  share, so the step raises township and lowers out-of-county inpatient shares).
* the deductible is counted once along a referral chain (a down-referred convalescent
  stay pays no second deductible).
* two-way referral: at least `down_referral_share` of county inpatients stable after the
  acute phase finish their stay at their township centre (the model's base share is
  raised to this level).
* family-doctor contracts: a share `contract_coverage` of key-population residents (a
  chronic condition or aged 65+) is contracted, drawn once from the policy's own random
  stream. Their routine follow-ups are managed at primary care (`contract_primary_utility`
  added to village clinic and township centre), and contracted chronic patients are
  followed up `contract_followups_per_year` times per condition, the national norm: the
  follow-ups missing from the scheme's routine rate are added as episodes (billed visits,
  drawn from the policy's own stream). No episode is deleted: the follow-ups raise the
  patients' condition control, which averts exacerbations through chronic.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from countysim.care.demand import Episodes
from countysim.config.params import param
from countysim.policies.base import Policy
from countysim.world.county import COUNTY, OUT, TOWNSHIP

if TYPE_CHECKING:
    from countysim.model import CountyModel

KEY_POPULATION_AGE = 65


@dataclass
class Gatekeeping(Policy):
    """First contact at primary care, level differential, two-way referral, contracts."""

    slot: ClassVar[str] = "triage"

    bypass_penalty: float = param(
        0.15,
        0,
        1,
        unit="share",
        help="reimbursement cut for self-referred outpatient care at county level and above",
        source="−0.10 to −0.20, local practice (estimate)",
    )
    out_of_county_penalty: float = param(
        0.10,
        0,
        1,
        unit="share",
        help="further cut for leaving the county without referral",
        source="local practice (estimate)",
    )
    bypass_disutility: float = param(
        2.328,
        0,
        10,
        unit="utility",
        help="hassle of going to the county without a referral (instead of asking the own "
        "township centre for one first)",
        source="calibrated: gatekeeping-400k-2026-11-25",
    )
    referral_on_request: float = param(
        0.2885,
        0,
        1,
        unit="share",
        help="share of the cases a township centre could treat itself that it still refers "
        "when asked (1: every request granted; 0: it refers only what it cannot treat)",
        source="calibrated: gatekeeping-400k-2026-11-25",
    )
    level_step: float = param(
        0.10,
        0,
        0.5,
        unit="share",
        help="reimbursement step per level",
        source="2026 national graded-care measures",
    )
    down_referral_share: float = param(
        0.15, 0, 1, unit="share", help="county inpatients referred down (estimate)"
    )
    contract_coverage: float = param(
        0.81, 0, 1, unit="share", help="key population contracted", source="Wuxi 2027 target"
    )
    contract_primary_utility: float = param(
        1.0, 0, 10, unit="utility", help="pull of contracted follow-ups to primary care"
    )
    contract_followups_per_year: float = param(
        4.0,
        0,
        52,
        unit="visits/condition/year",
        help="follow-ups of a contracted chronic patient",
        source="National basic public health service norms, 3rd ed. 2017: at least 4 a year",
    )

    def setup(self, model: CountyModel) -> None:
        """Draw who is contracted (own stream: other draws are unaffected)."""
        self._referred_oop_year = -1
        self._referred_oop = np.zeros((4, 4))
        self._gain_of: tuple[Episodes, np.ndarray] | None = None  # today's, from utility_delta
        res = model.residents
        key = res.alive & ((res.chronic != 0) | (res.age >= KEY_POPULATION_AGE))
        u = model.streams["gatekeeping.contracts"].random(res.n)
        self._contracted = key & (u < self.contract_coverage)
        self._key = key
        self._plan_followups(model)

    def on_population(self, model: CountyModel, born: np.ndarray) -> None:
        """Newborns hold no contract; residents newly in the key population (a new
        condition, turning 65) are offered one with probability `contract_coverage`;
        the dead lose theirs."""
        res = model.residents
        grow = res.n - self._contracted.shape[0]
        if grow > 0:
            self._contracted = np.concatenate([self._contracted, np.zeros(grow, bool)])
            self._key = np.concatenate([self._key, np.zeros(grow, bool)])
        self._contracted[born] = False
        self._key[born] = False
        key = res.alive & ((res.chronic != 0) | (res.age >= KEY_POPULATION_AGE))
        new = key & ~self._key
        u = model.streams["gatekeeping.contracts"].random(res.n)
        self._contracted = (self._contracted & res.alive) | (new & (u < self.contract_coverage))
        self._key = key
        self._plan_followups(model)

    def _plan_followups(self, model: CountyModel) -> None:
        """The contracted patients' extra follow-ups a day, by number of conditions."""
        routine = model.cfg.demand.chronic_followups_per_year
        extra = max(self.contract_followups_per_year - routine, 0.0)
        k = model.chronic.k * self._contracted
        self._followup_ids = np.flatnonzero(k)
        self._followup_cum = np.cumsum(k[self._followup_ids], dtype=np.float64)
        self._followups_per_day = extra * float(k.sum()) / 365.0

    def reimbursement_delta(
        self, model: CountyModel, level: np.ndarray, inpatient: np.ndarray, referred: np.ndarray
    ) -> np.ndarray:
        """Level differential, bypass penalty and the further out-of-county penalty."""
        ratio = model.insurance.ratio  # [inpatient, level] base shares of the scheme
        inp = inpatient.astype(np.int64)
        county = ratio[inp, COUNTY]
        base = ratio[inp, level]
        target = county + self.level_step * (COUNTY - level)
        # at least `level_step` per level: primary care raised, out of county lowered
        steps = np.where(
            level < COUNTY,
            np.maximum(target - base, 0.0),
            np.where(level == OUT, np.minimum(target - base, 0.0), 0.0),
        )
        bypass = (level >= COUNTY) & ~referred & ~inpatient
        leave = (level == OUT) & ~referred
        return steps - self.bypass_penalty * bypass - self.out_of_county_penalty * leave

    def _referral_gain(self, model: CountyModel, ep: Episodes) -> np.ndarray:
        """(episodes, county and out-of-county columns): utility of asking the own township
        centre for a referral first over going straight, before the hassle of going
        straight: the out-of-pocket cost of the referred visit plus the consultation's, in
        place of the self-referred visit's (one log, as in care-seeking), and the trip to
        the township centre."""
        care, prices = model.cfg.care, model.prices
        if self._referred_oop_year != model.year:  # the referred visit's expected OOP table
            table = model.insurance.expected_oop_yuan(model.reimbursement_delta, referred=True)
            self._referred_oop = table[0] / prices.level
            self._referred_oop_year = model.year
        cs = model.careseeking
        hi = cs.col_level[cs.col_level >= COUNTY]
        sev = ep.severity.astype(np.int64)[:, None]
        own = model.oop_table[0] / prices.level  # self-referred first contacts
        straight = np.log1p(own[hi[None, :], sev] / 100.0)
        referred = np.log1p((self._referred_oop[hi[None, :], sev] + own[TOWNSHIP, sev]) / 100.0)
        trip = cs.village_travel[model.residents.village[ep.resident], 1]  # -travel, own centre
        return (care.oop_log * (straight - referred) + trip[:, None]).astype(np.float32)

    def utility_delta(self, model: CountyModel, ep: Episodes) -> np.ndarray | None:
        """County and out-of-county outpatient care: the better of going straight (the
        hassle) and asking for a referral first; contracted follow-ups pulled to primary care."""
        col = model.careseeking.col_level
        managed = ep.followup & self._contracted.take(ep.resident)
        f32 = np.float32
        delta = np.empty((ep.n, col.shape[0]), dtype=f32)
        gain = self._referral_gain(model, ep)
        self._gain_of = (ep, gain)  # referral_requests reads the same episodes' rows
        best = np.maximum(gain, f32(-self.bypass_disutility))
        delta[:, col >= COUNTY] = np.where(ep.inpatient[:, None], f32(0.0), best)
        delta[:, col <= TOWNSHIP] = np.where(managed, f32(self.contract_primary_utility), f32(0.0))[
            :, None
        ]
        return delta

    def referral_requests(
        self, model: CountyModel, ep: Episodes, util: np.ndarray
    ) -> np.ndarray | None:
        """Outpatients whose first choice is a county or out-of-county hospital and for whom
        a referral first beats going straight (and who can reach their own centre today)."""
        col = model.careseeking.col_level
        first = np.argmax(util, axis=1)
        ask = ~ep.inpatient & (col[first] >= COUNTY) & np.isfinite(util[:, 1])
        rows = np.flatnonzero(ask)
        if rows.size:
            if self._gain_of is not None and self._gain_of[0] is ep:
                gain = self._gain_of[1][rows]
            else:
                gain = self._referral_gain(model, ep.subset(rows))
            at = first[rows] - int(np.flatnonzero(col >= COUNTY)[0])
            ask[rows] = gain[np.arange(rows.size), at] > -self.bypass_disutility
        return ask

    def extra_episodes(self, model: CountyModel) -> Episodes | None:
        """Today's added follow-ups of contracted chronic patients (by number of conditions)."""
        rng = model.streams["gatekeeping.followups"]
        n = int(rng.poisson(self._followups_per_day))
        if n == 0:
            return None
        u = rng.random(n) * self._followup_cum[-1]
        res = self._followup_ids[np.searchsorted(self._followup_cum, u, side="right")]
        model.metrics.add_extra(model.year, "contract_followups", float(n))
        return Episodes(res, np.zeros(n, np.int8), np.zeros(n, bool), np.ones(n, bool))

    def refers_on_request(self, model: CountyModel) -> float:
        """How freely the township centres refer when asked (`referral_on_request`)."""
        return self.referral_on_request

    def down_referral_floor(self, model: CountyModel) -> float:
        """The two-way referral protocol's least share of county inpatients sent down."""
        return self.down_referral_share

    def deductible_once(self, model: CountyModel) -> bool:
        """A referral chain pays one deductible."""
        return True

    def yearly_metrics(self, model: CountyModel) -> dict[str, float]:
        """Contracted residents alive this year (newcomers get offers; deaths end contracts)."""
        on = self.active(model)
        return {
            "contracted_residents": float(self._contracted.sum()) if on else 0.0,
            "contract_followups": model.metrics.yearly_extra[model.year].get(
                "contract_followups", 0.0
            ),
        }
