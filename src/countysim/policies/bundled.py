"""payment=bundled: the resident insurance fund prepaid to the consortia as global budgets.

Real reform (domain.md): Suixi (Anhui) and Luxian (Sichuan) hand the year's resident
insurance fund to the county medical consortia, which then pay for all care of their
enrolled residents, including care bought outside the county.

Money, each year while active (all in integer fen, see `countysim.money.exact` for rounding); the
consortia are agents (agents/consortium.py) that hold their own accounts:
1. year start: premiums and subsidy into `fund`; the catastrophic illness premium to
   `catastrophic_insurer`; `risk_reserve_share` of the income to `fund:risk_reserve`.
   The budget follows `budget_rule`: 'income' (Suixi: the budget is the enrolled
   residents' funding) prepays `prepay_share` of the rest (`later_prepay_share` from the
   calendar year `prepay_share_from` on, if set); 'spending' (a global budget
   grown from spending) prepays last year's claims of the county's residents x
   (1 + `budget_growth`), never more than the rest (its first year: the income rule).
   The budget goes to the consortia by their enrolled residents (`fund` ->
   `consortium:<i>`); the remainder stays in `fund`, and the fund's balance carries over
   from year to year (`fund_cumulative_balance_yuan`).
2. year end: each consortium pays its residents' claims at every level, wherever they were
   treated (`consortium:<i>` -> level, including `out_of_county`); patients pay their
   out-of-pocket share to the levels.
3. settlement, per consortium: balance = prepayment - its residents' claims.
   * surplus >= 0: retained, split county : township : village by `surplus_split` among
     its own members (`consortium:<i>` -> level, kind `surplus`). Within a level it goes to
     members by workload for county hospitals (their revenue that year) and by enrolled
     residents served for township centres and village clinics.
   * overspend: the insurer's part (`overspend_insurer_share`) is paid from the risk
     reserve while it lasts (`fund:risk_reserve` -> consortium), then from `fund`; the
     consortium's part is borne by its members by `surplus_split` (level -> consortium).
   Every consortium account returns to zero every year; `consortium_balance_yuan` is the
   sum of the consortia's balances before settlement.

Provider response: none is set here. Each member facility's decisions respond to its
stake in its consortium's balance (`stake`): the share of a yuan saved that reaches it by
the surplus split actually applied (its level's `surplus_split` share, times its share
within the level among the consortium's members), or, while the consortium's projected
balance is an overspend, the share of a yuan overspent that it bears
((1 - `overspend_insurer_share`) x the same split), weighted by `providers.loss_aversion`.
The projection is the prepayment minus the claims so far scaled to the whole year.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.config.params import ConfigError, param
from countysim.money.exact import apportion
from countysim.policies.fee_for_service import FeeForService

if TYPE_CHECKING:
    from countysim.model import CountyModel


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
    prepay_share_from: int = param(
        0,
        0,
        2100,
        unit="calendar year",
        help="from this calendar year on, prepay later_prepay_share instead (0: never)",
        source="Suixi: 0.99 from 2023",
    )
    later_prepay_share: float = param(
        0.99,
        0,
        1,
        unit="share",
        help="prepaid share from prepay_share_from on",
        source="Suixi (2023)",
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
    budget_rule: str = param(
        "income",
        help="'income': prepay_share of the year's income after reserve and catastrophic "
        "premium (Suixi); 'spending': last year's claims x (1 + budget_growth), at most that",
    )
    budget_growth: float = param(
        0.046,
        -0.5,
        1,
        unit="share/year",
        help="growth of a spending-based budget over last year's claims (estimate: the "
        "funding schedule's growth)",
    )
    overspend_insurer_share: float = param(
        0.5,
        0,
        1,
        unit="share",
        help="insurer's part of an overspend (Luxian: reasonable overspend shared; estimate)",
        source="estimate",
    )

    def check(self, path: str) -> None:
        """`budget_rule` is 'income' or 'spending'."""
        if self.budget_rule not in ("income", "spending"):
            raise ConfigError(
                f"{path}.budget_rule = {self.budget_rule!r}: must be 'income' or 'spending'"
            )

    def prepay_share_in(self, calendar_year: int) -> float:
        """The prepaid share in force in a calendar year (Suixi: 0.95, 0.99 from 2023)."""
        if self.prepay_share_from and calendar_year >= self.prepay_share_from:
            return self.later_prepay_share
        return self.prepay_share

    # ---- the members' stake ------------------------------------------------------------
    def stake(self, model: CountyModel) -> np.ndarray:
        """Yuan of each member's income per yuan of its consortium's projected balance."""
        out = np.zeros(model.county.facilities.n)
        if not self.active(model):
            return out
        for c in model.consortia:
            weight = 1.0
            if c.projected_balance_fen() < 0:
                weight = (1.0 - self.overspend_insurer_share) * model.cfg.providers.loss_aversion
            out += weight * c.member_weights(self.surplus_split)
        return out

    # ---- money ---------------------------------------------------------------------------
    def on_year_start(self, model: CountyModel) -> None:
        """Income in; catastrophic premium and risk reserve withheld; budgets prepaid.

        The county's budget is shared among the consortia by their enrolled residents.
        """
        self.book_income(model)
        if not self.active(model):
            return
        year, led = model.year, model.ledger
        income = led.total(year, kind="subsidy") + led.total(year, kind="premium")
        reserve = round(income * self.risk_reserve_share)
        led.transfer(year, "fund", "fund:risk_reserve", reserve, "risk_reserve")
        rest = max(income - reserve - led.total(year, kind="catastrophic_premium"), 0)
        last = getattr(self, "_last_claims_fen", None)
        if self.budget_rule == "spending" and last is not None:
            budget = min(round(last * (1.0 + self.budget_growth)), rest)
        else:
            budget = round(rest * self.prepay_share_in(model.cfg.sim.start_calendar_year + year))
        parts = apportion(budget, [c.enrolled() for c in model.consortia])
        for c, fen in zip(model.consortia, parts, strict=True):
            c.receive_prepayment(int(fen))

    def on_year_end(self, model: CountyModel) -> None:
        """Each consortium pays its residents' claims, then settles its balance."""
        self._last_claims_fen = int(model.year_claims_fen.sum())
        if not self.active(model):
            super().on_year_end(model)
            return
        for c in model.consortia:
            c.pay_claims()
        self.book_patients(model)
        self._balance_fen = sum(
            c.settle(self.surplus_split, self.overspend_insurer_share) for c in model.consortia
        )

    def yearly_metrics(self, model: CountyModel) -> dict[str, float]:
        """The flows of the base class plus the consortia's balance before settlement."""
        out = super().yearly_metrics(model)
        on = self.active(model)
        out["consortium_balance_yuan"] = getattr(self, "_balance_fen", 0) / 100.0 if on else 0.0
        return out
