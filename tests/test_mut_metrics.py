"""Tests written against surviving mutants of countysim.metrics (issue 11).

Two-year tables filled by hand, so that a metric read from the wrong year, month,
facility or column shows; each expected value is worked out in a comment.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from countysim.agents.decisions import DECISIONS
from countysim.metrics import (
    COUNTERS,
    DAYS_PER_YEAR,
    FACILITY_MONEY,
    POLICY_COLUMNS,
    YEARLY_COLUMNS,
    C,
    Metrics,
    care_metrics,
)

FUND_KEYS = (
    "fund_income_yuan",
    "fund_spending_yuan",
    "fund_balance_yuan",
    "fund_balance_ratio",
    "fund_cumulative_balance_yuan",
)


def _fund(years: int) -> list[dict[str, float]]:
    """Fund rows with a different hand value per year and column: 10 x year + column."""
    return [{k: 10.0 * y + i for i, k in enumerate(FUND_KEYS)} for y in range(years)]


def test_accumulators_are_zero_integer_counts_of_the_right_shape():
    """Counters, facility volumes and money are int64 (exact fen and counts); doctor-days
    and decisions are float64; one row per day of every year, per year and facility."""
    m = Metrics(years=2, n_facilities=3)
    assert m.daily.shape == (2 * DAYS_PER_YEAR, len(COUNTERS))
    ints = [m.daily, m.fac_visits, m.fac_admissions, m.fac_revenue_fen, m.fac_referrals_up]
    ints += [m.fac_bed_days, m.residents, m.enrolled, *m.fac_money.values()]
    for a in ints:
        assert a.dtype == np.int64 and not a.any()
    for a in ints[1:6]:
        assert a.shape == (2, 3)
    assert m.residents.shape == m.enrolled.shape == (2,)
    assert m.fac_doctor_days.dtype == np.float64 and m.fac_doctor_days.shape == (2, 3)
    assert set(m.fac_money) == set(FACILITY_MONEY)
    assert set(m.fac_decisions) == set(DECISIONS)
    for a in m.fac_decisions.values():
        assert a.dtype == np.float64 and a.shape == (2, 3) and not a.any()
    assert m.yearly_extra == [{}, {}]


def test_yearly_rows_of_two_years_take_each_years_days_residents_fund_and_extras():
    """Year 0: 10 village visits on its last day; year 1: 40 on its first, 60 on its last
    day (day 365 and 729), 500 residents: 0.2 visits per capita. An extra reported in year 0
    only is 0 in year 1, not NaN; the fund's columns are copied per year."""
    m = Metrics(years=2, n_facilities=1)
    m.daily[DAYS_PER_YEAR - 1, C["visits_l0"]] = 10
    m.daily[DAYS_PER_YEAR, C["visits_l0"]] = 40
    m.daily[2 * DAYS_PER_YEAR - 1, C["visits_l0"]] = 60
    m.daily[:, C["treated"]] = m.daily[:, C["visits_l0"]]
    m.residents[:] = [100, 500]
    m.enrolled[:] = [90, 450]
    m.add_extra(0, "births", 2.5)
    df = m.yearly(_fund(2))
    assert df["year"].tolist() == [0, 1]
    assert df["residents"].tolist() == [100, 500]
    assert df["visits_per_capita"].tolist() == pytest.approx([0.1, 0.2])  # 10/100, 100/500
    assert df["in_county_rate"].tolist() == [1.0, 1.0]
    assert df["enrolled"].tolist() == [90, 450]
    assert df["births"].tolist() == [2.5, 0.0]
    assert df["deaths"].tolist() == [0.0, 0.0]
    for i, k in enumerate(FUND_KEYS):
        assert df[k].tolist() == [float(i), 10.0 + i], k
    # the declared columns, then the other care metrics in care_metrics' order, then the
    # members, then every policy column
    rest = [
        "referral_steps_up",
        "referral_visits",
        "migrant_episodes_elsewhere",
        "self_referrals",
        "waited_episodes",
        "waiting_days",
        "mean_wait_days_of_waiters",
        "untreated_highest_severity",
        *(f"untreated_sev{s}" for s in range(4)),
        "poor_outcomes",
        *(f"poor_outcomes_sev{s}" for s in range(4)),
        "poor_outcome_rate_sev3",
        "severe_treated_in_primary",
        "poor_outcomes_severe_in_primary",
        "oop_yuan",
        "catastrophic_payout_yuan",
        "claims_yuan",
        "enrolled",
    ]
    assert df.columns.tolist() == ["year", *YEARLY_COLUMNS, *rest, *POLICY_COLUMNS]


