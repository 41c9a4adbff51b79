"""Episode generation: who falls ill today, how severely, needing what kind of care.

Onsets are drawn per risk stratum (age band x number of chronic conditions): a Poisson
count per stratum, then residents picked uniformly within it. The work is proportional to
the day's episodes, never to the number of residents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countysim.care.chronic import N_CHRONIC_CLASSES, n_conditions
from countysim.config.schema import DemandConfig
from countysim.world.county import Residents

OUTPATIENT, FOLLOWUP, INPATIENT = 0, 1, 2


@dataclass
class Episodes:
    """The day's episodes of care need, one entry each."""

    resident: np.ndarray  # int64
    severity: np.ndarray  # int8: 0 minor .. 3 highly complex
    inpatient: np.ndarray  # bool
    followup: np.ndarray  # bool: routine chronic follow-up

    @property
    def n(self) -> int:
        """Number of episodes."""
        return int(self.resident.shape[0])

    def concat(self, other: Episodes) -> Episodes:
        """These episodes followed by `other`'s."""
        return Episodes(
            np.concatenate([self.resident, other.resident]),
            np.concatenate([self.severity, other.severity]),
            np.concatenate([self.inpatient, other.inpatient]),
            np.concatenate([self.followup, other.followup]),
        )

    def subset(self, mask: np.ndarray) -> Episodes:
        """The episodes selected by a boolean mask or index array."""
        return Episodes(
            self.resident[mask], self.severity[mask], self.inpatient[mask], self.followup[mask]
        )


class Demand:
    """Draws each day's episodes from stratum rates.

    `acute_scale[k]` multiplies the acute rates of residents with k chronic conditions
    (the uncontrolled rate that chronic.py then thins by each resident's control; 1 = the
    configured rates as they are).
    """

    def __init__(
        self, residents: Residents, cfg: DemandConfig, acute_scale: np.ndarray | None = None
    ) -> None:
        living = np.flatnonzero(residents.alive)  # freed slots have no episodes
        n_chronic = n_conditions(residents.chronic[living])
        stratum = residents.age_band[living].astype(np.int64) * N_CHRONIC_CLASSES + n_chronic
        n_strata = 4 * N_CHRONIC_CLASSES
        self.order = living[np.argsort(stratum, kind="stable")]
        self.size = np.bincount(stratum, minlength=n_strata)
        self.start = np.concatenate([[0], np.cumsum(self.size)[:-1]])
        band = np.repeat(np.arange(4), N_CHRONIC_CLASSES)
        chronic = np.tile(np.arange(N_CHRONIC_CLASSES), 4)
        mult = cfg.chronic_acute_multiplier**chronic
        if acute_scale is not None:
            mult = mult * np.asarray(acute_scale)[chronic]
        per_day = (
            np.concatenate(
                [
                    np.asarray(cfg.outpatient_per_year)[band] * mult,
                    chronic * cfg.chronic_followups_per_year,
                    np.asarray(cfg.inpatient_per_year)[band] * mult,
                ]
            )
            / 365.0
        )
        self.lam = per_day * np.tile(self.size, 3)
        self.kind = np.repeat([OUTPATIENT, FOLLOWUP, INPATIENT], n_strata)
        self.stratum = np.tile(np.arange(n_strata), 3)
        self.cum_out = np.cumsum(cfg.outpatient_severity)
        self.cum_in = np.cumsum(cfg.inpatient_severity)

    def expected_per_day(self) -> float:
        """Expected episodes per day (all kinds)."""
        return float(self.lam.sum())

    def draw(self, rng: np.random.Generator) -> Episodes:
        """One day's episodes; uses only `rng` (the onset stream)."""
        counts = rng.poisson(self.lam)
        kind = np.repeat(self.kind, counts)
        stratum = np.repeat(self.stratum, counts)
        u = rng.random((2, kind.shape[0]))
        offset = np.minimum((u[0] * self.size[stratum]).astype(np.int64), self.size[stratum] - 1)
        pos = self.start[stratum] + offset
        resident = self.order[pos]
        # kinds come in blocks (outpatient, follow-up, inpatient strata in that order), so
        # each severity mix is looked up only for its own block
        n_strata = self.size.shape[0]
        n_out = int(counts[:n_strata].sum())
        n_fu = int(counts[n_strata : 2 * n_strata].sum())
        severity = np.zeros(kind.shape[0], dtype=np.int64)
        severity[:n_out] = np.searchsorted(self.cum_out, u[1, :n_out], side="right")
        tail = n_out + n_fu
        severity[tail:] = np.searchsorted(self.cum_in, u[1, tail:], side="right")
        severity = np.minimum(severity, 3).astype(np.int8)
        return Episodes(resident, severity, kind == INPATIENT, kind == FOLLOWUP)
