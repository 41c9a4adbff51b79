"""payment=fee_for_service: the baseline; the fund reimburses every claim as it comes.

Facilities are paid their bill for every service, so each more case earns its bill minus
its variable cost: the facility agents' decision rules (agents/facilities.py) respond to
that margin (more marginal admissions, more cases kept, fewer convalescents sent down).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from countysim.config.schema import LEVELS
from countysim.policies.base import PaymentPolicy

if TYPE_CHECKING:
    from countysim.model import CountyModel


@dataclass
class FeeForService(PaymentPolicy):
    """Fee-for-service: income in at year start, each level's claims paid by the fund."""

    def on_year_start(self, model: CountyModel) -> None:
        """Book premiums, subsidy and the withheld catastrophic premium."""
        self.book_income(model)

    def on_year_end(self, model: CountyModel) -> None:
        """Book the year's claims (fund -> level) and out-of-pocket payments."""
        for lv, name in enumerate(LEVELS):
            model.ledger.transfer(
                model.year, "fund", name, int(model.year_claims_fen[lv]), "claims"
            )
        self.book_patients(model)
