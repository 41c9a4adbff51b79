"""Catastrophic illness insurance (大病保险): the other side of the withheld premium.

Every payment scheme withholds `insurance.catastrophic_premium_per_capita_yuan` per
enrolled resident for the catastrophic illness insurer. The insurer pays
`insurance.catastrophic_rate` of each enrolled resident's out-of-pocket payments for
inpatient care in a year above `insurance.catastrophic_threshold_yuan` (NHSA
医保发〔2019〕30号: a threshold of half the per-capita disposable income, 60% paid above
it). The threshold is nominal at the price year (prices.price_year) and follows the price level.
What counts is the in-list part of an inpatient line's out-of-pocket payment:
`in_list_share` x cost - the fund's reimbursement (the out-of-list part is the patient's
alone). The payment reaches the patient at once.

Payments are counted daily (`catastrophic_fen`) and booked at year end in the ledger
(`catastrophic_insurer` -> `patients`, kind `catastrophic_payout`); the insurer's balance
(premiums - payouts) is `catastrophic_balance_yuan`.
"""

from __future__ import annotations

import numpy as np

from countysim.money.funding import InsuranceConfig


class CatastrophicCover:
    """Each resident's inpatient out-of-pocket this year, and what the cover pays."""

    def __init__(self, n_residents: int, cfg: InsuranceConfig) -> None:
        self.cfg = cfg
        self.spent_fen = np.zeros(n_residents, dtype=np.int64)
        self.threshold_fen = round(cfg.catastrophic_threshold_yuan * 100)
        self.year_paid_fen = 0

    def new_year(self, price_level: float, n_residents: int) -> None:
        """Reset every resident's yearly out-of-pocket; the threshold follows prices."""
        if n_residents != self.spent_fen.shape[0]:
            self.spent_fen = np.zeros(n_residents, dtype=np.int64)
        self.spent_fen[:] = 0
        self.threshold_fen = round(self.cfg.catastrophic_threshold_yuan * 100 * price_level)
        self.year_paid_fen = 0

    def pay(self, resident: np.ndarray, oop_fen: np.ndarray, eligible: np.ndarray) -> int:
        """Add the day's eligible out-of-pocket; return the cover's payment (fen, floored).

        A resident's payment is rate x (the part of this year's total above the threshold
        after today - the part before today), so it never pays twice for the same yuan.
        """
        r, o = resident[eligible], oop_fen[eligible]
        if r.size == 0:
            return 0
        who, inv = np.unique(r, return_inverse=True)
        add = np.bincount(inv, weights=o).astype(np.int64)
        before = self.spent_fen[who]
        after = before + add
        self.spent_fen[who] = after
        t = self.threshold_fen
        above = np.maximum(after - t, 0) - np.maximum(before - t, 0)
        paid = int(np.floor(above * self.cfg.catastrophic_rate).sum())
        self.year_paid_fen += paid
        return paid