def test_yearly_refuses_undeclared_and_missing_metrics_naming_them():
    m = Metrics(years=1, n_facilities=1)
    m.residents[0] = 1
    m.add_extra(0, "zeta", 1.0)
    m.add_extra(0, "alpha", 1.0)
    with pytest.raises(KeyError, match=r"undeclared yearly metrics \['alpha', 'zeta'\]: add "):
        m.yearly(_fund(1))
    m = Metrics(years=1, n_facilities=1)
    m.residents[0] = 1
    fund = [{k: 0.0 for k in FUND_KEYS if k != "fund_balance_ratio"}]
    with pytest.raises(KeyError, match=r"^\"yearly metrics \['fund_balance_ratio'\] missing\"$"):
        m.yearly(fund)


def test_monthly_rows_of_two_years_use_each_years_residents():
    """24 rows: years 0,0,..,1,1 and months 1..12, 1..12. 3 visits on 1 February of year 0
    (day 31) among 100 residents, 8 admissions on 31 December of year 1 (day 729) among
    400: 0.03 visits and 0.02 admissions per capita."""
    m = Metrics(years=2, n_facilities=1)
    m.residents[:] = [100, 400]
    m.daily[31, C["visits_l1"]] = 3
    m.daily[2 * DAYS_PER_YEAR - 1, C["admissions_l2"]] = 8
    df = m.monthly()
    assert df.columns.tolist()[:2] == ["year", "month"]
    assert df["year"].tolist() == [0] * 12 + [1] * 12
    assert df["month"].tolist() == list(range(1, 13)) * 2
    assert df["residents"].tolist() == [100] * 12 + [400] * 12
    visits = [0.0] * 24
    visits[1] = 3.0
    admissions = [0.0] * 24
    admissions[23] = 8.0
    assert df["visits"].tolist() == visits
    assert df["admissions"].tolist() == admissions
    assert df["visits_per_capita"][1] == pytest.approx(0.03)
    assert df["admission_rate"][23] == pytest.approx(0.02)


