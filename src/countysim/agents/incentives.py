"""What one more case is worth to a facility, under the payment in force.

The facility agents' decision rules (agents/facilities.py) are built from these expected
values, all in yuan per case and computed from the price schedule and the reimbursement
rules in force (bounded rationality: expected prices, no forecast of patients' responses):

* `revenue` — what the facility is paid for the case: its bill under fee-for-service and
  under a bundled budget (the consortium pays members' claims per service); under DIP an
  in-county admission earns its points x the point value instead;
* `direct` — revenue minus variable cost (`providers.variable_cost_share` of the bill);
* `claim` — what the insurance scheme (or the consortium holding its budget) reimburses
  for the case, averaged over enrolled and unenrolled residents;
* the facility's `stake` — yuan of its own income per yuan of the consortium's balance,
  from the payment policy (zero unless a bundled budget is in force).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from countysim.model import CountyModel


def _arr(x: int | np.ndarray, n: int, dtype: type = np.int64) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=dtype), (n,)).copy()


def bill(model: CountyModel, level: np.ndarray, inpatient: bool, severity: int) -> np.ndarray:
    """Expected bill (yuan) of a case at each level."""
    n = level.shape[0]
    return model.prices.mean_yuan(level, _arr(inpatient, n, bool), _arr(severity, n))


def revenue(model: CountyModel, level: np.ndarray, inpatient: bool, severity: int) -> np.ndarray:
    """Expected revenue (yuan) of the case to a facility at each level."""
    n = level.shape[0]
    ratio = model.payment.revenue_ratio(model, level, _arr(inpatient, n, bool))
    return bill(model, level, inpatient, severity) * ratio


def direct(model: CountyModel, level: np.ndarray, inpatient: bool, severity: int) -> np.ndarray:
    """Expected revenue minus variable cost (yuan) of the case at each level."""
    v = model.cfg.providers.variable_cost_share
    return revenue(model, level, inpatient, severity) - v * bill(model, level, inpatient, severity)


def claim(
    model: CountyModel,
    level: np.ndarray,
    inpatient: bool,
    severity: int,
    *,
    referred: bool = False,
    bill_yuan: np.ndarray | None = None,
    deductible: bool = True,
) -> np.ndarray:
    """Expected reimbursement (yuan) of the case, over enrolled and unenrolled residents."""
    n = level.shape[0]
    inp = _arr(inpatient, n, bool)
    ins = model.insurance
    cost = bill(model, level, inpatient, severity) if bill_yuan is None else bill_yuan
    share = ins.share(level, inp, _arr(referred, n, bool), model.reimbursement_delta)
    ded = (
        ins.deductible_fen[inp.astype(np.int64), level] * ins.prices.level / 100.0
        if deductible
        else 0.0
    )
    res = model.residents
    enrolled = float(res.enrolled[res.alive].mean()) if res.alive.any() else 0.0
    return np.maximum(cost - ded, 0.0) * share * enrolled
