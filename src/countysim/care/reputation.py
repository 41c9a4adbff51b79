"""What patients believe a facility can do: its capability as word of mouth reports it.

Patients choose by a facility's capability above (or below) its level's reference, its
*gain* (careseeking.CareSeeking.utility). With `care.reputation_lag_days` = τ > 0 they do
not see today's gain but a perceived gain that follows it as news spreads, a first-order
lag (exponential smoothing) with time constant τ days:

    perceived_t = gain_t + (perceived_{t-1} - gain_t) · exp(-1/τ),

so after a step change of the gain (a seconded specialist arrives, say) the perceived
gain has covered 1 - exp(-t/τ) of it after t days: 63% after τ days, 95% after 3τ. It
starts at the county's gain before any policy acts (the county as it has long been), so
a reform from day 0 is learnt like any other. τ = 0 (the default): patients see each
day's gain at once, as before this lag existed.
"""

from __future__ import annotations

import math

import numpy as np


class Reputation:
    """Each facility's perceived capability gain (see the module's docstring)."""

    def __init__(self, lag_days: float, gain: np.ndarray) -> None:
        if lag_days < 0:
            raise ValueError(f"care.reputation_lag_days must be >= 0, got {lag_days}")
        self.decay = math.exp(-1.0 / lag_days) if lag_days > 0 else 0.0
        self.perceived = np.asarray(gain, dtype=np.float64).copy()

    def update(self, gain: np.ndarray) -> np.ndarray:
        """Move the perceived gain one day towards today's `gain`; returns it."""
        if self.decay == 0.0:
            self.perceived = np.asarray(gain, dtype=np.float64).copy()
        else:
            self.perceived = gain + (self.perceived - gain) * self.decay
        return self.perceived
