"""payment=dip: China's national case-based payment (按病种分值付费, Big Data DIP).

Real scheme (NHSA DIP technical specification 2020; three-year plan 医保发〔2021〕48号):
each inpatient case falls in a case group worth a number of points; a hospital-level
coefficient scales them; at the year's end the point value is set so that the region's
budget is spent exactly:

    point value = (regional DIP budget + patients' own payments) / total points of the year

and a hospital is paid (its points x point value) - its patients' own payments. The budget
is fixed in advance, so the more points all hospitals claim, the less each point is worth
(the "points race" reported by IJERPH 2022;19:15507).

Mechanics here, while active:
* DIP covers admissions at in-county facilities (village clinics admit nobody). A case's
  points are its group's reference price / ¥100 (prices.py: the inpatient case price of
  its severity tier), times the level coefficient (`prices.level_price_factor`), so at the
  reference point value of ¥100 a case earns its expected bill.
* Outpatient care, out-of-county care and convalescent bed-days at a township centre
  (down-referral; bed-day payment) are paid fee-for-service as before.
* Patients' out-of-pocket payments follow the bill and the reimbursement rules unchanged.
* Budget: in the first DIP year the point value is the reference, so the budget is what
  that year's points cost; each later year's budget is the previous year's DIP spending
  by the fund x (1 + `budget_growth`).
* Year end: the fund pays each level its facilities' points x point value minus their
  patients' payments (`dip_payment`; a level whose patients paid more than its points are
  worth pays the rest back, `dip_clawback`). Each facility's DIP revenue minus its bills is
  its `dip_adjustment_yuan` (facility_years), part of its net income.

Provider response: none is set here. A facility's expected revenue per yuan billed for an
in-county admission is the projected point value / the reference (`revenue_ratio`), and it
is paid per case (`paid_per_case`): sending a convalescent down keeps the case's payment
and sheds its cost. The projection is the year's budget plus patients' payments so far,
over the points so far (both scaled to the whole year).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.config.params import param
from countysim.config.schema import LEVELS
from countysim.money.exact import apportion
from countysim.money.prices import YUAN_PER_POINT
from countysim.policies.fee_for_service import FeeForService
from countysim.world.county import OUT

if TYPE_CHECKING:
    from countysim.model import CountyModel
    from countysim.money.insurance import Claims

MILLI = 1000  # points are tracked in exact thousandths of a point


@dataclass
class Dip(FeeForService):
    """Points per case group; point value = budget / points of the year (in county)."""

    budget_growth: float = param(
        0.046,
        -0.5,
        1,
        unit="share/year",
        help="growth of the DIP budget over last year's DIP spending by the fund (estimate; "
        "real budgets follow fund income growth)",
    )

    def setup(self, model: CountyModel) -> None:
        """Accumulators per facility; no budget until the first DIP year is settled."""
        n = model.county.facilities.n
        self._millipoints = np.zeros(n, dtype=np.int64)
        self._bill_fen = np.zeros(n, dtype=np.int64)
        self._oop_fen = np.zeros(n, dtype=np.int64)
        self._reimbursed_fen = np.zeros(n, dtype=np.int64)
        self._budget_fen: int | None = None
        self._spent_fen: int | None = None  # last DIP year's spending by the fund
        self.point_value_yuan = YUAN_PER_POINT

    # ---- providers' view -----------------------------------------------------------------
    def projected_point_value(self, model: CountyModel) -> float:
        """This year's point value as it looks today (the reference before a budget exists)."""
        points = self._millipoints.sum() / MILLI
        if self._budget_fen is None or points <= 0:
            return YUAN_PER_POINT
        days = model.day - model.year * 365
        scale = 365.0 / max(days, 1)
        return (self._budget_fen / 100.0 + self._oop_fen.sum() / 100.0 * scale) / (points * scale)

    def paid_per_case(
        self, model: CountyModel, level: np.ndarray, inpatient: np.ndarray
    ) -> np.ndarray:
        """In-county admissions, while DIP is in force."""
        return inpatient & (level < OUT) & self.active(model)

    def revenue_ratio(
        self, model: CountyModel, level: np.ndarray, inpatient: np.ndarray
    ) -> np.ndarray:
        """Projected point value / reference for in-county admissions; 1 for the rest."""
        ratio = self.projected_point_value(model) / YUAN_PER_POINT
        return np.where(self.paid_per_case(model, level, inpatient), ratio, 1.0)

    # ---- money -------------------------------------------------------------------------
    def on_year_start(self, model: CountyModel) -> None:
        """Income in; this year's budget from last year's DIP spending."""
        super().on_year_start(model)
        for acc in (self._millipoints, self._bill_fen, self._oop_fen, self._reimbursed_fen):
            acc[:] = 0
        if self._spent_fen is not None and self.active(model):
            self._budget_fen = round(self._spent_fen * (1.0 + self.budget_growth))

    def on_claims(self, model: CountyModel, claims: Claims) -> None:
        """Points of the day's DIP cases, and their bills and payments as billed."""
        if not self.active(model):
            return
        dip = claims.inpatient & (claims.level < OUT) & ~claims.convalescent
        if not dip.any():
            return
        fac, lvl = claims.facility[dip], claims.level[dip].astype(np.int64)
        factor = np.asarray(model.cfg.prices.level_price_factor)[lvl]
        points = model.prices.points(np.ones(fac.size, bool), claims.severity[dip]) * factor
        n = self._millipoints.shape[0]
        milli = np.rint(points * MILLI).astype(np.int64)
        self._millipoints += np.bincount(fac, weights=milli, minlength=n).astype(np.int64)
        for acc, col in (
            (self._bill_fen, claims.cost_fen),
            (self._oop_fen, claims.oop_fen),
            (self._reimbursed_fen, claims.reimbursed_fen),
        ):
            acc += np.bincount(fac, weights=col[dip], minlength=n).astype(np.int64)

    def on_year_end(self, model: CountyModel) -> None:
        """Fee-for-service lines paid as billed; DIP lines paid points x point value."""
        if not self.active(model):
            super().on_year_end(model)
            return
        year, led, fac = model.year, model.ledger, model.county.facilities
        oop = int(self._oop_fen.sum())
        total_points = int(self._millipoints.sum())
        if self._budget_fen is None:  # first DIP year: the reference point value
            revenue_fen = round(total_points * YUAN_PER_POINT * 100 / MILLI)
        else:
            revenue_fen = self._budget_fen + oop
        revenue = apportion(revenue_fen, self._millipoints) if total_points else self._bill_fen
        self.point_value_yuan = (
            revenue_fen / 100.0 / (total_points / MILLI) if total_points else YUAN_PER_POINT
        )
        paid = revenue - self._oop_fen  # what the fund owes each facility for its DIP cases
        for lv, name in enumerate(LEVELS):
            ids = fac.level == lv
            as_billed = int(self._reimbursed_fen[ids].sum())
            ffs = int(model.year_claims_fen[lv]) - as_billed
            led.transfer(year, "fund", name, ffs, "claims")
            owed = int(paid[ids].sum())
            if owed >= 0:
                led.transfer(year, "fund", name, owed, "dip_payment")
            else:
                led.transfer(year, name, "fund", -owed, "dip_clawback")
        self.book_patients(model)
        model.metrics.fac_money["dip_adjustment_fen"][year] += revenue - self._bill_fen
        self._spent_fen = int(paid.sum())

    def yearly_metrics(self, model: CountyModel) -> dict[str, float]:
        """Point value, DIP points and the fund's DIP spending of the closing year."""
        out = super().yearly_metrics(model)
        on = self.active(model)
        out["dip_point_value_yuan"] = self.point_value_yuan if on else 0.0
        out["dip_points"] = self._millipoints.sum() / MILLI if on else 0.0
        return out
