"""payment=fee_for_service: the baseline; the fund reimburses every claim as it comes.

Provider response (scaled by `responsiveness`, 0 = none): paid per service, county
hospitals admit more marginal cases. An outpatient of severity >= 1 treated at a county
hospital is admitted with probability `responsiveness x marginal_admission_share` when a
bed is free; the admission is billed and reimbursed as any other. The yearly metric
`marginal_admissions` counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.config import LEVELS
from countysim.county import COUNTY
from countysim.params import param
from countysim.policies.base import PaymentPolicy

if TYPE_CHECKING:
    from countysim.model import CountyModel


@dataclass
class FeeForService(PaymentPolicy):
    """Fee-for-service: income in at year start, each level's claims paid by the fund."""

    responsiveness: float = param(
        1.0, 0, 5, help="how strongly providers respond to how they are paid (0 = not at all)"
    )
    marginal_admission_share: float = param(
        0.005,
        0,
        1,
        unit="share",
        help="county outpatients (severity >= 1) admitted at responsiveness 1 (estimate)",
        source="estimate",
    )

    def admission_prob(self, model: CountyModel) -> np.ndarray | None:
        """Marginal admissions at county hospitals under fee-for-service."""
        p = self.responsiveness * self.marginal_admission_share
        if p <= 0:
            return None
        prob = np.zeros(4)
        prob[COUNTY] = p
        return prob

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
