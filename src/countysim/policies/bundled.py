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

Provider response while active, scaled by `responsiveness` (0 = none, so bundled payment
changes who holds the money but not where anyone is treated):
* retention: county hospitals keep more severe cases before referring out of the county;
  `retention_effort` capability levels are added to their keep-or-refer decision (the
  outcome still depends on their real capability).
* down-referral: `down_referral_effort` more of county inpatients are sent to their
  township centre to convalesce.
* chronic disease management: a share `chronic_management_effect` of acute episodes of
  residents with a chronic condition is prevented.
* no marginal admissions (the fee-for-service incentive is gone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.config import LEVELS
from countysim.county import COUNTY, TOWNSHIP, VILLAGE
from countysim.money import apportion
from countysim.params import param
from countysim.policies.fee_for_service import FeeForService

if TYPE_CHECKING:
    from countysim.demand import Episodes
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
    retention_effort: float = param(
        0.4, 0, 5, unit="capability", help="keep-before-referring-out effort (estimate)"
    )
    down_referral_effort: float = param(
        0.10, 0, 1, unit="share", help="extra county inpatients referred down (estimate)"
    )
    chronic_management_effect: float = param(
        0.05, 0, 1, unit="share", help="acute episodes of chronic patients prevented (estimate)"
    )

    # ---- provider response -------------------------------------------------------------
    def admission_prob(self, model: CountyModel) -> np.ndarray | None:
        """Marginal admissions only while still paid fee-for-service."""
        return super().admission_prob(model) if not self.active(model) else None

    def retention_delta(self, model: CountyModel) -> np.ndarray | None:
        """County hospitals keep more before referring out."""
        effort = self.responsiveness * self.retention_effort
        if not self.active(model) or effort <= 0:
            return None
        delta = np.zeros(model.county.facilities.n)
        delta[model.county.county_facilities] = effort
        return delta

    def down_referral_delta(self, model: CountyModel) -> float:
        """More convalescent county inpatients referred down."""
        return self.responsiveness * self.down_referral_effort if self.active(model) else 0.0

    def prevention_prob(self, model: CountyModel, ep: Episodes) -> np.ndarray | None:
        """Chronic disease management prevents some acute exacerbations."""
        p = min(self.responsiveness * self.chronic_management_effect, 1.0)
        if not self.active(model) or p <= 0:
            return None
        return np.where(model.residents.chronic[ep.resident] != 0, p, 0.0)

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

    def _to_facilities(self, model: CountyModel, parts: np.ndarray, sign: int) -> None:
        """Each level's share to its facilities (county: revenue; others: enrolled served)."""
        county, year = model.county, model.year
        fac = county.facilities
        enrolled = county.residents.enrolled
        village = county.residents.village
        served = np.bincount(village[enrolled], minlength=county.n_villages)
        by_township = np.bincount(
            county.village_township, weights=served, minlength=county.n_townships
        )
        revenue = model.metrics.fac_revenue_fen[year]
        money = model.metrics.fac_money["surplus_fen"][year]
        for lv, fen in zip(MEMBER_LEVELS, parts, strict=True):
            ids = np.flatnonzero(fac.level == lv)
            if lv == COUNTY:
                weights = revenue[ids]
            elif lv == TOWNSHIP:
                weights = by_township.astype(np.int64)
            else:
                weights = served
            money[ids] += sign * apportion(int(fen), weights)
