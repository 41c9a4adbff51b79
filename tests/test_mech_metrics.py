"""Metrics mechanism: every yearly metric from a hand-filled counter table (issue 11).

The counters below describe one small period by hand; each expected metric is worked out
in a comment from the definitions in metrics.py (in_county_rate = in-county visits and
admissions / treated, etc.), so a metric that drops a level or a term fails here rather
than only in the golden file.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from countysim.care.delivery import deliver
from countysim.care.demand import Episodes
from countysim.care.routing import Routed
from countysim.metrics import (
    COUNTERS,
    DAYS_PER_YEAR,
    POLICY_COLUMNS,
    YEARLY_COLUMNS,
    C,
    Metrics,
    care_metrics,
)

RESIDENTS = 1000

# hand-made counters of one period (the second period is all zero: ratios are NaN there)
HAND = {
    "episodes": 240,
    "treated": 225,  # = visits 200 + admissions 25
    "untreated": 10,
    "untreated_sev0": 4,
    "untreated_sev1": 3,
    "untreated_sev2": 2,
    "untreated_sev3": 1,
    "visits_l0": 100,
    "visits_l1": 60,
    "visits_l2": 30,
    "visits_l3": 10,
    "admissions_l0": 0,
    "admissions_l1": 8,
    "admissions_l2": 12,
    "admissions_l3": 5,
    "referral_visits_l0": 7,
    "referral_visits_l1": 5,
    "referral_visits_l2": 2,
    "referral_visits_l3": 0,
    "stepdown_admissions": 3,
    "referrals_up": 11,
    "referral_steps_up": 14,
    "referrals_down": 3,
    "self_referrals": 9,
    "turnaways": 17,
    "waited_treated": 6,
    "waiting_days": 9,
    "elsewhere": 2,
    "cost_fen": 1_234_500,
    "reimbursed_fen": 600_000,
    "oop_fen": 634_500,
    "catastrophic_fen": 34_500,
}
# treated episodes by (level, severity): rows sum to each level's visits + admissions
OUTCOMES = {(0, 0): 90, (0, 1): 10, (1, 0): 40, (1, 1): 20, (1, 2): 6, (1, 3): 2}
OUTCOMES |= {(2, 0): 10, (2, 1): 15, (2, 2): 12, (2, 3): 5, (3, 2): 5, (3, 3): 10}
POOR = {(0, 0): 1, (0, 1): 2, (1, 2): 2, (1, 3): 1, (2, 2): 1, (2, 3): 1, (3, 3): 2}

# every metric of the hand-made period, worked out by hand
EXPECTED = {
    "residents": 1000,
    "visits": 214,  # visits 100+60+30+10 = 200, + consultations 7+5+2+0 = 14
    "admissions": 28,  # admissions 0+8+12+5 = 25, + 3 step-down records
    "visits_per_capita": 0.214,  # 214 / 1000
    "admission_rate": 0.028,  # 28 / 1000
    "in_county_rate": 210 / 225,  # (100+60+30 visits + 0+8+12 admissions) / 225 treated
    "inpatient_in_county_rate": 0.8,  # (25 - 5 out of county) / 25
    "primary_care_share": 172 / 214,  # (100 + 60 visits + 7 + 5 consultations) / 214
    "referrals_up": 11,
    "referral_steps_up": 14,
    "referral_visits": 14,
    "referrals_down": 3,
    "migrant_episodes_elsewhere": 2,
    "self_referrals": 9,
    "untreated_episodes": 10,
    "waited_episodes": 6,
    "waiting_days": 9,
    "mean_wait_days_of_waiters": 1.5,  # 9 days / 6 waiters
    "untreated_highest_severity": 1,
    "untreated_sev0": 4,
    "untreated_sev1": 3,
    "untreated_sev2": 2,
    "untreated_sev3": 1,
    "poor_outcomes": 10,  # 1+2+2+1+1+1+2
    "poor_outcomes_sev0": 1,
    "poor_outcomes_sev1": 2,
    "poor_outcomes_sev2": 3,  # township 2 + county 1
    "poor_outcomes_sev3": 4,  # township 1 + county 1 + out 2
    "poor_outcome_rate_sev3": 4 / 17,  # 4 poor / (2 + 5 + 10) severity-3 treated
    "severe_treated_in_primary": 8,  # severity 2-3 at village (0) and township (6 + 2)
    "poor_outcomes_severe_in_primary": 3,  # township 2 + 1
    "oop_per_capita_yuan": 6.0,  # (634,500 - 34,500) fen / 100 / 1000
    "total_cost_yuan": 12345.0,  # 1,234,500 fen / 100
    "oop_yuan": 6000.0,  # (634,500 - 34,500) / 100
    "catastrophic_payout_yuan": 345.0,
    "claims_yuan": 6000.0,  # 600,000 / 100
}
# with nothing counted, every ratio whose denominator is a count is NaN, the rest zero
NAN_WHEN_EMPTY = {
    "in_county_rate",
    "inpatient_in_county_rate",
    "primary_care_share",
    "mean_wait_days_of_waiters",
    "poor_outcome_rate_sev3",
}


def _row() -> np.ndarray:
    row = np.zeros(len(COUNTERS), dtype=np.int64)
    for name, v in HAND.items():
        row[C[name]] = v
    for (lv, s), v in OUTCOMES.items():
        row[C[f"outcomes_l{lv}_s{s}"]] = v
    for (lv, s), v in POOR.items():
        row[C[f"poor_outcomes_l{lv}_s{s}"]] = v
    return row


def test_the_hand_table_is_consistent():
    """The fixture itself obeys the accounting (outcomes = treated = visits + admissions)."""
    assert sum(OUTCOMES.values()) == HAND["treated"] == 200 + 25
    assert sum(HAND[f"untreated_sev{s}"] for s in range(4)) == HAND["untreated"]


def test_every_care_metric_from_a_hand_filled_counter_table():
    """care_metrics and outcome_metrics: each metric equals its hand-computed value."""
    sums = np.stack([_row(), np.zeros(len(COUNTERS), dtype=np.int64)])
    m = care_metrics(sums, RESIDENTS)
    assert set(m) == set(EXPECTED), "a metric was added or dropped: add its hand value"
    for name, want in EXPECTED.items():
        assert m[name][0] == pytest.approx(want, rel=1e-12), name
        empty = m[name][1]
        if name in NAN_WHEN_EMPTY:
            assert math.isnan(empty), name
        elif name != "residents":
            assert empty == 0, name


def test_the_in_county_rate_counts_every_in_county_level_and_no_out_of_county_care():
    """in_county_rate: one unit of care at each level moves it by exactly 1/treated."""
    base = _row()
    rate0 = care_metrics(base[None, :], RESIDENTS)["in_county_rate"][0]
    for kind in ("visits", "admissions"):
        for lv in range(4):
            row = base.copy()
            row[C[f"{kind}_l{lv}"]] += 1
            row[C["treated"]] += 1
            got = care_metrics(row[None, :], RESIDENTS)["in_county_rate"][0]
            # in county: (210 + 1) / 226; out of county: 210 / 226
            want = (210 + (lv < 3)) / 226
            assert got == pytest.approx(want, rel=1e-12), (kind, lv)
            assert (got > rate0) == (lv < 3)


def _metrics_with_hand_year() -> Metrics:
    """One year of daily counters that sum to the hand table, spread over three days."""
    m = Metrics(years=1, n_facilities=3)
    row = _row()
    first, rest = row // 2, row - row // 2
    m.daily[0] += first  # 1 January
    m.daily[31] += rest // 2  # 1 February
    m.daily[DAYS_PER_YEAR - 1] += rest - rest // 2  # 31 December
    m.residents[0] = RESIDENTS
    m.enrolled[0] = 950
    return m


def test_yearly_rows_sum_the_days_and_report_each_declared_column():
    """Metrics.yearly: year sums of the days, declared columns in order, extras checked."""
    m = _metrics_with_hand_year()
    m.add_extra(0, "deaths", 4.0)
    m.add_extra(0, "deaths", 3.0)  # extras add up within a year
    fund = [{"fund_income_yuan": 10.0, "fund_spending_yuan": 8.0, "fund_balance_yuan": 2.0}]
    fund[0] |= {"fund_balance_ratio": 0.2, "fund_cumulative_balance_yuan": 2.0}
    df = m.yearly(fund)
    assert list(df.columns[: 1 + len(YEARLY_COLUMNS)]) == ["year", *YEARLY_COLUMNS]
    assert list(df.columns[-len(POLICY_COLUMNS) :]) == list(POLICY_COLUMNS)
    row = df.iloc[0]
    for name, want in EXPECTED.items():
        if name in ("visits", "admissions"):
            continue
        assert row[name] == pytest.approx(want, rel=1e-12), name
    assert row["enrolled"] == 950 and row["fund_balance_ratio"] == 0.2
    assert row["deaths"] == 7.0 and row["births"] == 0.0  # declared but not reported: zero
    m.add_extra(0, "not_a_metric", 1.0)
    with pytest.raises(KeyError, match="not_a_metric"):
        m.yearly(fund)


def test_monthly_rows_put_each_day_in_its_calendar_month():
    """Metrics.monthly: day 0 is January, day 31 is 1 February, day 364 is December."""
    m = Metrics(years=1, n_facilities=1)
    m.residents[0] = 100
    for day, visits in ((0, 1), (30, 2), (31, 4), (58, 8), (59, 16), (364, 32)):
        m.daily[day, C["visits_l0"]] += visits
    got = m.monthly().set_index("month")["visits"]
    # Jan: days 0..30 (1 + 2); Feb: 31..58 (4 + 8); Mar from day 59 (16); Dec: 32
    want = pd.Series([3, 12, 16, 0, 0, 0, 0, 0, 0, 0, 0, 32], index=range(1, 13), dtype=float)
    pd.testing.assert_series_equal(got.astype(float), want, check_names=False)
    assert m.monthly()["visits_per_capita"].iloc[0] == pytest.approx(3 / 100)


def test_facility_net_income_is_revenue_plus_dip_minus_variable_plus_surplus_minus_secondment():
    """Metrics.facility_yearly: the documented net income identity on hand amounts."""
    m = Metrics(years=1, n_facilities=2)
    m.fac_revenue_fen[0] = [100_000, 0]  # ¥1,000 billed by facility 0
    m.fac_money["dip_adjustment_fen"][0] = [-5_000, 0]  # -¥50
    m.fac_money["surplus_fen"][0] = [3_000, -1_000]  # ¥30; facility 1 bears ¥10 overspend
    m.fac_money["secondment_cost_fen"][0] = [2_000, 0]  # ¥20
    df = m.facility_yearly(["a", "b"], np.array([2, 1]), variable_cost_share=0.6)
    # a: 1000 - 50 - 0.6 x 1000 + 30 - 20 = 360; b: 0 - 0 - 0 - 10 - 0 = -10
    assert df["net_income_yuan"].tolist() == pytest.approx([360.0, -10.0])
    assert df["variable_cost_yuan"].tolist() == pytest.approx([600.0, 0.0])


def test_bed_occupancy_is_bed_days_over_beds_times_days(tiny):
    """Yearly bed occupancy of county hospitals and township centres from bed-day counts."""
    model = tiny("sim.years=1")
    fac = model.county.facilities
    county, town = np.flatnonzero(fac.level == 2), np.flatnonzero(fac.level == 1)
    # tiny county: county beds 10 + 4 = 14, township beds 45 + 45 = 90
    assert fac.beds[county].tolist() == [10, 4] and fac.beds[town].tolist() == [45, 45]
    model.metrics.fac_bed_days[0, county] = [2555, 0]  # 2555 / (14 x 365 = 5110) = 0.5
    model.metrics.fac_bed_days[0, town] = [0, 3285]  # 3285 / (90 x 365 = 32850) = 0.1
    model.metrics.fac_bed_days[0, fac.n - 1] = 10**9  # out of county is neither
    occ = model.metrics.bed_occupancy(0, fac.level, fac.beds)
    assert occ["bed_occupancy_county"] == pytest.approx(0.5)
    assert occ["bed_occupancy_township"] == pytest.approx(0.1)
    model.release()


def _episodes(severity, inpatient) -> Episodes:
    n = len(severity)
    return Episodes(
        np.arange(n, dtype=np.int64),
        np.asarray(severity, dtype=np.int8),
        np.asarray(inpatient, dtype=bool),
        np.zeros(n, dtype=bool),
    )


def test_delivery_fills_the_counters_of_hand_routed_episodes(tiny):
    """deliver(): the day's counters for eight hand-placed episodes, counted by hand."""
    model = tiny("sim.years=1", "population.dynamic=false")
    c = model.county
    c.residents.village[:8] = 0  # the patients live in village 0, in township t
    v, t = 0, c.n_villages + int(c.village_township[0])
    cty, out = int(c.county_facilities[0]), c.out_facility
    ep = _episodes([0, 1, 2, 3, 2, 1, 2, 3], [False, False, True, True, False, True, False, False])
    # 0: village visit; 1: township visit (waited 2 days in yesterday's queue); 2: county
    # admission referred village -> township -> county; 3: out-of-county admission, not
    # referred; 4: county visit, not referred (a self-referral); 5: untreated (turned away
    # three times); 6: county visit referred by the township; 7: unplaced, waits for tomorrow
    routed = Routed(
        facility=np.array([v, t, cty, out, cty, -1, cty, -1]),
        referred=np.array([False, False, True, False, False, False, True, False]),
        referrers=np.array([v, t, t]),
        referral_episode=np.array([2, 2, 6]),
        turnaways=3,
    )
    waited = np.array([0, 2, 0, 0, 0, 0, 0, 0])
    waits = np.arange(8) == 7
    model.decisions["down_referral"][:] = 0.0  # nobody sent down
    deliver(model, ep, routed, None, waited, waits)
    row = model.metrics.daily[0]
    want = {
        "episodes": 7,  # 8 - 1 carried over from yesterday
        "waiting_in": 1,
        "waiting_out": 1,
        "waited_treated": 1,
        "waiting_days": 2,
        "treated": 6,
        "untreated": 1,  # episode 5 (episode 7 waits: not untreated)
        "untreated_sev1": 1,
        "untreated_sev3": 0,
        "inpatient_episodes": 3,
        "visits_l0": 1,
        "visits_l1": 1,
        "visits_l2": 2,
        "visits_l3": 0,
        "admissions_l2": 1,
        "admissions_l3": 1,
        "referral_visits_l0": 1,  # the village's consultation of episode 2
        "referral_visits_l1": 2,  # the township's, of episodes 2 and 6
        "referrals_up": 2,  # two patients ...
        "referral_steps_up": 3,  # ... referred in three steps
        "self_referrals": 1,  # episode 4 only (6 was referred, 2 and 3 are admissions)
        "turnaways": 3,
    }
    for name, value in want.items():
        assert row[C[name]] == value, name
    assert sum(row[C[f"outcomes_l{lv}_s{s}"]] for lv in range(4) for s in range(4)) == 6
    assert row[C["cost_fen"]] == row[C["reimbursed_fen"]] + row[C["oop_fen"]] > 0
    # facility volumes: the referrers' consultations count as their visits
    fv = model.metrics.fac_visits[0]
    assert (fv[v], fv[t], fv[cty], fv[out]) == (2, 3, 2, 0)
    assert model.metrics.fac_referrals_up[0, [v, t]].tolist() == [1, 2]
    model.release()
