"""triage=open_access: the baseline; patients go where they like, FFS reimbursement schedule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from countysim.policies.base import Policy


@dataclass
class OpenAccess(Policy):
    """Open access (every hook is the base no-op)."""

    slot: ClassVar[str] = "triage"
