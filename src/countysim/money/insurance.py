"""Reimbursement and claims of the resident medical insurance scheme (prices: prices.py).

Money is integer fen throughout so that the ledger balances exactly. Deductibles are
those of the price year (prices.price_year) and follow the price level (prices.py). A
claim line is one facility's bill for one episode: total cost, the fund's reimbursement
(floor to the fen), and the patient's out-of-pocket rest. Policies adjust reimbursement
only through the `reimbursement_delta` hook; the resulting share is bounded to [0, 1] as a
model rule.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from countysim.money.funding import InsuranceConfig
from countysim.money.prices import Prices
from countysim.world.county import OUT

PPM = 1_000_000  # shares in parts per million: integer settlement

# (level, inpatient, referred) -> change in reimbursement share, vectorised
DeltaFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Claims:
    """The day's claim lines (one per facility per episode)."""

    episode: np.ndarray  # int64 index into the day's episodes (placed or not)
    resident: np.ndarray  # int64
    facility: np.ndarray  # int64
    level: np.ndarray  # int8
    inpatient: np.ndarray  # bool
    referred: np.ndarray  # bool
    enrolled: np.ndarray  # bool
    cost_fen: np.ndarray  # int64
    reimbursed_fen: np.ndarray  # int64
    oop_fen: np.ndarray  # int64
    severity: np.ndarray  # int8: the episode's severity
    convalescent: np.ndarray  # bool: a down-referred convalescent stay (bed-days)

    @property
    def n(self) -> int:
        """Number of claim lines."""
        return int(self.cost_fen.shape[0])


class Insurance:
    """Price and reimbursement rules of the resident scheme."""

    def __init__(self, cfg: InsuranceConfig, prices: Prices) -> None:
        self.cfg = cfg
        self.prices = prices
        self.ratio = np.array(
            [
                cfg.outpatient_reimbursement,
                np.asarray(cfg.inpatient_reimbursement) * cfg.in_list_share,
            ]
        )
        self.deductible_fen = np.array(
            [np.zeros(4), np.asarray(cfg.inpatient_deductible_yuan) * 100.0]
        )

    def share(
        self, level: np.ndarray, inpatient: np.ndarray, referred: np.ndarray, delta: DeltaFn
    ) -> np.ndarray:
        """Reimbursement share of a bill: schedule, out-of-county penalty, policy deltas."""
        base = self.ratio[inpatient.astype(np.int64), level]
        penalty = np.where((level == OUT) & ~referred, self.cfg.out_of_county_penalty, 0.0)
        return np.clip(base - penalty + delta(level, inpatient, referred), 0.0, 1.0)

    def expected_oop_yuan(self, delta: DeltaFn, referred: bool = False) -> np.ndarray:
        """Expected OOP of a first, self-referred contact (`referred`: of a contact with a
        referral): array [inpatient, level, severity]."""
        lv, sev = np.meshgrid(np.arange(4), np.arange(4), indexing="ij")
        out = np.empty((2, 4, 4))
        for inp in (0, 1):
            inp_arr = np.full(lv.shape, bool(inp))
            share = self.share(lv.ravel(), inp_arr.ravel(), np.full(16, referred), delta)
            cost = self.prices.mean_fen[inp][lv, sev] / 100.0
            ded = np.minimum(self.deductible_fen[inp][lv] * self.prices.level / 100.0, cost)
            out[inp] = cost - (cost - ded) * share.reshape(4, 4)
        return out

    def settle(
        self,
        cost_fen: np.ndarray,
        level: np.ndarray,
        inpatient: np.ndarray,
        referred: np.ndarray,
        enrolled: np.ndarray,
        with_deductible: np.ndarray,
        delta: DeltaFn,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Split bills into (reimbursed, out-of-pocket) fen; the two sum to the cost exactly.

        Integer arithmetic: the deductible is rounded to whole fen, the share to parts per
        million (config shares are decimals: exact), and reimbursed = floor(payable x share)
        exactly, so 100 fen at 0.29 pays 29 fen, never 28 by a float rounding."""
        share = self.share(level, inpatient, referred, delta)
        ded_fen = self.deductible_fen[inpatient.astype(np.int64), level] * self.prices.level
        ded = np.where(with_deductible, np.rint(ded_fen), 0.0).astype(np.int64)
        payable = np.maximum(np.asarray(cost_fen, dtype=np.int64) - ded, 0)
        ppm = np.rint(np.asarray(share) * PPM).astype(np.int64)
        reimbursed = (payable * ppm) // PPM
        reimbursed = np.where(enrolled, reimbursed, 0)
        return reimbursed, cost_fen - reimbursed
