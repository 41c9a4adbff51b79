"""Facility agents: village doctors, township centres, county hospitals, the outside sink.

Each is a Mesa agent viewing one row of the model's facility arrays (capability, doctors,
beds, decisions) and of its yearly accounts (visits, admissions, revenue). Every
`providers.decision_interval_days` the model calls `decide` on each kind's AgentSet; the
kind's facilities then revise their own decisions at once (vectorised over their rows) by
the rule in decisions.py, from the margin each decision earns them under the payment in
force (incentives.py). What each kind decides, and from which margin, is read here:

* village doctors: `keep` (a severity-1 visit kept rather than referred to the township),
  `chronic_effort` (effort in the chronic follow-ups they deliver);
* township centres: `admission` (a severity-1 outpatient admitted), `keep` (a severity-2
  admission kept rather than referred to the county hospital), `chronic_effort`;
* county hospitals: `admission`, `keep` (a severity-3 admission kept rather than referred
  out of the county), `down_referral` (a severity-2 inpatient sent down to convalesce);
* the out-of-county sink decides nothing.

A margin is the facility's own change in net income, per yuan of the case's bill:
direct = revenue - variable cost, plus its stake in the consortium's balance times the
change in what the consortium pays out (zero unless a bundled budget is in force).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from countysim.agents import incentives as inc
from countysim.world.county import COUNTY, OUT, TOWNSHIP

if TYPE_CHECKING:
    from mesa.agent import AgentSet

    from countysim.model import CountyModel


class Facility(mesa.Agent):
    """A place of care (facility id `fac`)."""

    model: CountyModel

    def __init__(self, model: CountyModel, fac: int) -> None:
        super().__init__(model)
        self.fac = fac

    @property
    def name(self) -> str:
        """Facility name."""
        return self.model.county.facilities.name[self.fac]

    @property
    def level(self) -> int:
        """0 village, 1 township, 2 county, 3 out of county."""
        return int(self.model.county.facilities.level[self.fac])

    @property
    def doctors(self) -> float:
        """Doctors on duty today (including seconded staff)."""
        return float(self.model.doctors[self.fac])

    @property
    def beds(self) -> int:
        """Beds."""
        return int(self.model.county.facilities.beds[self.fac])

    @property
    def capability(self) -> float:
        """Highest severity it treats with certainty (see routing: P(treat s) = clip(c - s + 1))."""
        return float(self.model.capability[self.fac])

    def decision(self, name: str) -> float:
        """This facility's current value of a decision (see decisions.py)."""
        return float(self.model.decisions[name][self.fac])

    @staticmethod
    def rows(agents: AgentSet) -> np.ndarray:
        """Facility ids of a set of facility agents (each id once)."""
        return np.unique(np.fromiter((a.fac for a in agents), dtype=np.int64))

    @classmethod
    def decide(cls, model: CountyModel, agents: AgentSet, stake: np.ndarray) -> None:
        """Revise the decisions of these facilities (none by default).

        `stake`: yuan of each facility's income per yuan of its consortium's balance (from
        the payment in force, see PaymentPolicy.stake), read once per revision.
        """

    @staticmethod
    def keep_rate(
        model: CountyModel,
        ids: np.ndarray,
        stake: np.ndarray,
        inpatient: bool,
        severity: int,
        to_level: int,
    ) -> np.ndarray:
        """Profit rate of keeping a case rather than referring it up to `to_level`."""
        lvl = model.county.facilities.level[ids].astype(np.int64)
        up = np.full(ids.size, to_level)
        saving = inc.claim(model, up, inpatient, severity, referred=True) - inc.claim(
            model, lvl, inpatient, severity
        )
        margin = inc.direct(model, lvl, inpatient, severity) + stake[ids] * saving
        return margin / inc.bill(model, lvl, inpatient, severity)

    @staticmethod
    def admission_rate(model: CountyModel, ids: np.ndarray, stake: np.ndarray) -> np.ndarray:
        """Profit rate of admitting a severity-1 outpatient instead of treating them as one."""
        lvl = model.county.facilities.level[ids].astype(np.int64)
        gain = inc.direct(model, lvl, True, 1) - inc.direct(model, lvl, False, 1)
        extra_claim = inc.claim(model, lvl, True, 1) - inc.claim(model, lvl, False, 1)
        return (gain - stake[ids] * extra_claim) / inc.bill(model, lvl, True, 1)

    @staticmethod
    def chronic_effort_rate(model: CountyModel, ids: np.ndarray, stake: np.ndarray) -> np.ndarray:
        """Profit rate of one more unit of effort in a chronic follow-up, per yuan of its bill.

        More effort raises the patient's control (chronic.py) and so averts exacerbations:
        the consortium saves their claims (worth `stake` to the facility), the facility
        loses the margin on the averted outpatient visits it would have treated itself (it
        is their first contact), and the effort costs `chronic.effort_cost_yuan` unbilled.
        A typical exacerbation is priced as a severity-1 visit and a severity-2 admission
        at a county hospital for the claims.
        """
        lvl = model.county.facilities.level[ids].astype(np.int64)
        cty = np.full(ids.size, COUNTY)
        out, inp = model.chronic.averted_per_effort(model.cfg.demand, model.day)
        saved = out * inc.claim(model, lvl, False, 1) + inp * inc.claim(model, cty, True, 2)
        lost = out * inc.direct(model, lvl, False, 1)
        margin = stake[ids] * saved - lost - model.cfg.chronic.effort_cost_yuan
        return margin / inc.bill(model, lvl, False, 0)

    @property
    def visits_this_year(self) -> int:
        """Outpatient visits so far this year."""
        return int(self.model.metrics.fac_visits[self.model.year, self.fac])

    @property
    def admissions_this_year(self) -> int:
        """Admissions so far this year."""
        return int(self.model.metrics.fac_admissions[self.model.year, self.fac])

    @property
    def revenue_this_year_yuan(self) -> float:
        """Revenue (insurer + patients) so far this year."""
        return self.model.metrics.fac_revenue_fen[self.model.year, self.fac] / 100.0


