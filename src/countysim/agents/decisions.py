"""Providers' decision variables and the bounded-rational rule that moves them.

Each facility holds four decisions (one row each in `Decisions`; the facility agent classes
in agents/facilities.py compute the margins and call `move`):

* `admission` — chance that an outpatient of severity >= 1 is admitted when a bed is free;
* `keep` — capability levels added to the facility's keep-or-refer-up decision (it keeps
  cases it can treat only with some risk; the outcome still follows its real capability);
* `down_referral` — share of its inpatients staying at least 2 days sent down to
  convalesce at their township centre (its margin is computed on a severity-2 case);
* `chronic_effort` — how much each follow-up of the chronic patients it manages raises
  their condition control (it scales `chronic.control_gain`; villages and townships).

The rule (partial adjustment towards a margin-driven target; Nerlove-style inertia):

    r      = the facility's net income from one more unit of the decision, per yuan of the
             case's bill (a profit rate; computed by the facility from its own prices,
             variable cost and stake in the consortium balance under the payment in force)
    target = clip(norm + responsiveness x sensitivity x r, lo, hi)
    x'     = x + (1 - inertia) x (target - x)

so a decision that raised net income (r > 0) moves up, one that lowered it moves down, by at
most (1 - inertia) of the way each month, and never leaves [lo, hi]. With responsiveness 0
every decision stays at its clinical norm whatever the payment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countysim.config.params import ConfigError, param

DECISIONS = ("admission", "keep", "down_referral", "chronic_effort")


@dataclass
class ProviderConfig:
    """How facilities respond to how they are paid (decision rule and its parameters)."""

    responsiveness: float = param(
        1.0, 0, 5, help="scales every decision's response to its margin (0 = clinical norms only)"
    )
    decision_interval_days: int = param(
        30, 1, 365, unit="days", help="facilities revise their decisions this often"
    )
    inertia: float = param(
        0.5,
        0,
        0.99,
        unit="share",
        help="share of the gap to the target left each revision (estimate)",
    )
    variable_cost_share: float = param(
        0.6,
        0,
        1,
        unit="share",
        help="variable cost (drugs, consumables) per yuan billed",
        source="drugs 34.6% of inpatient / 45.5% of outpatient revenue (NHC bulletin 2016); "
        "consumables (estimate)",
    )
    loss_aversion: float = param(
        2.25,
        1,
        10,
        help="weight of a share of overspend borne against an equal surplus share",
        source="Tversky & Kahneman 1992",
    )
    norm: list[float] = param(
        [0.0, 0.0, 0.02, 0.6],
        -1,
        1,
        length=4,
        help="admission, keep, down_referral, chronic_effort with no financial stake (estimate)",
    )
    sensitivity: list[float] = param(
        [0.04245, 0.5, 0.0818, 0.1],
        0,
        10,
        length=4,
        help="change of each decision per unit profit rate (admission and down-referral "
        "calibrated: providers-400k-2026-11-25, to the AEP shares of inappropriate "
        "admissions and the national share of inpatients sent down; the others estimates)",
    )
    lower: list[float] = param(
        [0.0, -1.0, 0.0, 0.0], -5, 5, length=4, help="lowest value of each decision"
    )
    upper: list[float] = param(
        [0.1, 1.0, 0.5, 1.0], -5, 5, length=4, help="highest value of each decision"
    )

    def check(self, path: str) -> None:
        """Norms lie within the bounds."""
        for i, name in enumerate(DECISIONS):
            if not self.lower[i] <= self.norm[i] <= self.upper[i]:
                raise ConfigError(
                    f"{path}.norm[{i}] ({name}) = {self.norm[i]:g}: must lie in "
                    f"[lower, upper] = [{self.lower[i]:g}, {self.upper[i]:g}]"
                )


class Decisions:
    """Every facility's current decisions (arrays read by the daily vectorised work)."""

    def __init__(self, cfg: ProviderConfig, n_facilities: int) -> None:
        self.cfg = cfg
        self.values = {
            name: np.full(n_facilities, cfg.norm[i], dtype=np.float64)
            for i, name in enumerate(DECISIONS)
        }
        self.last_rate = {name: np.zeros(n_facilities) for name in DECISIONS}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.values[name]

    def target(self, name: str, rate: np.ndarray) -> np.ndarray:
        """Where the rule aims, given each facility's profit rate of the decision."""
        i, cfg = DECISIONS.index(name), self.cfg
        raw = cfg.norm[i] + cfg.responsiveness * cfg.sensitivity[i] * np.asarray(rate, float)
        return np.clip(raw, cfg.lower[i], cfg.upper[i])

    def move(self, name: str, ids: np.ndarray, rate: np.ndarray) -> None:
        """One revision of decision `name` at facilities `ids` (partial adjustment)."""
        x = self.values[name]
        x[ids] += (1.0 - self.cfg.inertia) * (self.target(name, rate) - x[ids])
        self.last_rate[name][ids] = rate
