"""Tests written against surviving mutants of countysim.money.ledger (issue 11)."""

from __future__ import annotations

import pytest

from countysim.money.ledger import Ledger


def _ledger() -> Ledger:
    led = Ledger()
    led.transfer(0, "insurer", "fund", 1000, "income")
    led.transfer(0, "fund", "county", 300, "claims")
    led.transfer(0, "fund", "township", 0, "claims")  # zero: not recorded
    led.transfer(1, "fund", "county", 250, "claims")
    led.transfer(1, "patients", "county", 40, "oop")
    return led


def test_balances_sum_every_accounts_flows_over_all_years():
    """fund: +1000 - 300 - 250 = 450; county: 300 + 250 + 40 = 590; the rest pay out."""
    led = _ledger()
    assert led.balances() == {"insurer": -1000, "fund": 450, "county": 590, "patients": -40}
    assert led.balance("fund") == 450
    assert led.balance("fund", year=1) == -250
    assert led.total(1, kind="claims", destination="county") == 250


def test_to_frame_lists_every_recorded_transfer_with_named_columns():
    """One row per non-zero transfer, in booking order, amounts in fen."""
    frame = _ledger().to_frame()
    assert frame.columns.tolist() == ["year", "source", "destination", "fen", "kind"]
    assert frame.values.tolist() == [
        [0, "insurer", "fund", 1000, "income"],
        [0, "fund", "county", 300, "claims"],
        [1, "fund", "county", 250, "claims"],
        [1, "patients", "county", 40, "oop"],
    ]


def test_a_negative_transfer_is_refused_with_its_kind_and_amount():
    with pytest.raises(ValueError, match=r"^negative transfer claims: -5 fen$"):
        Ledger().transfer(0, "fund", "county", -5, "claims")
