"""Tests written against surviving mutants of countysim.money.insurance (issue 11)."""

from __future__ import annotations

import numpy as np

from countysim.money.insurance import Insurance
from countysim.money.prices import PriceConfig, Prices
from tests.test_mech_insurance import CFG  # the hand-made schedule of the mechanism tests


def _full_cover(level, inpatient, referred):
    """A policy delta that lifts every share to the ceiling 1."""
    return np.ones(level.shape[0])


def test_a_bill_below_its_deductible_is_not_reimbursed_even_at_full_cover():
    """Township admission of ¥80 (8,000 fen) under the ¥100 deductible, share 1: nothing is
    payable, so 0 fen reimbursed and all 8,000 fen out of pocket; a ¥150 one pays 5,000."""
    ins = Insurance(CFG, Prices(PriceConfig()))
    r, oop = ins.settle(
        np.array([8_000, 15_000]), np.array([1, 1]), np.array([True, True]),
        np.array([False, False]), np.array([True, True]), np.array([True, True]), _full_cover,
    )  # fmt: skip
    assert r.dtype == np.int64 and oop.dtype == np.int64
    assert r.tolist() == [0, 5_000]
    assert oop.tolist() == [8_000, 10_000]


def test_expected_oop_table_is_inpatient_by_level_by_severity():
    """One (4 levels x 4 severities) table for visits and one for admissions."""
    ins = Insurance(CFG, Prices(PriceConfig()))
    oop = ins.expected_oop_yuan(lambda lv, inp, ref: np.zeros(lv.shape[0]))
    assert oop.shape == (2, 4, 4)
