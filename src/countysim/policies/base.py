"""The lifecycle every policy shares (Starsim-style plug-ins).

A policy is a small dataclass instantiated from Hydra's `_target_`; it reaches the model
only through these hooks, called by `CountyModel.step` in the documented order, and never
edits another policy's state. A policy is active from the start of `start_year` on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from countysim.config.params import param

if TYPE_CHECKING:
    from countysim.care.demand import Episodes
    from countysim.model import CountyModel
    from countysim.money.insurance import Claims


@dataclass
class Policy:
    """Base policy: every hook is a no-op."""

    # a payment scheme is always in force: its hooks run every year, and before its
    # start_year a payment policy behaves as fee-for-service
    always_on: ClassVar[bool] = False
    # the config slot (payment / secondment / triage) this policy fills; "any": a plug-in
    # that fits any slot but payment (e.g. countysim.testing.CrashOnDay)
    slot: ClassVar[str] = "any"

    start_year: int = param(0, 0, 100, unit="year", help="simulated year the policy switches on")

    def active(self, model: CountyModel) -> bool:
        """True from the start of `start_year` on."""
        return model.year >= self.start_year

    def setup(self, model: CountyModel) -> None:
        """Once, after the county is built and before day 0."""

    def on_year_start(self, model: CountyModel) -> None:
        """First thing on the first day of every simulated year (active or not)."""

    def on_population(self, model: CountyModel, born: np.ndarray) -> None:
        """After the year's deaths, births and ageing (population.py), before on_year_start;
        `born` are the newborns' resident ids (slots may be reused, arrays may grow)."""

    def on_day(self, model: CountyModel) -> None:
        """Start of each day while active (e.g. rotations begin or end)."""

    def doctor_delta(self, model: CountyModel) -> np.ndarray | None:
        """Change in doctors on duty per facility today, or None."""
        return None

    def capability_delta(self, model: CountyModel) -> np.ndarray | None:
        """Change in each facility's capability today, or None."""
        return None

    def extra_episodes(self, model: CountyModel) -> Episodes | None:
        """Episodes of care the policy adds today (e.g. contracted follow-ups), or None."""
        return None

    def utility_delta(self, model: CountyModel, ep: Episodes) -> np.ndarray | None:
        """Change in each episode's utility of each candidate column (episodes, columns)."""
        return None

    def referral_requests(
        self, model: CountyModel, ep: Episodes, util: np.ndarray
    ) -> np.ndarray | None:
        """Episodes (bool per episode) that first ask their own township centre for a
        referral to the column `util` ranks first, or None (e.g. triage=gatekeeping)."""
        return None

    def refers_on_request(self, model: CountyModel) -> float:
        """Share of the cases a centre could treat that it still refers when asked."""
        return 1.0

    def deductible_once(self, model: CountyModel) -> bool:
        """True if a deductible is counted once along a referral chain."""
        return False

    def reimbursement_delta(
        self, model: CountyModel, level: np.ndarray, inpatient: np.ndarray, referred: np.ndarray
    ) -> np.ndarray | float:
        """Change in the reimbursement share of a bill."""
        return 0.0

    def down_referral_floor(self, model: CountyModel) -> float:
        """Least share of county inpatients a protocol requires to be referred down."""
        return 0.0

    def on_claims(self, model: CountyModel, claims: Claims) -> None:
        """After the day's claims are settled."""

    def on_year_end(self, model: CountyModel) -> None:
        """Last thing on the last day of every simulated year (active or not)."""

    def yearly_metrics(self, model: CountyModel) -> dict[str, float]:
        """Extra metrics of the closing year (zero-valued names when inactive)."""
        return {}


