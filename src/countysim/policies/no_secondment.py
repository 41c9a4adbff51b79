"""secondment=none: the baseline; no county staff rotate to township centres."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from countysim.policies.base import Policy


@dataclass
class NoSecondment(Policy):
    """No secondment (every hook is the base no-op)."""

    slot: ClassVar[str] = "secondment"
