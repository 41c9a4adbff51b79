"""Policies, one per file, each a dataclass with lifecycle hooks (see base.py)."""

from countysim.policies.base import PaymentPolicy, Policy
from countysim.policies.fee_for_service import FeeForService
from countysim.policies.no_secondment import NoSecondment
from countysim.policies.open_access import OpenAccess

__all__ = ["FeeForService", "NoSecondment", "OpenAccess", "PaymentPolicy", "Policy"]
