"""What a calibration or validation target is: an observed figure with its source and band
(`Target`, its pass rule and its unit in the loss), its simulated values over seeds
(`Simulated`), and which runs a set of targets needs (`arms_needed`, `with_setting`). The
targets themselves, and why each is fitted or held out, are in research/targets.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Target:
    """One observed figure and how to read it from simulated runs."""

    name: str
    kind: str  # "level" or "effect"
    observed: float
    low: float  # published range or 95% CI
    high: float
    source: str
    fit: bool  # used to fit (else held out for validation)
    metric: str = ""  # yearly metric, or a derived one (see simulate_target)
    arm: tuple[str, ...] = ()  # effect: the reform's overrides
    relative: bool = False  # effect: (arm - baseline) / baseline instead of arm - baseline
    tolerance: float = 0.10  # level: relative tolerance; effect: 0.25
    band_only: bool = False  # pass only by the band (figures near zero)
    # a case study: overrides replacing the calibration's base for this target (its county,
    # scale and calendar); an effect's metric may then be a PAIRED reader of both runs
    setting: tuple[str, ...] = ()
    # effect: -1 or +1 when the source reports only a significant effect's sign (observed,
    # low and high are then 0); 0 for a target with a size
    direction: int = 0

    def __post_init__(self) -> None:
        if self.direction not in (-1, 0, 1):
            raise ValueError(f"target {self.name!r}: direction must be -1, 0 or +1")
        if self.direction and (self.fit or self.kind != "effect"):
            raise ValueError(
                f"target {self.name!r}: a sign check is an effect held out from fitting "
                "(it has no size to fit to)"
            )

    def passes(self, simulated: float, half_width: float = 0.0) -> bool:
        """Within the band, or within the relative tolerance of the observed value; a sign
        check: the CI (mean ± `half_width`, the mean alone if that is NaN) on its side of 0."""
        if self.direction:
            margin = half_width if np.isfinite(half_width) else 0.0
            return bool(self.direction * simulated - margin > 0)
        if self.low <= simulated <= self.high:
            return True
        if self.band_only:
            return False
        return abs(simulated - self.observed) <= self.tolerance * abs(self.observed)

    def scale(self) -> float:
        """The error that counts as one unit in the calibration loss."""
        if self.band_only:
            return max((self.high - self.low) / 2.0, 1e-9)
        return max(self.tolerance * abs(self.observed), 1e-9)


@dataclass
class Simulated:
    """A target's simulated values over seeds: mean and 95% CI half-width (t)."""

    values: list[float] = field(default_factory=list)

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def half_width(self) -> float:
        from scipy import stats

        n = len(self.values)
        if n < 2:
            return float("nan")
        sd = float(np.std(self.values, ddof=1))
        return float(stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))


def arms_needed(targets: Sequence[Target]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every (setting, arm) the targets need: each setting's baseline (arm ()) and every
    distinct reform arm in it; the calibration's own base is setting ()."""
    runs: list[tuple[tuple[str, ...], tuple[str, ...]]] = [((), ())]
    for t in targets:
        for need in ((t.setting, ()), (t.setting, t.arm)):
            if need not in runs and (need[1] == () or t.kind == "effect"):
                runs.append(need)
    return runs


def with_setting(base: Sequence[str], setting: Sequence[str]) -> list[str]:
    """`base` with the keys a case `setting` gives replaced by the setting's."""
    keys = {o.split("=", 1)[0].lstrip("+~") for o in setting}
    return [o for o in base if o.split("=", 1)[0].lstrip("+~") not in keys] + list(setting)
