"""Policies, one per file, each a dataclass with lifecycle hooks (see base.py)."""

from countysim.policies.base import PaymentPolicy, Policy
from countysim.policies.bundled import Bundled
from countysim.policies.dip import Dip
from countysim.policies.fee_for_service import FeeForService
from countysim.policies.gatekeeping import Gatekeeping
from countysim.policies.no_secondment import NoSecondment
from countysim.policies.open_access import OpenAccess
from countysim.policies.rotation import Rotation

__all__ = [
    "Bundled",
    "Dip",
    "FeeForService",
    "Gatekeeping",
    "NoSecondment",
    "OpenAccess",
    "PaymentPolicy",
    "Policy",
    "Rotation",
]
