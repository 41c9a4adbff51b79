"""Case-based prices: a case costs the same relative amount wherever it is treated."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from countysim import ConfigError, run
from countysim.config.schema import PriceConfig
from countysim.money.prices import YUAN_PER_POINT, Prices
from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE

LEVELS = np.array([VILLAGE, TOWNSHIP, COUNTY, OUT])


def test_mean_bill_is_case_price_times_level_factor():
    cfg = PriceConfig()
    prices = Prices(cfg)
    for inp, table in ((0, cfg.outpatient_case_price_yuan), (1, cfg.inpatient_case_price_yuan)):
        for sev in range(4):
            got = prices.mean_yuan(LEVELS, np.full(4, bool(inp)), np.full(4, sev))
            want = [table[sev] * f for f in cfg.level_price_factor]
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_moving_a_case_down_saves_exactly_the_level_differential():
    """A severity-2 admission at a township costs factor[T] / factor[C] of the county's."""
    cfg = PriceConfig(level_price_factor=[0.5, 0.6, 1.0, 1.4])
    prices = Prices(cfg)
    sev2 = np.array([2, 2])
    town, county = prices.mean_yuan(np.array([TOWNSHIP, COUNTY]), np.ones(2, bool), sev2)
    assert town / county == pytest.approx(0.6)
    assert county == pytest.approx(cfg.inpatient_case_price_yuan[2])


def test_bills_are_lognormal_with_the_case_mean():
    """Sample mean within 4 standard errors of the price (standard error from the draws)."""
    cfg = PriceConfig(cost_log_sd=0.5)
    prices = Prices(cfg)
    n = 200_000
    bills = (
        prices.bill(np.random.default_rng(1), np.full(n, COUNTY), np.ones(n, bool), np.full(n, 2))
        / 100.0
    )
    mean = cfg.inpatient_case_price_yuan[2]
    se = bills.std(ddof=1) / np.sqrt(n)
    assert abs(bills.mean() - mean) < 4 * se
    # the log-bill is normal with the configured sd
    assert stats.kstest((np.log(bills / mean) + 0.5 * 0.5**2) / 0.5, "norm").pvalue > 1e-3


def test_dip_points_follow_the_reference_price():
    cfg = PriceConfig()
    pts = Prices(cfg).points(np.array([True, False]), np.array([3, 1]))
    assert pts.tolist() == pytest.approx(
        [
            cfg.inpatient_case_price_yuan[3] / YUAN_PER_POINT,
            cfg.outpatient_case_price_yuan[1] / YUAN_PER_POINT,
        ]
    )


def test_prices_falling_with_severity_are_rejected():
    with pytest.raises(ConfigError, match=r"prices\.inpatient_case_price_yuan"):
        run(["county=tiny", "prices.inpatient_case_price_yuan=[1,2,3,2]"], save=False)


def test_total_cost_of_care_is_the_sum_of_bills():
    r = run(["county=tiny", "sim.years=1"], save=False)
    bills = r.ledger[r.ledger.kind.isin(["claims", "oop"])]["fen"].sum() / 100.0
    assert r.yearly["total_cost_yuan"].iloc[0] == pytest.approx(bills, abs=0.005)
