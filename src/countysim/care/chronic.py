"""Chronic-disease management as a process: follow-ups build control, control averts exacerbations.

Every resident with k >= 1 chronic conditions has a condition-control state c in [0, 1]
(0 uncontrolled; 1 as well controlled as treatment allows). Three things move it:

* a follow-up visit delivered by facility f raises it towards 1 by the facility's effort:
  c <- c + theta x e_f x (1 - c), theta = `control_gain`, e_f = f's `chronic_effort`
  decision (agents/facilities.py; villages and townships revise it, others keep the norm);
* without follow-ups it decays: c <- c x exp(-d x dt), d = `control_decay_per_year`,
  applied every `providers.decision_interval_days`;
* nothing else: acute episodes do not change it.

Control acts on exacerbations only. A resident with k conditions has acute episodes at m^k
times the rate of one with none (m = demand.chronic_acute_multiplier), so a share
a_k = (m^k - 1) / m^k of their acute episodes is attributable to the conditions. Each such
episode is kept with probability

    keep = 1 - rho x c x a_k                (rho = `max_exacerbation_reduction`)

so unrelated acute episodes (the 1 - a_k share, and everyone with k = 0) are never averted,
and follow-ups are never averted. The configured acute rates are the rates observed under
today's management: onsets are drawn at the uncontrolled rate m^k / (1 - rho c_ref,k a_k)
and thinned as above, so at the reference control c_ref,k (the steady state of the
dynamics under the configured follow-up rate and the norm effort) the expected rate is
exactly the configured one. Residents start at c_ref,k, so a baseline run starts in its
steady state; better control (more follow-ups, more effort) lowers exacerbations with the
lag the build-up and decay imply.

c_ref,k solves dc/dt = f_k theta e0 (1 - c) - d c = 0 with f_k = k x followups per year:
c_ref,k = f_k theta e0 / (f_k theta e0 + d).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.config.params import param

if TYPE_CHECKING:
    from countysim.care.demand import Episodes
    from countysim.config.schema import DemandConfig
    from countysim.world.county import Residents

N_CHRONIC_CLASSES = 5  # 0, 1, 2, 3, 4+ chronic conditions
_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.int8)


def n_conditions(chronic: np.ndarray) -> np.ndarray:
    """Number of chronic conditions (bitmask popcount), capped at 4."""
    return np.minimum(_POPCOUNT[chronic], N_CHRONIC_CLASSES - 1).astype(np.int64)


@dataclass
class ChronicConfig:
    """Condition control of chronic patients (chronic.py)."""

    control_gain: float = param(
        0.25,
        0,
        1,
        unit="share",
        help="share of the gap to full control closed by one follow-up at full effort (estimate)",
    )
    control_decay_per_year: float = param(
        1.0, 0, 52, unit="1/year", help="rate at which control is lost without follow-up (estimate)"
    )
    max_exacerbation_reduction: float = param(
        0.4,
        0,
        1,
        unit="share",
        help="attributable exacerbations averted at full control",
        source="Law, Morris & Wald BMJ 2009: -22% CHD, -41% stroke per 10 mmHg",
    )
    effort_cost_yuan: float = param(
        20.0,
        0,
        10_000,
        unit="yuan",
        help="unbilled cost of a follow-up at full effort (doctor time; estimate)",
    )


class ChronicCare:
    """Each resident's condition control; exacerbation thinning; the reference state."""

    def __init__(
        self, residents: Residents, cfg: ChronicConfig, demand: DemandConfig, norm_effort: float
    ) -> None:
        self.cfg = cfg
        k = np.arange(N_CHRONIC_CLASSES)
        m = demand.chronic_acute_multiplier
        self.attributable = (m**k - 1.0) / m**k
        flow = k * demand.chronic_followups_per_year * cfg.control_gain * norm_effort
        denom = flow + cfg.control_decay_per_year
        self.c_ref = np.divide(flow, denom, out=np.zeros(N_CHRONIC_CLASSES), where=denom > 0)
        self.k = n_conditions(residents.chronic)
        self.chronic_ids = np.flatnonzero(self.k > 0)
        self.band = residents.age_band[self.chronic_ids].astype(np.int64)
        self.control = self.c_ref[self.k].astype(np.float64)
        self._averted_cache: tuple[int, tuple[float, float]] | None = None

    def refresh(self, residents: Residents, reset: np.ndarray) -> None:
        """After a year's demographic change: conditions and bands now; `reset` slots
        (newborns) start uncontrolled; a new condition starts from the control a resident
        already had (0 if none)."""
        if residents.chronic.shape[0] > self.control.shape[0]:
            extra = residents.chronic.shape[0] - self.control.shape[0]
            self.control = np.concatenate([self.control, np.zeros(extra)])
        self.control[reset] = 0.0
        self.k = n_conditions(residents.chronic)
        self.control[self.k == 0] = 0.0
        self.chronic_ids = np.flatnonzero(self.k > 0)
        self.band = residents.age_band[self.chronic_ids].astype(np.int64)
        self._averted_cache = None

    @property
    def rate_scale(self) -> np.ndarray:
        """Acute-rate factor by number of conditions: uncontrolled / configured rate."""
        return 1.0 / (1.0 - self.cfg.max_exacerbation_reduction * self.c_ref * self.attributable)

    def averted(self, ep: Episodes, u: np.ndarray) -> np.ndarray:
        """Which of the day's episodes control averts (one uniform `u` per episode)."""
        res = ep.resident
        p = self.cfg.max_exacerbation_reduction * self.control[res] * self.attributable[self.k[res]]
        return (u < p) & ~ep.followup

    def follow_up(self, resident: np.ndarray, effort: np.ndarray) -> None:
        """Delivered follow-ups raise control by the managing facility's effort."""
        g = self.cfg.control_gain * effort
        # a resident seen twice in a day gets both gains (the product form is order-free)
        touched, inv = np.unique(resident, return_inverse=True)
        keep = np.ones(touched.size)
        np.multiply.at(keep, inv, 1.0 - g)
        self.control[touched] = 1.0 - (1.0 - self.control[touched]) * keep

    def decay(self, days: int) -> None:
        """Control lost over `days` without follow-up."""
        f = np.exp(-self.cfg.control_decay_per_year * days / 365.0)
        self.control[self.chronic_ids] *= f

    def mean_control(self) -> float:
        """Mean control among residents with a chronic condition (nan if none)."""
        if self.chronic_ids.size == 0:
            return float("nan")
        return float(self.control[self.chronic_ids].mean())

    def averted_per_effort(self, demand: DemandConfig, day: int = -1) -> tuple[float, float]:
        """Exacerbations averted per unit of effort in one follow-up: (outpatient, inpatient).

        One more unit of effort in a follow-up raises the patient's control by
        theta (1 - c); the gain decays at d a year, so it lasts 1/d years on average and
        averts rho x that x a_k x the patient's uncontrolled acute rate. Averaged over
        follow-ups (a resident's follow-ups are proportional to k) at today's control.
        """
        cached = getattr(self, "_averted_cache", None)
        if day >= 0 and cached is not None and cached[0] == day:
            return cached[1]  # once per revision day (villages and townships ask in turn)
        cfg = self.cfg
        ids = self.chronic_ids
        if ids.size == 0 or cfg.control_decay_per_year <= 0:
            return 0.0, 0.0
        k = self.k[ids]
        w = k / k.sum()
        gain = cfg.control_gain * (1.0 - self.control[ids])
        years = 1.0 / cfg.control_decay_per_year
        excess = cfg.max_exacerbation_reduction * self.attributable[k] * self.rate_scale[k]
        per = w * gain * years * excess * demand.chronic_acute_multiplier ** k.astype(float)
        out = float((per * np.asarray(demand.outpatient_per_year)[self.band]).sum())
        inp = float((per * np.asarray(demand.inpatient_per_year)[self.band]).sum())
        self._averted_cache = (day, (out, inp))
        return out, inp
