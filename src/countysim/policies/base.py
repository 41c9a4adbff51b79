"""The lifecycle every policy shares (Starsim-style plug-ins).

A policy is a small dataclass instantiated from Hydra's `_target_`; it reaches the model
only through these hooks, called by `CountyModel.step` in the documented order, and never
edits another policy's state. A policy is active from the start of `start_year` on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.params import param

if TYPE_CHECKING:
    from countysim.insurance import Claims
    from countysim.model import CountyModel


@dataclass
class Policy:
    """Base policy: every hook is a no-op."""

    start_year: int = param(0, 0, 100, unit="year", help="simulated year the policy switches on")

    def active(self, model: CountyModel) -> bool:
        """True from the start of `start_year` on."""
        return model.year >= self.start_year

    def setup(self, model: CountyModel) -> None:
        """Once, after the county is built and before day 0."""

    def on_year_start(self, model: CountyModel) -> None:
        """First thing on the first day of every simulated year (active or not)."""

    def on_day(self, model: CountyModel) -> None:
        """Start of each day while active (e.g. rotations begin or end)."""

    def doctor_delta(self, model: CountyModel) -> np.ndarray | None:
        """Change in doctors on duty per facility today, or None."""
        return None

    def capability_delta(self, model: CountyModel) -> np.ndarray | None:
        """Change in each facility's capability today, or None."""
        return None

    def prevented(
        self, model: CountyModel, resident: np.ndarray, u: np.ndarray
    ) -> np.ndarray | None:
        """Mask of today's acute episodes prevented (u: the model's prevention uniforms)."""
        return None

    def reimbursement_delta(
        self, model: CountyModel, level: np.ndarray, inpatient: np.ndarray, referred: np.ndarray
    ) -> np.ndarray | float:
        """Change in the reimbursement share of a bill."""
        return 0.0

    def down_referral_delta(self, model: CountyModel) -> float:
        """Change in the share of county inpatients referred down to convalesce."""
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

    def book_income(self, model: CountyModel) -> None:
        """Premiums and subsidy in; the catastrophic illness premium withheld."""
        year, ins = model.year, model.cfg.insurance
        enrolled = int(model.residents.enrolled.sum())
        led = model.ledger
        led.transfer(
            year,
            "government",
            "fund",
            round(enrolled * ins.subsidy_per_capita_yuan * 100),
            "subsidy",
        )
        led.transfer(
            year,
            "residents",
            "fund",
            round(enrolled * ins.premium_per_capita_yuan * 100),
            "premium",
        )
        led.transfer(
            year,
            "fund",
            "catastrophic_insurer",
            round(enrolled * ins.catastrophic_premium_per_capita_yuan * 100),
            "catastrophic_premium",
        )

    def book_patients(self, model: CountyModel) -> None:
        """Patients' out-of-pocket payments to each level."""
        from countysim.config import LEVELS

        for lv, name in enumerate(LEVELS):
            model.ledger.transfer(model.year, "patients", name, int(model.year_oop_fen[lv]), "oop")

    def fund_summary(self, model: CountyModel, year: int) -> dict[str, float]:
        """Income, spending and balance of the fund in `year` (the fund's sub-accounts excluded)."""
        income = spending = 0
        for t in model.ledger.transfers:
            if t.year != year:
                continue
            if t.destination == "fund" and not t.source.startswith("fund"):
                income += t.fen
            if t.source == "fund" and not t.destination.startswith("fund"):
                spending += t.fen
        balance = income - spending
        return {
            "fund_income_yuan": income / 100.0,
            "fund_spending_yuan": spending / 100.0,
            "fund_balance_yuan": balance / 100.0,
            "fund_balance_ratio": balance / income if income else float("nan"),
        }
