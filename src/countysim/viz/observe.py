"""What the dashboard shows of a running CountyModel; read-only, nothing here changes it.

* `month_row`: the care metrics of the month just simulated (the same sums as
  `Metrics.monthly`) and the fund's position: the **projected** year-end balance from the
  claims so far (income - catastrophic premium - claims x 365 / days elapsed; at the
  year's last day it is the fee-for-service balance exactly), the consortia's projected
  balance under bundled payment (prepayment - claims projected the same way), and, at a
  year's end, the books as closed (fund balance and cumulative balance).
* `facility_table`: volumes, occupancy and money of every facility, this month and year.
* `layout`: where the map draws each facility (distance from the centre = travel time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from countysim.metrics import DAYS_PER_YEAR, MONTH_OF_DAY, care_metrics
from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE

if TYPE_CHECKING:
    from countysim.model import CountyModel

DAYS_IN_MONTH = np.bincount(MONTH_OF_DAY)
MONTH_END = np.cumsum(DAYS_IN_MONTH)  # day of the year after each month's last day
LEVEL_NAMES = {VILLAGE: "village", TOWNSHIP: "township", COUNTY: "county", OUT: "out of county"}


def days_to_month_end(day: int) -> int:
    """Days from `day` (0-based, not yet simulated) to the end of its calendar month."""
    doy = day % DAYS_PER_YEAR
    return int(MONTH_END[MONTH_OF_DAY[doy]] - doy)


def _closed_year(model: CountyModel, year: int) -> tuple[float, float, float]:
    """(fund balance, cumulative balance, consortium balance) once `year` has closed."""
    if len(model.fund) <= year:
        return float("nan"), float("nan"), float("nan")
    fund = model.fund[year]
    extra = model.metrics.yearly_extra[year]
    return (
        fund["fund_balance_yuan"],
        fund["fund_cumulative_balance_yuan"],
        extra.get("consortium_balance_yuan", float("nan")),
    )


def month_row(model: CountyModel, days: int) -> dict[str, Any]:
    """Metrics of the last `days` simulated days (one calendar month) and the fund's position."""
    end = model.day
    year = (end - 1) // DAYS_PER_YEAR
    elapsed = end - year * DAYS_PER_YEAR
    month = int(MONTH_OF_DAY[elapsed - 1])
    sums = model.metrics.daily[end - days : end].sum(axis=0)[None, :]
    care = care_metrics(sums, int(model.metrics.residents[year]))
    led = model.ledger
    income = led.total(year, kind="subsidy") + led.total(year, kind="premium")
    premium = led.total(year, kind="catastrophic_premium")
    scale = DAYS_PER_YEAR / elapsed
    projected = income - premium - float(model.year_claims_fen.sum()) * scale
    prepaid = [led.total(year, kind="prepayment", destination=c.account) for c in model.consortia]
    consortium = float("nan")
    if any(prepaid):
        claims = model.year_claims_by_consortium.sum(axis=1).astype(float) * scale
        consortium = float(np.sum(np.asarray(prepaid, dtype=float) - claims)) / 100.0
    closed = _closed_year(model, year) if elapsed == DAYS_PER_YEAR else (np.nan,) * 3
    return {
        "step": end,
        "year": year,
        "month": month + 1,
        "calendar": f"{model.cfg.sim.start_calendar_year + year}-{month + 1:02d}",
        "t_years": end / DAYS_PER_YEAR,
        "in_county_rate": float(care["in_county_rate"][0]),
        "inpatient_in_county_rate": float(care["inpatient_in_county_rate"][0]),
        "primary_care_share": float(care["primary_care_share"][0]),
        "visits": int(care["visits"][0]),
        "admissions": int(care["admissions"][0]),
        "untreated_episodes": int(care["untreated_episodes"][0]),
        "fund_projected_yuan": projected / 100.0,
        "consortium_projected_yuan": consortium,
        "fund_balance_yuan": closed[0],
        "fund_cumulative_yuan": closed[1],
        "consortium_balance_yuan": closed[2],
    }


def facility_table(model: CountyModel, month_visits: np.ndarray, days: int) -> pd.DataFrame:
    """One row per facility: visits a day this month, occupancy, share kept, money this year."""
    fac = model.county.facilities
    year = (model.day - 1) // DAYS_PER_YEAR
    m = model.metrics
    visits = m.fac_visits[year]
    beds = fac.beds.astype(float)
    occupied = model.beds.occupied.astype(float)
    revenue = m.fac_revenue_fen[year] / 100.0
    net = (
        revenue * (1.0 - model.cfg.providers.variable_cost_share)
        + (m.fac_money["dip_adjustment_fen"][year] + m.fac_money["surplus_fen"][year]) / 100.0
        - m.fac_money["secondment_cost_fen"][year] / 100.0
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = 1.0 - m.fac_referrals_up[year] / visits
        occupancy = np.where((beds > 0) & (fac.level != OUT), occupied / beds, np.nan)
    return pd.DataFrame(
        {
            "facility": fac.name,
            "level": [LEVEL_NAMES[int(lv)] for lv in fac.level],
            "consortium": fac.consortium,
            "visits_per_day": month_visits / days,
            "visits_this_year": visits,
            "admissions_this_year": m.fac_admissions[year],
            "beds": fac.beds,
            "occupancy": occupancy,
            "kept_share": np.where(visits > 0, kept, np.nan),
            "revenue_yuan": revenue,
            "net_income_yuan": net,
        }
    )


def layout(model: CountyModel) -> pd.DataFrame:
    """x, y (minutes) of every facility: distance from the centre = travel to the county seat.

    Villages sit in their township's sector at their own travel time; a township centre at
    the geometric mean of its villages' times; county hospitals near the centre; the
    out-of-county sink beyond the farthest village.
    """
    county = model.county
    fac = county.facilities
    t_of_v = county.village_township
    minutes = county.travel_min[:, COUNTY]
    n_t = county.n_townships
    radius = np.zeros(fac.n)
    angle = np.zeros(fac.n)
    sector = 2 * np.pi / n_t
    for t in range(n_t):
        vs = np.flatnonzero(t_of_v == t)
        angle[vs] = sector * (t + (np.arange(vs.size) + 0.5) / vs.size)
        radius[vs] = minutes[vs]
        radius[county.n_villages + t] = float(np.exp(np.log(minutes[vs]).mean()))
        angle[county.n_villages + t] = sector * (t + 0.5)
    ch = county.county_facilities
    angle[ch] = 2 * np.pi * np.arange(ch.size) / max(ch.size, 1)
    radius[ch] = 0.05 * minutes.max() * (ch.size > 1)
    radius[county.out_facility] = 1.2 * minutes.max()
    angle[county.out_facility] = np.pi / 4
    return pd.DataFrame(
        {
            "x": radius * np.cos(angle),
            "y": radius * np.sin(angle),
            "radius_min": radius,
            "level": fac.level.astype(int),
        }
    )
