"""Pieces of hand-built counties shared by the mechanism tests."""

from __future__ import annotations

import numpy as np

from countysim.world.county import Residents


def adult_residents(village: np.ndarray, trust: np.ndarray) -> Residents:
    """One living, enrolled 40-year-old man per entry of `village`, with no chronic
    condition and the given (residents x 4) trust."""
    n = village.shape[0]
    return Residents(
        village=np.asarray(village, dtype=np.int32),
        age=np.full(n, 40, np.uint8),
        age_band=np.ones(n, np.int8),
        male=np.ones(n, bool),
        enrolled=np.ones(n, bool),
        chronic=np.zeros(n, np.uint8),
        trust=np.ascontiguousarray(trust, dtype=np.float32),
        alive=np.ones(n, bool),
        away=np.zeros(n, bool),
    )
