"""payment=bundled: the resident insurance fund prepaid to the consortium as one budget.

Real reform (domain.md): Suixi (Anhui) and Luxian (Sichuan) hand the year's resident
insurance fund to the county medical consortium, which then pays for all care of its
enrolled residents, including care bought outside the county.

Money, each year while active (all in integer fen, see `countysim.money` for rounding):
1. year start: premiums and subsidy into `fund`; the catastrophic illness premium to
   `catastrophic_insurer`; `risk_reserve_share` of the income to `fund:risk_reserve`;
   `prepay_share` of the rest prepaid to `consortium`. The remainder stays in `fund`.
2. year end: the consortium pays every level's claims (`consortium` -> level, including
   `out_of_county`); patients pay their out-of-pocket share to the levels.
3. settlement: surplus = prepayment - claims.
   * surplus >= 0: retained, split county : township : village by `surplus_split`
     (`consortium` -> level, kind `surplus`). Within a level it goes to facilities by
     workload for county hospitals (their revenue that year) and by enrolled residents
     served for township centres and village clinics (the catchment's enrolled people).
   * overspend: the insurer's part (`overspend_insurer_share`) is paid from the risk
     reserve while it lasts (`fund:risk_reserve` -> `consortium`), then from `fund`; the
     consortium's part is borne by the levels by `surplus_split` (level -> `consortium`).
   The consortium account returns to zero every year.

Provider response: none is set here. Each member facility's decisions respond to its
stake in the consortium's balance (`stake`): the share of a yuan saved that reaches it by
the surplus split actually applied (its level's `surplus_split` share, times its share
within the level), or, while the year's projected balance is an overspend, the share of a
yuan overspent that it bears ((1 - `overspend_insurer_share`) x the same split), weighted
by `providers.loss_aversion`. The projection is the prepayment minus the claims so far
scaled to the whole year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.config import LEVELS
from countysim.county import COUNTY, TOWNSHIP, VILLAGE
from countysim.metrics import DAYS_PER_YEAR
from countysim.money import apportion
from countysim.params import param
from countysim.policies.fee_for_service import FeeForService

if TYPE_CHECKING:
    from countysim.model import CountyModel

MEMBER_LEVELS = (COUNTY, TOWNSHIP, VILLAGE)  # order of surplus_split


@dataclass
class Bundled(FeeForService):
    """Global budget to the consortium: surplus retained, reasonable overspend shared."""

    risk_reserve_share: float = param(
        0.03, 0, 0.5, unit="share", help="income withheld as risk reserve", source="Luxian 2022"
    )
    prepay_share: float = param(
        0.95,
        0,
        1,
        unit="share",
        help="share of the rest prepaid to the consortium",
        source="Suixi (0.99 from 2023)",
    )
    surplus_split: list[float] = param(
        [0.6, 0.3, 0.1],
        0,
        1,
        length=3,
        sums_to_one=True,
        unit="share",
        help="surplus (and the consortium's overspend) split county : township : village",
        source="Suixi 6:3:1",
    )
    overspend_insurer_share: float = param(
        0.5,
        0,
        1,
        unit="share",
        help="insurer's part of an overspend (Luxian: reasonable overspend shared; estimate)",
        source="estimate",
    )

    # ---- the members' stake ------------------------------------------------------------
    def stake(self, model: CountyModel) -> np.ndarray:
        """Yuan of each member's income per yuan of the consortium's projected balance."""
        n = model.county.facilities.n
        if not self.active(model):
            return np.zeros(n)
        weight = 1.0
        if self.projected_balance_fen(model) < 0:
            weight = (1.0 - self.overspend_insurer_share) * model.cfg.providers.loss_aversion
        return weight * self._member_weights(model)

    def projected_balance_fen(self, model: CountyModel) -> float:
        """This year's prepayment minus the claims so far scaled to the whole year."""
        year = model.year
        days = model.day - year * DAYS_PER_YEAR
        claims = float(model.year_claims_fen.sum())
        if days <= 0:
            return float("inf")
        prepaid = model.ledger.total(year, kind="prepayment")
        return prepaid - claims * DAYS_PER_YEAR / days

    def _member_weights(self, model: CountyModel) -> np.ndarray:
        """Each facility's share of the consortium's balance (split by level, then within)."""
        county = model.county
        fac = county.facilities
        out = np.zeros(fac.n)
        within = self._within_level(model, model.metrics.fac_revenue_fen[model.year])
        for lv, share in zip(MEMBER_LEVELS, self.surplus_split, strict=True):
            ids = np.flatnonzero(fac.level == lv)
            w = within[lv].astype(float)
            total = w.sum()
            out[ids] = share * (w / total if total > 0 else 1.0 / ids.size)
        return out

    # ---- money ---------------------------------------------------------------------------
    def on_year_start(self, model: CountyModel) -> None:
        """Income in; catastrophic premium and risk reserve withheld; the budget prepaid."""
        self.book_income(model)
        if not self.active(model):
            return
        year, led = model.year, model.ledger
        income = led.total(year, kind="subsidy") + led.total(year, kind="premium")
        reserve = round(income * self.risk_reserve_share)
        led.transfer(year, "fund", "fund:risk_reserve", reserve, "risk_reserve")
        rest = income - reserve - led.total(year, kind="catastrophic_premium")
        led.transfer(
            year, "fund", "consortium", round(max(rest, 0) * self.prepay_share), "prepayment"
        )

    def on_year_end(self, model: CountyModel) -> None:
        """Claims paid by the consortium; surplus split or overspend shared."""
        if not self.active(model):
            super().on_year_end(model)
            return
        year, led = model.year, model.ledger
        for lv, name in enumerate(LEVELS):
            led.transfer(year, "consortium", name, int(model.year_claims_fen[lv]), "claims")
        self.book_patients(model)
        balance = led.total(year, kind="prepayment") - int(model.year_claims_fen.sum())
        if balance >= 0:
            parts = apportion(balance, self.surplus_split)
            for lv, fen in zip(MEMBER_LEVELS, parts, strict=True):
                led.transfer(year, "consortium", LEVELS[lv], int(fen), "surplus")
            self._to_facilities(model, parts, +1)
            return
        insurer, own = apportion(
            -balance, [self.overspend_insurer_share, 1.0 - self.overspend_insurer_share]
        )
        from_reserve = min(int(insurer), max(led.balance("fund:risk_reserve"), 0))
        led.transfer(year, "fund:risk_reserve", "consortium", from_reserve, "overspend_insurer")
        led.transfer(year, "fund", "consortium", int(insurer) - from_reserve, "overspend_insurer")
        parts = apportion(int(own), self.surplus_split)
        for lv, fen in zip(MEMBER_LEVELS, parts, strict=True):
            led.transfer(year, LEVELS[lv], "consortium", int(fen), "overspend_consortium")
        self._to_facilities(model, parts, -1)

    def _enrolled_served(self, model: CountyModel) -> tuple[np.ndarray, np.ndarray]:
        """Enrolled residents per village and per township (counted once per year)."""
        key = (model.year, model.residents.n)
        if getattr(self, "_served_key", None) != key:
            county = model.county
            enrolled = county.residents.enrolled
            served = np.bincount(county.residents.village[enrolled], minlength=county.n_villages)
            by_township = np.bincount(
                county.village_township, weights=served, minlength=county.n_townships
            ).astype(np.int64)
            self._served, self._served_key = (served, by_township), key
        return self._served

    def _within_level(self, model: CountyModel, revenue: np.ndarray) -> dict[int, np.ndarray]:
        """Weights within each level: county by revenue, others by enrolled residents served."""
        fac = model.county.facilities
        served, by_township = self._enrolled_served(model)
        return {
            COUNTY: revenue[np.flatnonzero(fac.level == COUNTY)],
            TOWNSHIP: by_township,
            VILLAGE: served,
        }

    def _to_facilities(self, model: CountyModel, parts: np.ndarray, sign: int) -> None:
        """Each level's share to its facilities (county: revenue; others: enrolled served)."""
        year = model.year
        fac = model.county.facilities
        within = self._within_level(model, model.metrics.fac_revenue_fen[year])
        money = model.metrics.fac_money["surplus_fen"][year]
        for lv, fen in zip(MEMBER_LEVELS, parts, strict=True):
            ids = np.flatnonzero(fac.level == lv)
            money[ids] += sign * apportion(int(fen), within[lv])
