"""A steady baseline: without reform, ten years do not drift beyond their sampling noise.

With a fixed population (population.dynamic=false) nothing but noise should move the
care metrics (demography's own effects are tested in tests/test_population.py);
initial trust starts at its own steady state (scripts/steady_trust.py), prices,
deductibles, funding and the catastrophic premium grow together, and patients weigh
out-of-pocket cost in first-year yuan. Rates are compared between the first and the last
three years with a tolerance of 4 binomial standard errors computed from the number of
episodes behind them; the fund's balance ratio (after the funding schedule's first step)
by the t statistic of its yearly trend.
"""

from __future__ import annotations

import numpy as np
import pytest

from countysim import run

YEARS = 10
Z = 4.0  # two-sided P(|z| > 4) = 6e-5 per metric
T_CRIT = 5.41  # two-sided 0.1% point of Student's t with 7 degrees of freedom


@pytest.fixture(scope="module")
def baseline():
    return run(
        [
            "county.residents=30000",
            f"sim.years={YEARS}",
            "seed=0",
            "sim.progress=false",
            "population.dynamic=false",
        ],
        save=False,
    ).yearly


@pytest.mark.parametrize(
    "rate, draws",
    [
        ("inpatient_in_county_rate", "admissions"),
        ("in_county_rate", "treated"),
        ("primary_care_share", "visits"),
    ],
)
def test_care_rates_do_not_drift_beyond_binomial_noise(baseline, rate, draws):
    y = baseline
    if draws == "admissions":
        n = y["admission_rate"] * y["residents"]
    elif draws == "visits":
        n = y["visits_per_capita"] * y["residents"]
    else:
        n = y["visits_per_capita"] * y["residents"] + y["admission_rate"] * y["residents"]
    first, last = slice(0, 3), slice(YEARS - 3, YEARS)
    p1 = float(np.average(y[rate].iloc[first], weights=n.iloc[first]))
    p2 = float(np.average(y[rate].iloc[last], weights=n.iloc[last]))
    n1, n2 = float(n.iloc[first].sum()), float(n.iloc[last].sum())
    p = (p1 * n1 + p2 * n2) / (n1 + n2)
    se = np.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    assert abs(p2 - p1) < Z * se, f"{rate}: {p1:.4f} -> {p2:.4f} (se {se:.4f})"


def test_the_fund_balance_ratio_has_no_trend(baseline):
    r = baseline["fund_balance_ratio"].to_numpy()[1:]  # year 0 -> 1 is the schedule's step
    x = np.arange(r.size, dtype=float)
    slope, intercept = np.polyfit(x, r, 1)
    resid = r - (slope * x + intercept)
    se = np.sqrt(resid.var(ddof=2) / ((x - x.mean()) ** 2).sum())
    assert abs(slope / se) < T_CRIT, f"trend {slope:+.5f}/year (se {se:.5f})"