@dataclass
class PaymentPolicy(Policy):
    """How the resident insurance fund pays for care; owns the fund's yearly ledger entries."""

    slot: ClassVar[str] = "payment"

    always_on: ClassVar[bool] = True

    def revenue_ratio(
        self, model: CountyModel, level: np.ndarray, inpatient: np.ndarray
    ) -> np.ndarray:
        """A facility's expected revenue per yuan billed for a case (1 when paid per bill)."""
        return np.ones(level.shape[0])

    def paid_per_case(
        self, model: CountyModel, level: np.ndarray, inpatient: np.ndarray
    ) -> np.ndarray:
        """True where a facility is paid per case group rather than per bill (DIP)."""
        return np.zeros(level.shape[0], dtype=bool)

    def stake(self, model: CountyModel) -> np.ndarray:
        """Yuan of each facility's income per yuan of its consortium's balance (0: none)."""
        return np.zeros(model.county.facilities.n)

    def book_income(self, model: CountyModel) -> None:
        """Premiums and subsidy in; the catastrophic illness premium withheld."""
        year, ins = model.year, model.cfg.insurance
        enrolled = int(model.residents.enrolled.sum())
        led = model.ledger
        subsidy, premium = ins.funding_yuan(model.cfg.sim.start_calendar_year + year)
        led.transfer(year, "government", "fund", round(enrolled * subsidy * 100), "subsidy")
        led.transfer(year, "residents", "fund", round(enrolled * premium * 100), "premium")
        led.transfer(
            year,
            "fund",
            "catastrophic_insurer",
            round(
                enrolled
                * ins.catastrophic_premium_yuan(model.cfg.sim.start_calendar_year, year)
                * 100
            ),
            "catastrophic_premium",
        )

    def book_patients(self, model: CountyModel) -> None:
        """Patients' out-of-pocket payments to each level."""
        from countysim.config.schema import LEVELS

        for lv, name in enumerate(LEVELS):
            model.ledger.transfer(model.year, "patients", name, int(model.year_oop_fen[lv]), "oop")
        paid = model.catastrophic.year_paid_fen
        if paid:
            model.ledger.transfer(
                model.year, "catastrophic_insurer", "patients", paid, "catastrophic_payout"
            )

    def yearly_metrics(self, model: CountyModel) -> dict[str, float]:
        """The closing year's withheld, prepaid, surplus and overspend flows (yuan; 0 if none)."""
        led, year = model.ledger, model.year

        def yuan(kind: str, **where: str) -> float:
            return led.total(year, kind=kind, **where) / 100.0

        return {
            "risk_reserve_yuan": yuan("risk_reserve"),
            "catastrophic_premium_yuan": yuan("catastrophic_premium"),
            "catastrophic_balance_yuan": yuan("catastrophic_premium") - yuan("catastrophic_payout"),
            "consortium_prepayment_yuan": yuan("prepayment"),
            "surplus_county_yuan": yuan("surplus", destination="county"),
            "surplus_township_yuan": yuan("surplus", destination="township"),
            "surplus_village_yuan": yuan("surplus", destination="village"),
            "overspend_insurer_yuan": yuan("overspend_insurer"),
            "overspend_consortium_yuan": yuan("overspend_consortium"),
        }

    def fund_summary(self, model: CountyModel, year: int) -> dict[str, float]:
        """Income, spending and balance of the fund in `year`.

        The insurer's sub-accounts ("fund:risk_reserve") are part of the fund: moving money
        into them is neither income nor spending, paying out of them is spending. The
        balance carries over: `fund_cumulative_balance_yuan` is the sum of the balances of
        years 0..`year` (the fund's position relative to the start of the run).
        """
        income = spending = cumulative = 0
        for t in model.ledger.transfers:
            if t.year > year:
                continue
            src, dst = t.source.startswith("fund"), t.destination.startswith("fund")
            flow = t.fen if dst and not src else -t.fen if src and not dst else 0
            cumulative += flow
            if t.year == year:
                income += max(flow, 0)
                spending += max(-flow, 0)
        balance = income - spending
        return {
            "fund_income_yuan": income / 100.0,
            "fund_spending_yuan": spending / 100.0,
            "fund_balance_yuan": balance / 100.0,
            "fund_balance_ratio": balance / income if income else float("nan"),
            "fund_cumulative_balance_yuan": cumulative / 100.0,
        }
