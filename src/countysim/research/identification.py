"""Which parameters can the targets pin down? A local identification check of the calibration.

At the defaults, each parameter is moved by ±`STEP` of its calibration range (research/
spaces.py) and every fitted target is run again on the same seeds (common random
numbers); the change of each target, in its own units (research/target.py, `Target.scale`:
10% of a level, half the band of a band target, 25% of an effect), is one column of a
Jacobian. A parameter the targets can identify must move them in a way the parameters
that are fitted cannot: its column is regressed on the fitted parameters' columns
(least squares) and what is left (`beyond`) is what no refit of the others could undo.
If that is small against the seeds' noise, fitting the parameter would fit noise; it stays
an estimate and is swept instead (Brun, Reichert & Künsch 2001, Water Resour Res 37:1015,
"collinearity" of sensitivity vectors).

The check is local (at the defaults, steps of a tenth of the range), so a parameter that
matters only far from the defaults is missed; it says what today's targets can tell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from countysim.research.spaces import Free
from countysim.research.target import Simulated, Target

STEP = 0.05  # each side, as a share of the parameter's calibration range


@dataclass(frozen=True)
class Column:
    """One parameter's column: the change of each target (target units) from value - h to
    value + h, per seed (rows: seeds, columns: targets)."""

    free: Free
    value: float
    h: float
    per_seed: np.ndarray

    @property
    def mean(self) -> np.ndarray:
        return self.per_seed.mean(axis=0)

    @property
    def noise(self) -> float:
        """Norm of the standard error of the mean column over seeds."""
        n = self.per_seed.shape[0]
        if n < 2:
            return float("nan")
        se = self.per_seed.std(axis=0, ddof=1) / np.sqrt(n)
        return float(np.linalg.norm(se))


def beyond(column: np.ndarray, fitted: np.ndarray) -> float:
    """Norm of what is left of `column` after its least-squares projection on the columns
    of `fitted` (targets x parameters): the part no change of the fitted parameters can
    reproduce."""
    if fitted.size == 0:
        return float(np.linalg.norm(column))
    coef, *_ = np.linalg.lstsq(fitted, column, rcond=None)
    return float(np.linalg.norm(column - fitted @ coef))


Evaluate = Callable[[dict[str, float]], dict[str, Simulated]]


def column(free: Free, value: float, targets: Sequence[Target], evaluate: Evaluate) -> Column:
    """The parameter's column by a central difference (one-sided at a bound of its range)."""
    h = STEP * (free.high - free.low)
    lo, hi = max(value - h, free.low), min(value + h, free.high)
    if hi <= lo:
        raise ValueError(f"{free.key}: no room to move in [{free.low}, {free.high}]")
    down, up = evaluate({free.key: lo}), evaluate({free.key: hi})
    per_seed = np.array(
        [
            [
                (np.asarray(up[t.name].values)[s] - np.asarray(down[t.name].values)[s])
                / t.scale()
                * (2 * h / (hi - lo))
                for t in targets
            ]
            for s in range(len(up[targets[0].name].values))
        ]
    )
    return Column(free, value, h, per_seed)


def table(
    columns: Sequence[Column], fitted: set[str], targets: Sequence[Target]
) -> list[dict[str, Any]]:
    """A row per parameter: how far a step of 2 STEP of its range moves the fitted targets
    (norm, target units), how much of that the fitted parameters cannot reproduce, the
    noise of that estimate, and the target it moves most."""

    def stack(cols: list[np.ndarray]) -> np.ndarray:
        return np.column_stack(cols) if cols else np.empty((len(targets), 0))

    rows = []
    for c in columns:
        own = c.free.key in fitted
        others = stack([d.mean for d in columns if d.free.key in fitted and d is not c])
        most = int(np.argmax(np.abs(c.mean)))
        rows.append(
            {
                "parameter": c.free.key,
                "fitted": own,
                "value": c.value,
                "moves": float(np.linalg.norm(c.mean)),
                "beyond": beyond(c.mean, others),
                "noise": c.noise,
                "most": targets[most].name,
                "most_change": float(c.mean[most]),
            }
        )
    return rows
