"""The waiting list: episodes placed nowhere today try again tomorrow.

An episode turned away everywhere (routing) waits for the next day if it has waited fewer
than `care.max_wait_days` days; it joins that day's new episodes, chooses afresh and keeps a
referral it was given (routing's `held`). A resident who dies leaves the list untreated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countysim.care.demand import Episodes


@dataclass
class WaitingList:
    """Waiting episodes, the days each has waited, and whether each holds a referral."""

    episodes: Episodes
    days: np.ndarray  # int64
    referred: np.ndarray  # bool

    @classmethod
    def empty(cls) -> WaitingList:
        """Nobody waiting."""
        none = np.zeros(0, np.int64)
        ep = Episodes(none, np.zeros(0, np.int8), np.zeros(0, bool), np.zeros(0, bool))
        return cls(ep, none, np.zeros(0, bool))

    def join(self, new: Episodes) -> tuple[Episodes, np.ndarray, np.ndarray]:
        """Today's new episodes followed by the list: (episodes, days waited, referral held)."""
        days, held = np.zeros(new.n, np.int64), np.zeros(new.n, bool)
        if not self.episodes.n:
            return new, days, held
        return (
            new.concat(self.episodes),
            np.concatenate([days, self.days]),
            np.concatenate([held, self.referred]),
        )

    def subset(self, keep: np.ndarray) -> WaitingList:
        """The list without the episodes not in `keep` (bool)."""
        return WaitingList(self.episodes.subset(keep), self.days[keep], self.referred[keep])