class VillageDoctor(Facility):
    """A village doctor (乡村医生), staffing the village clinic `fac` (= village id)."""

    @classmethod
    def decide(cls, model: CountyModel, agents: AgentSet, stake: np.ndarray) -> None:
        """Keep a severity-1 visit or refer it to the township centre; chronic effort."""
        ids = cls.rows(agents)
        model.decisions.move("keep", ids, cls.keep_rate(model, ids, stake, False, 1, TOWNSHIP))
        model.decisions.move("chronic_effort", ids, cls.chronic_effort_rate(model, ids, stake))

    @property
    def clinic(self) -> int:
        """Facility id of the village clinic this doctor staffs."""
        return self.fac


class TownshipHospital(Facility):
    """A township health centre (乡镇卫生院)."""

    @classmethod
    def decide(cls, model: CountyModel, agents: AgentSet, stake: np.ndarray) -> None:
        """Marginal admissions; keep a severity-2 admission or refer it up; chronic effort."""
        ids = cls.rows(agents)
        model.decisions.move("admission", ids, cls.admission_rate(model, ids, stake))
        model.decisions.move("keep", ids, cls.keep_rate(model, ids, stake, True, 2, COUNTY))
        model.decisions.move("chronic_effort", ids, cls.chronic_effort_rate(model, ids, stake))


class CountyHospital(Facility):
    """A county-level hospital (县人民医院, 县中医院, ...) leading a consortium."""

    @classmethod
    def decide(cls, model: CountyModel, agents: AgentSet, stake: np.ndarray) -> None:
        """Marginal admissions; keep a severity-3 case or refer it out; send convalescents down."""
        ids = cls.rows(agents)
        model.decisions.move("admission", ids, cls.admission_rate(model, ids, stake))
        model.decisions.move("keep", ids, cls.keep_rate(model, ids, stake, True, 3, OUT))
        model.decisions.move("down_referral", ids, cls.down_referral_rate(model, ids, stake))

    @staticmethod
    def down_referral_rate(model: CountyModel, ids: np.ndarray, stake: np.ndarray) -> np.ndarray:
        """Profit rate of sending a severity-2 inpatient to the township to convalesce.

        The county hospital loses the convalescent part of the bill (or, when paid per case,
        keeps the case's payment and saves that part's variable cost); what the consortium
        pays changes from the county's claim for the whole stay to its claim for the acute
        part plus the township's bed-days (a second deductible unless counted once).
        """
        care, v = model.cfg.care, model.cfg.providers.variable_cost_share
        n = ids.size
        cty = np.full(n, COUNTY)
        town = np.full(n, TOWNSHIP)
        whole = inc.bill(model, cty, True, 2)
        part = care.convalescent_share * whole
        per_case = model.payment.paid_per_case(model, cty, np.ones(n, bool))
        direct = np.where(per_case, v * part, -(1.0 - v) * part)
        days = max(round(care.convalescent_share * model.cfg.demand.stay_days[COUNTY]), 1)
        once = any(p.deductible_once(model) for p in model.active_policies())
        after = inc.claim(model, cty, True, 2, bill_yuan=whole - part) + inc.claim(
            model,
            town,
            True,
            2,
            referred=True,
            bill_yuan=np.full(n, days * model.prices.bed_day_fen / 100.0),
            deductible=not once,
        )
        saving = inc.claim(model, cty, True, 2) - after
        return (direct + stake[ids] * saving) / whole


class OutOfCountyHospital(Facility):
    """Prefecture and provincial hospitals outside the county: unlimited, the leakage sink."""
