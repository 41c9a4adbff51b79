"""The county medical consortium (紧密型县域医共体) as an agent.

A consortium is a lead county hospital with its block of township centres and their village
clinics (county.py assigns them; `county.consortia`). It is responsible for its enrolled
residents: the residents of its member villages. Under a bundled budget
(policies/bundled.py) each consortium

* receives its prepayment, the county's budget shared by enrolled residents (ledger
  account `consortium:<i>`);
* pays its residents' claims at every level, wherever they were treated (its own members,
  the other consortium's hospital, or out of the county);
* settles the year: a surplus is retained and split county : township : village among its
  own members; an overspend is shared with the insurer, the rest borne by its members by
  the same split;
* gives each member its stake: the yuan of the member's income per yuan of the
  consortium's projected balance (the facility agents decide from it);
* and, when the rotation lets consortia choose (`secondment.targets=by_consortium`), picks
  the member townships that get the seconded specialists.

Within a level a share goes to the members by workload for county hospitals (their revenue
that year) and by enrolled residents served for township centres and village clinics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from countysim.config.schema import LEVELS
from countysim.metrics import DAYS_PER_YEAR
from countysim.money.exact import apportion
from countysim.world.county import COUNTY, TOWNSHIP, VILLAGE

if TYPE_CHECKING:
    from countysim.model import CountyModel

MEMBER_LEVELS = (COUNTY, TOWNSHIP, VILLAGE)  # order of a surplus split


class Consortium(mesa.Agent):
    """One consortium: members, enrolled residents, prepayment, claims and settlement."""

    model: CountyModel

    def __init__(self, model: CountyModel, index: int) -> None:
        super().__init__(model)
        county = model.county
        fac = county.facilities
        self.index = index
        self.account = f"consortium:{index}"
        self.members = np.flatnonzero(fac.consortium == index)
        level = fac.level[self.members]
        self.lead = int(self.members[level == COUNTY][0])
        self.townships = self.members[level == TOWNSHIP] - county.n_villages
        self.villages = self.members[level == VILLAGE]

    # ---- who it serves -------------------------------------------------------------------
    def enrolled_served(self) -> tuple[np.ndarray, np.ndarray]:
        """Enrolled residents of each member village and each member township's catchment."""
        model = self.model
        key = model.year
        if getattr(self, "_served_key", None) != key:
            county = model.county
            res = county.residents
            per_village = np.bincount(res.village[res.enrolled], minlength=county.n_villages)
            by_town = np.bincount(
                county.village_township, weights=per_village, minlength=county.n_townships
            ).astype(np.int64)
            self._served = (per_village[self.villages], by_town[self.townships])
            self._served_key = key
        return self._served

    def enrolled(self) -> int:
        """Enrolled residents of the consortium's villages."""
        return int(self.enrolled_served()[0].sum())

    # ---- money ---------------------------------------------------------------------------
    def receive_prepayment(self, fen: int) -> None:
        """The year's budget from the fund."""
        self.model.ledger.transfer(self.model.year, "fund", self.account, fen, "prepayment")

    def prepaid_fen(self) -> int:
        """This year's prepayment."""
        return self.model.ledger.total(self.model.year, kind="prepayment", destination=self.account)

    def claims_fen(self) -> np.ndarray:
        """Its residents' claims so far this year, by level where they were treated."""
        return self.model.year_claims_by_consortium[self.index]

    def projected_balance_fen(self) -> float:
        """Prepayment minus the claims so far scaled to the whole year (+inf on day 0)."""
        model = self.model
        days = model.day - model.year * DAYS_PER_YEAR
        if days <= 0:
            return float("inf")
        return self.prepaid_fen() - float(self.claims_fen().sum()) * DAYS_PER_YEAR / days

    def member_weights(self, split: list[float]) -> np.ndarray:
        """Each member's share of a yuan of the balance: level share x share within the level."""
        n = self.model.county.facilities.n
        out = np.zeros(n)
        for ids, w, share in self._levels(split):
            total = w.sum()
            if ids.size:
                out[ids] = share * (w / total if total > 0 else 1.0 / ids.size)
        return out

    def _levels(self, split: list[float]) -> list[tuple[np.ndarray, np.ndarray, float]]:
        """(member ids, within-level weights, level share) for county, township, village."""
        revenue = self.model.metrics.fac_revenue_fen[self.model.year]
        villages, towns = self.enrolled_served()
        county_ids = self.members[self.model.county.facilities.level[self.members] == COUNTY]
        return [
            (county_ids, revenue[county_ids].astype(float), split[0]),
            (self.townships + self.model.county.n_villages, towns.astype(float), split[1]),
            (self.villages, villages.astype(float), split[2]),
        ]

    def pay_claims(self) -> None:
        """Pay every level its residents' claims."""
        year, led = self.model.year, self.model.ledger
        for lv, name in enumerate(LEVELS):
            led.transfer(year, self.account, name, int(self.claims_fen()[lv]), "claims")

    def settle(self, split: list[float], insurer_share: float) -> int:
        """Surplus split among members, or overspend shared; returns the balance (fen)."""
        model = self.model
        year, led = model.year, model.ledger
        balance = self.prepaid_fen() - int(self.claims_fen().sum())
        if balance >= 0:
            self._to_members(apportion(balance, split), +1, "surplus")
            return balance
        insurer, own = apportion(-balance, [insurer_share, 1.0 - insurer_share])
        from_reserve = min(int(insurer), max(led.balance("fund:risk_reserve"), 0))
        led.transfer(year, "fund:risk_reserve", self.account, from_reserve, "overspend_insurer")
        led.transfer(year, "fund", self.account, int(insurer) - from_reserve, "overspend_insurer")
        self._to_members(apportion(int(own), split), -1, "overspend_consortium")
        return balance

    def _to_members(self, parts: np.ndarray, sign: int, kind: str) -> None:
        """Each level's part to (sign +1) or from (-1) the members, by the within-level weights."""
        model = self.model
        year, led = model.year, model.ledger
        money = model.metrics.fac_money["surplus_fen"][year]
        for (ids, w, _), lv, fen in zip(self._levels([1, 1, 1]), MEMBER_LEVELS, parts, strict=True):
            src, dst = (self.account, LEVELS[lv]) if sign > 0 else (LEVELS[lv], self.account)
            if ids.size == 0:
                # no member at this level: the part stays with the lead county hospital
                ids, w = np.array([self.lead]), np.ones(1)
                src, dst = (
                    (self.account, LEVELS[COUNTY]) if sign > 0 else (LEVELS[COUNTY], self.account)
                )
            led.transfer(year, src, dst, int(fen), kind)
            money[ids] += sign * apportion(int(fen), w)

    # ---- secondment --------------------------------------------------------------------
    def choose_townships(self, k: int) -> np.ndarray:
        """The k member townships most in need of specialists (township ids).

        Need = last year's referrals up from the township centre per enrolled resident of
        its catchment (cases it could not treat); in the first year, the most populous.
        """
        if k <= 0 or self.townships.size == 0:
            return np.zeros(0, dtype=np.int64)
        model = self.model
        _, served = self.enrolled_served()
        ids = self.townships + model.county.n_villages
        if model.year > 0:
            need = model.metrics.fac_referrals_up[model.year - 1, ids] / np.maximum(served, 1)
        else:
            need = served.astype(float)
        order = np.argsort(-need, kind="stable")[:k]
        return np.sort(self.townships[order]).astype(np.int64)
