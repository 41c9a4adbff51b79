"""Tests written against surviving mutants of countysim.money.exact (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.money.exact import apportion


def test_nothing_to_apportion_gives_every_part_zero():
    """0 fen split 2 : 1 is 0 and 0 (not refused as a negative amount)."""
    parts = apportion(0, [2.0, 1.0])
    assert parts.dtype == np.int64
    assert parts.tolist() == [0, 0]


def test_one_fen_goes_to_the_largest_remainder():
    """1 fen split 0.3 : 0.7: floors 0 and 0, remainders 0.3 and 0.7 -> the second part."""
    assert apportion(1, [0.3, 0.7]).tolist() == [0, 1]


@pytest.mark.parametrize(
    "total, weights, message",
    [
        (-3, [1.0], r"^cannot apportion a negative amount \(-3 fen\)$"),
        (5, [1.0, -0.5], r"^apportion weights must be non-negative$"),
        (5, [], r"^apportion needs at least one weight$"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(total, weights, message):
    with pytest.raises(ValueError, match=message):
        apportion(total, weights)
