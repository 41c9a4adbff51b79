"""research/sensitivity.py: the Sobol design, the outputs read from stored runs, and the
indices of a function whose indices are known in closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countysim.research import sensitivity as sens

TWO = (sens.Factor("a", 0.0, 1.0, "a"), sens.Factor("b", 0.0, 1.0, "b"))


def test_the_design_has_n_times_d_plus_2_points_inside_the_bounds():
    x = sens.sample(8)
    d = len(sens.FACTORS)
    assert x.shape == (8 * (d + 2), d)
    low = np.array([f.low for f in sens.FACTORS])
    high = np.array([f.high for f in sens.FACTORS])
    assert ((x >= low) & (x <= high)).all()
    assert np.array_equal(x, sens.sample(8))  # reproducible
    with pytest.raises(ValueError, match="power of two"):
        sens.sample(6)


def test_point_overrides_set_every_factor():
    x = np.array([0.5, 1.25])
    assert sens.point_overrides(x, TWO) == ["a=0.5", "b=1.25"]


def test_outputs_read_final_year_rate_and_mean_balance_in_run_order():
    yearly = pd.DataFrame(
        {
            "run_id": [7, 7, 9, 9],
            "year": [0, 1, 0, 1],
            "inpatient_in_county_rate": [0.70, 0.72, 0.80, 0.81],
            "fund_balance_ratio": [0.02, 0.04, -0.01, 0.03],
        }
    )
    out = sens.outputs(yearly, [9, 7])
    assert out.index.tolist() == [9, 7]
    assert out["inpatient_in_county_rate"].tolist() == [0.81, 0.72]
    assert out["fund_balance_ratio"].to_numpy() == pytest.approx([0.01, 0.03])
    with pytest.raises(ValueError, match="not in the store"):
        sens.outputs(yearly, [7, 8])


def test_indices_of_an_additive_function_match_the_closed_form():
    """y = a + 2b, a and b uniform on [0, 1]: Var = 1/12 + 4/12, so S1 = ST = (0.2, 0.8).
    The tolerance is SALib's own 95% bootstrap interval from the N = 1024 base draws
    (times 1.5: the interval is itself estimated)."""
    x = sens.sample(1024, TWO)
    y = pd.DataFrame({"y": x[:, 0] + 2 * x[:, 1]})
    t = sens.indices(y, TWO).set_index(["factor", "order"])
    for factor, truth in (("a", 0.2), ("b", 0.8)):
        for order in ("S1", "ST"):
            row = t.loc[(factor, order)]
            assert abs(row["index"] - truth) <= 1.5 * row["ci95"] + 1e-9, (factor, order)
    assert (t["ci95"] < 0.1).all()