def test_facility_rows_of_two_years_carry_every_column():
    """Facilities a (county hospital, consortium 1) and b (village, consortium 0) over two
    years; every column of each (year, facility) row from hand-filled accumulators."""
    m = Metrics(years=2, n_facilities=2)
    m.fac_visits[:] = [[1, 2], [3, 4]]
    m.fac_admissions[:] = [[5, 6], [7, 8]]
    m.fac_revenue_fen[:] = [[10_000, 20_000], [30_000, 40_000]]  # ¥100, 200, 300, 400
    m.fac_referrals_up[:] = [[9, 10], [11, 12]]
    m.fac_doctor_days[:] = [[1.5, 2.5], [3.5, 4.5]]
    m.fac_bed_days[:] = [[13, 14], [15, 16]]
    m.fac_money["surplus_fen"][:] = [[100, -200], [300, 0]]  # ¥1, -2, 3, 0
    m.fac_money["secondment_cost_fen"][:] = [[0, 50], [0, 0]]  # ¥0.5 at b in year 0
    m.fac_money["dip_adjustment_fen"][:] = [[0, 0], [-1_000, 700]]  # ¥-10, 7 in year 1
    for i, name in enumerate(DECISIONS):
        m.fac_decisions[name][:] = [[i, i + 0.25], [i + 0.5, i + 0.75]]
    df = m.facility_yearly(["a", "b"], np.array([2, 0], np.int8), 0.5, np.array([1, 0]))
    assert df["year"].tolist() == [0, 0, 1, 1]
    assert df["facility_id"].tolist() == [0, 1, 0, 1]
    assert df["facility"].tolist() == ["a", "b", "a", "b"]
    assert df["level"].tolist() == [2, 0, 2, 0] and df["level"].dtype == np.int64
    assert df["consortium"].tolist() == [1, 0, 1, 0] and df["consortium"].dtype == np.int64
    assert df["visits"].tolist() == [1, 2, 3, 4]
    assert df["admissions"].tolist() == [5, 6, 7, 8]
    assert df["revenue_yuan"].tolist() == [100.0, 200.0, 300.0, 400.0]
    assert df["referrals_up"].tolist() == [9, 10, 11, 12]
    assert df["doctor_days"].tolist() == [1.5, 2.5, 3.5, 4.5]
    assert df["bed_days"].tolist() == [13, 14, 15, 16]
    assert df["surplus_yuan"].tolist() == [1.0, -2.0, 3.0, 0.0]
    assert df["secondment_cost_yuan"].tolist() == [0.0, 0.5, 0.0, 0.0]
    assert df["dip_adjustment_yuan"].tolist() == [0.0, 0.0, -10.0, 7.0]
    assert df["variable_cost_yuan"].tolist() == [50.0, 100.0, 150.0, 200.0]
    # revenue + dip - variable + surplus - secondment
    # a0: 100 + 0 - 50 + 1 - 0 = 51; b0: 200 - 100 - 2 - 0.5 = 97.5
    # a1: 300 - 10 - 150 + 3 = 143; b1: 400 + 7 - 200 = 207
    assert df["net_income_yuan"].tolist() == [51.0, 97.5, 143.0, 207.0]
    for i, name in enumerate(DECISIONS):
        assert df[name].tolist() == [i, i + 0.25, i + 0.5, i + 0.75], name
    # without consortia every facility is in consortium -1
    df = m.facility_yearly(["a", "b"], np.array([2, 0]), 0.5)
    assert df["consortium"].tolist() == [-1, -1, -1, -1]


def test_ratios_are_nan_only_where_their_denominator_is_zero():
    """Two periods: the first with 4 waiters who waited 6 days (1.5 each) and no treated
    episodes (in-county rate NaN); the second with 2 treated and no waiters."""
    sums = np.zeros((2, len(COUNTERS)), dtype=np.int64)
    sums[0, C["waited_treated"]], sums[0, C["waiting_days"]] = 4, 6
    sums[1, C["treated"]], sums[1, C["visits_l1"]] = 2, 2
    m = care_metrics(sums, np.array([10, 20]))
    wait = m["mean_wait_days_of_waiters"]
    assert wait[0] == 1.5 and math.isnan(wait[1])
    assert math.isnan(m["in_county_rate"][0]) and m["in_county_rate"][1] == 1.0
    assert m["visits_per_capita"].tolist() == [0.0, 0.1]  # 0/10, 2/20
    assert m["residents"].tolist() == [10, 20] and m["residents"].dtype == np.int64
    pd.testing.assert_series_equal(
        pd.Series(m["primary_care_share"]), pd.Series([np.nan, 1.0]), check_exact=True
    )


def test_ratio_is_nan_where_the_denominator_is_zero_even_over_a_positive_count():
    """3 / 0 is NaN (not inf), 0 / 0 NaN, 3 / 1 = 3, 5 / 2 = 2.5 (not floored)."""
    from countysim.metrics import _ratio

    got = _ratio(np.array([3, 0, 3, 5]), np.array([0, 0, 1, 2]))
    assert got.dtype == np.float64
    assert math.isnan(got[0]) and math.isnan(got[1])
    assert got[2:].tolist() == [3.0, 2.5]
