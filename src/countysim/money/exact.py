"""Exact money arithmetic: splitting an amount of fen by shares without losing a fen.

Rounding rule (largest remainder, Hamilton's method): each part first gets the floor of
its exact share (shares are taken as exact fractions, e.g. 0.6 = 3/5); the fen left over
go one each to the parts with the largest fractional remainders, ties to the earlier part.
The parts sum to the total exactly and each is within one fen of its exact share.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np


def _exact(w: float | int) -> Fraction:
    """A weight as an exact fraction (floats by their shortest decimal, e.g. 0.3 = 3/10)."""
    if isinstance(w, int | np.integer):
        return Fraction(int(w))
    return Fraction(repr(float(w)))


def apportion(total: int, weights: Sequence[float] | np.ndarray) -> np.ndarray:
    """Split `total` fen (>= 0) by non-negative weights; returns int64 parts summing to it."""
    total = int(total)
    if total < 0:
        raise ValueError(f"cannot apportion a negative amount ({total} fen)")
    w = [_exact(x) for x in np.asarray(weights).tolist()]
    if any(x < 0 for x in w):
        raise ValueError("apportion weights must be non-negative")
    s = sum(w, Fraction(0))
    n = len(w)
    if n == 0:
        raise ValueError("apportion needs at least one weight")
    if s == 0:
        w, s = [Fraction(1)] * n, Fraction(n)
    exact = [total * x / s for x in w]
    parts = [int(e) for e in exact]  # floor: exact shares are non-negative
    left = total - sum(parts)
    order = sorted(range(n), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return np.array(parts, dtype=np.int64)
