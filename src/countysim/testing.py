"""Helpers for testing failure handling (not a policy of the reform).

`CrashOnDay` raises on a chosen simulated day, so a test can check that a crash inside a
sweep is recorded as a failed run and does not stop the other runs:

    countysim -m seed=0,1 triage._target_=countysim.testing.CrashOnDay +triage.day=30
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from countysim.config.params import param
from countysim.policies.base import Policy

if TYPE_CHECKING:
    from countysim.model import CountyModel


class SimulatedCrashError(RuntimeError):
    """The crash CrashOnDay raises."""


@dataclass
class CrashOnDay(Policy):
    """Open access that raises SimulatedCrashError at the start of simulated day `day`."""

    day: int = param(0, 0, None, unit="day", help="simulated day on which to crash")

    def on_day(self, model: CountyModel) -> None:
        """Crash on the chosen day."""
        if model.day == self.day:
            raise SimulatedCrashError(f"deliberate crash on day {self.day}")
