"""Named counters per day, aggregated to monthly and yearly metrics (no lambda reporters).

The model adds integer counts to `daily[day, counter]`; metrics are derived from sums
over a month or a year by plain functions, so they pickle and vectorise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from countysim.agents.decisions import DECISIONS
from countysim.world.county import COUNTY, TOWNSHIP

COUNTERS = (
    "episodes",
    "waiting_in",
    "waiting_out",
    "waited_treated",
    "waiting_days",
    "inpatient_episodes",
    "followups",
    "treated",
    "untreated",
    "untreated_sev0",
    "untreated_sev1",
    "untreated_sev2",
    "untreated_sev3",
    "visits_l0",
    "visits_l1",
    "visits_l2",
    "visits_l3",
    "admissions_l0",
    "admissions_l1",
    "admissions_l2",
    "admissions_l3",
    "referral_visits_l0",
    "referral_visits_l1",
    "referral_visits_l2",
    "referral_visits_l3",
    "stepdown_admissions",
    "referrals_up",
    "referral_steps_up",
    "referrals_down",
    "self_referrals",
    "turnaways",
    "cost_fen",
    "reimbursed_fen",
    "oop_fen",
    "catastrophic_fen",
    "elsewhere",
    *(f"outcomes_l{lv}_s{s}" for lv in range(4) for s in range(4)),
    *(f"poor_outcomes_l{lv}_s{s}" for lv in range(4) for s in range(4)),
)
C = {name: i for i, name in enumerate(COUNTERS)}
DAYS_PER_YEAR = 365
MONTH_OF_DAY = np.repeat(np.arange(12), [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])

# metrics of the mechanisms (policies, chronic care, beds) present in every run, zero where
# a mechanism is off; any other extra metric is refused (Metrics.yearly)
POLICY_COLUMNS = (
    "risk_reserve_yuan",
    "catastrophic_premium_yuan",
    "catastrophic_balance_yuan",
    "consortium_prepayment_yuan",
    "surplus_county_yuan",
    "surplus_township_yuan",
    "surplus_village_yuan",
    "overspend_insurer_yuan",
    "overspend_consortium_yuan",
    "secondment_doctor_days",
    "marginal_admissions",
    "marginal_admissions_township",  # of them by level (villages have no beds)
    "marginal_admissions_county",
    "marginal_admissions_out",
    "contracted_residents",
    "averted_exacerbations",
    "contract_followups",
    "chronic_control",
    "consortium_balance_yuan",
    "dip_point_value_yuan",
    "dip_points",
    "bed_occupancy_county",
    "bed_occupancy_township",
    "deaths",
    "births",
    "away_residents",
    "away_share",
    "moved_away",
    "came_home",
)
FACILITY_MONEY = ("surplus_fen", "secondment_cost_fen", "dip_adjustment_fen")

YEARLY_COLUMNS = (
    "residents",
    "visits_per_capita",
    "admission_rate",
    "in_county_rate",
    "inpatient_in_county_rate",
    "primary_care_share",
    "referrals_up",
    "referrals_down",
    "untreated_episodes",
    "oop_per_capita_yuan",
    "total_cost_yuan",
    "fund_income_yuan",
    "fund_spending_yuan",
    "fund_balance_yuan",
    "fund_balance_ratio",
    "fund_cumulative_balance_yuan",
)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is zero."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def outcome_metrics(sums: np.ndarray) -> dict[str, np.ndarray]:
    """Poor outcomes by severity, and of severe cases (2-3) treated in primary care."""
    treated = sums[:, [C[f"outcomes_l{lv}_s{s}"] for lv in range(4) for s in range(4)]]
    poor = sums[:, [C[f"poor_outcomes_l{lv}_s{s}"] for lv in range(4) for s in range(4)]]
    treated = treated.reshape(-1, 4, 4)  # period, level, severity
    poor = poor.reshape(-1, 4, 4)
    out: dict[str, np.ndarray] = {"poor_outcomes": poor.sum(axis=(1, 2))}
    for s in range(4):
        out[f"poor_outcomes_sev{s}"] = poor[:, :, s].sum(axis=1)
    out["poor_outcome_rate_sev3"] = _ratio(poor[:, :, 3].sum(axis=1), treated[:, :, 3].sum(axis=1))
    out["severe_treated_in_primary"] = treated[:, :2, 2:].sum(axis=(1, 2))
    out["poor_outcomes_severe_in_primary"] = poor[:, :2, 2:].sum(axis=(1, 2))
    return out


def care_metrics(sums: np.ndarray, residents: np.ndarray | int) -> dict[str, np.ndarray]:
    """Care metrics from counter sums (rows = periods, columns = COUNTERS)."""
    col = {name: sums[:, i] for name, i in C.items()}
    consults = sums[:, [C[f"referral_visits_l{lv}"] for lv in range(4)]]
    visits: np.ndarray = sums[:, [C[f"visits_l{lv}"] for lv in range(4)]].sum(axis=1)
    visits = visits + consults.sum(axis=1)
    # episodes admitted, and admission records (a step-down transfer is a second record)
    adm: np.ndarray = sums[:, [C[f"admissions_l{lv}"] for lv in range(4)]].sum(axis=1)
    records = adm + col["stepdown_admissions"]
    in_county: np.ndarray = sums[
        :, [C[f"{kind}_l{lv}"] for kind in ("visits", "admissions") for lv in range(3)]
    ].sum(axis=1)
    residents = np.broadcast_to(np.asarray(residents, dtype=np.float64), (sums.shape[0],))
    return {
        "residents": residents.astype(np.int64),
        "visits": visits,
        "admissions": records,
        "visits_per_capita": visits / residents,
        "admission_rate": records / residents,
        "in_county_rate": _ratio(in_county, col["treated"]),
        "inpatient_in_county_rate": _ratio(adm - col["admissions_l3"], adm),
        "primary_care_share": _ratio(
            col["visits_l0"] + col["visits_l1"] + consults[:, 0] + consults[:, 1], visits
        ),
        "referrals_up": col["referrals_up"],
        "referral_steps_up": col["referral_steps_up"],
        "referral_visits": consults.sum(axis=1),
        "referrals_down": col["referrals_down"],
        "migrant_episodes_elsewhere": col["elsewhere"],
        "self_referrals": col["self_referrals"],
        "untreated_episodes": col["untreated"],
        "waited_episodes": col["waited_treated"],
        "waiting_days": col["waiting_days"],
        "mean_wait_days_of_waiters": _ratio(col["waiting_days"], col["waited_treated"]),
        "untreated_highest_severity": col["untreated_sev3"],
        **{f"untreated_sev{s}": col[f"untreated_sev{s}"] for s in range(4)},
        **outcome_metrics(sums),
        # out-of-pocket net of what catastrophic illness insurance paid back
        "oop_per_capita_yuan": (col["oop_fen"] - col["catastrophic_fen"]) / 100.0 / residents,
        "total_cost_yuan": col["cost_fen"] / 100.0,
        "oop_yuan": (col["oop_fen"] - col["catastrophic_fen"]) / 100.0,
        "catastrophic_payout_yuan": col["catastrophic_fen"] / 100.0,
        "claims_yuan": col["reimbursed_fen"] / 100.0,
    }


class Metrics:
    """Accumulators of one run."""

    def __init__(self, years: int, n_facilities: int) -> None:
        self.years = years
        self.daily = np.zeros((years * DAYS_PER_YEAR, len(COUNTERS)), dtype=np.int64)
        shape = (years, n_facilities)
        self.fac_visits = np.zeros(shape, dtype=np.int64)
        self.fac_admissions = np.zeros(shape, dtype=np.int64)
        self.fac_revenue_fen = np.zeros(shape, dtype=np.int64)
        self.fac_referrals_up = np.zeros(shape, dtype=np.int64)
        self.fac_doctor_days = np.zeros(shape, dtype=np.float64)
        self.fac_bed_days = np.zeros(shape, dtype=np.int64)  # occupied beds summed over days
        self.residents = np.zeros(years, dtype=np.int64)  # living residents at each year's start
        self.enrolled = np.zeros(years, dtype=np.int64)  # of them enrolled (the fund's members)
        self.yearly_extra: list[dict[str, float]] = [{} for _ in range(years)]
        self.fac_money = {k: np.zeros(shape, dtype=np.int64) for k in FACILITY_MONEY}
        self.fac_decisions = {k: np.zeros(shape, dtype=np.float64) for k in DECISIONS}
        # each facility's catchment at each year's start (County.catchments; NaN: hospitals)
        self.fac_catchment = np.full(shape, np.nan)
        self.fac_catchment_minutes = np.full(shape, np.nan)

    def add_marginal(self, year: int, levels: np.ndarray) -> None:
        """Count a day's marginal admissions (the level of each one's facility), in all and
        by level; villages have no beds."""
        self.add_extra(year, "marginal_admissions", float(levels.size))
        for lv, name in ((1, "township"), (2, "county"), (3, "out")):
            self.add_extra(
                year, f"marginal_admissions_{name}", float(np.count_nonzero(levels == lv))
            )

    def add_extra(self, year: int, name: str, value: float) -> None:
        """Add to a named extra metric of one year."""
        extra = self.yearly_extra[year]
        extra[name] = extra.get(name, 0.0) + value

    def bed_occupancy(self, year: int, level: np.ndarray, beds: np.ndarray) -> dict[str, float]:
        """Occupied bed-days / (beds x days) of county hospitals and township centres in
        `year`, from each facility's level and beds."""
        out = {}
        for name, lv in (("bed_occupancy_county", COUNTY), ("bed_occupancy_township", TOWNSHIP)):
            at = level == lv
            capacity = float(beds[at].sum()) * DAYS_PER_YEAR
            used = float(self.fac_bed_days[year, at].sum())
            out[name] = used / capacity if capacity else float("nan")
        return out

    def year_sums(self) -> np.ndarray:
        """Counter sums per year (years, counters)."""
        return self.daily.reshape(self.years, DAYS_PER_YEAR, -1).sum(axis=1)

    def yearly(self, fund: list[dict[str, float]]) -> pd.DataFrame:
        """One row per year, the same columns in every run whatever the policies.

        The exact YEARLY_COLUMNS first, then the other care metrics, then POLICY_COLUMNS
        (zero where a mechanism is off). A metric that no list declares is an error, so a
        new metric cannot appear in some arms only.
        """
        m = care_metrics(self.year_sums(), self.residents)
        df = pd.DataFrame({k: m[k] for k in m if k not in ("visits", "admissions")})
        df.insert(0, "year", np.arange(self.years))
        df["enrolled"] = self.enrolled
        fund_df = pd.DataFrame(fund)
        for name in fund_df.columns:
            df[name] = fund_df[name].to_numpy()
        extra = pd.DataFrame(self.yearly_extra, index=range(self.years)).fillna(0.0)
        unknown = sorted(set(extra.columns) - set(POLICY_COLUMNS))
        if unknown:
            raise KeyError(f"undeclared yearly metrics {unknown}: add them to POLICY_COLUMNS")
        for name in POLICY_COLUMNS:
            df[name] = extra[name].to_numpy() if name in extra.columns else 0.0
        first = ["year", *YEARLY_COLUMNS]
        missing = [c for c in first if c not in df.columns]
        if missing:
            raise KeyError(f"yearly metrics {missing} missing")
        rest = [c for c in df.columns if c not in first and c not in POLICY_COLUMNS]
        return df[first + rest + list(POLICY_COLUMNS)]

    def monthly(self) -> pd.DataFrame:
        """One row per (year, month) with care metrics."""
        days = self.daily.reshape(self.years, DAYS_PER_YEAR, -1)
        sums = np.stack(
            [np.add.reduceat(d, np.flatnonzero(np.diff(MONTH_OF_DAY, prepend=-1))) for d in days]
        ).reshape(self.years * 12, -1)
        m = care_metrics(sums, np.repeat(self.residents, 12))
        df = pd.DataFrame(m)
        df.insert(0, "month", np.tile(np.arange(1, 13), self.years))
        df.insert(0, "year", np.repeat(np.arange(self.years), 12))
        return df

    def facility_yearly(
        self,
        names: list[str],
        levels: np.ndarray,
        variable_cost_share: float,
        consortium: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """One row per (year, facility): volumes, money, net income and year-end decisions.

        revenue = the facility's bills (insurer + patients, as billed); net income = revenue
        + DIP adjustment (DIP payment minus bills of its DIP cases) - variable cost
        (`variable_cost_share` of the bills) + surplus share (negative: overspend borne) -
        secondment cost.
        """
        n_fac = len(names)
        revenue = self.fac_revenue_fen.ravel() / 100.0
        surplus = self.fac_money["surplus_fen"].ravel() / 100.0
        seconded = self.fac_money["secondment_cost_fen"].ravel() / 100.0
        dip = self.fac_money["dip_adjustment_fen"].ravel() / 100.0
        variable = variable_cost_share * revenue
        df = pd.DataFrame(
            {
                "year": np.repeat(np.arange(self.years), n_fac),
                "facility_id": np.tile(np.arange(n_fac), self.years),
                "facility": np.tile(np.asarray(names, dtype=object), self.years),
                "level": np.tile(levels.astype(np.int64), self.years),
                "consortium": np.tile(
                    np.full(n_fac, -1) if consortium is None else consortium.astype(np.int64),
                    self.years,
                ),
                "visits": self.fac_visits.ravel(),
                "admissions": self.fac_admissions.ravel(),
                "revenue_yuan": revenue,
                "referrals_up": self.fac_referrals_up.ravel(),
                "doctor_days": self.fac_doctor_days.ravel(),
                "bed_days": self.fac_bed_days.ravel(),
                "surplus_yuan": surplus,
                "secondment_cost_yuan": seconded,
                "dip_adjustment_yuan": dip,
                "variable_cost_yuan": variable,
                "net_income_yuan": revenue + dip - variable + surplus - seconded,
                "catchment_residents": self.fac_catchment.ravel(),
                "catchment_minutes_to_county": self.fac_catchment_minutes.ravel(),
            }
        )
        for name in DECISIONS:
            df[name] = self.fac_decisions[name].ravel()
        return df
