"""The identification check (research/identification.py): a parameter's column, and what of
it the fitted parameters cannot reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from countysim.research import identification as ident
from countysim.research.spaces import Free
from countysim.research.target import Simulated, Target


def _targets() -> list[Target]:
    return [
        Target("a", "level", 10.0, 0.0, 0.0, "s", True, "m"),  # unit: 1.0 (10%)
        Target("b", "level", 2.0, 0.0, 0.0, "s", True, "m"),  # unit: 0.2
        Target("c", "level", 0.5, 0.4, 0.6, "s", True, "m", band_only=True),  # unit: 0.1
    ]


def test_beyond_is_zero_for_a_mix_of_the_fitted_columns_and_whole_for_an_orthogonal_one():
    fitted = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert ident.beyond(np.array([2.0, -3.0, 0.0]), fitted) == pytest.approx(0.0, abs=1e-12)
    assert ident.beyond(np.array([0.0, 0.0, 4.0]), fitted) == pytest.approx(4.0)
    assert ident.beyond(np.array([1.0, 0.0, 1.0]), fitted) == pytest.approx(1.0)
    assert ident.beyond(np.array([3.0, 4.0, 0.0]), np.empty((3, 0))) == pytest.approx(5.0)


def test_a_column_is_the_central_difference_in_target_units_per_seed():
    """Targets move linearly, 1.0 / 0.4 / 0.1 per unit of x (seed 1 twice as much as seed 0):
    a step of ±0.5 (5% of a range of 10) moves them 1 / 2 / 1 target units on seed 0."""
    targets = _targets()
    slope = {"a": 1.0, "b": 0.4, "c": 0.1}

    def evaluate(params):
        (x,) = params.values()
        return {n: Simulated([k * x, 2 * k * x]) for n, k in slope.items()}

    c = ident.column(Free("p", 0.0, 10.0), 5.0, targets, evaluate)
    assert c.h == pytest.approx(0.5)
    np.testing.assert_allclose(c.per_seed, [[1.0, 2.0, 1.0], [2.0, 4.0, 2.0]])
    np.testing.assert_allclose(c.mean, [1.5, 3.0, 1.5])
    assert c.noise == pytest.approx(np.linalg.norm([0.5, 1.0, 0.5]))


def test_a_column_at_a_bound_is_one_sided_and_rescaled_to_the_full_step():
    targets = _targets()

    def evaluate(params):
        (x,) = params.values()
        return {"a": Simulated([x]), "b": Simulated([0.0]), "c": Simulated([0.0])}

    c = ident.column(Free("p", 0.0, 10.0), 0.0, targets, evaluate)  # only 0 -> 0.5
    np.testing.assert_allclose(c.per_seed, [[1.0, 0.0, 0.0]])


def test_the_table_tells_an_estimate_the_fitted_parameters_can_mimic_from_one_they_cannot():
    targets = _targets()

    def col(key, vec):
        return ident.Column(Free(key, 0, 1), 0.5, 0.05, np.array([vec, vec]) + [[0.01], [-0.01]])

    columns = [
        col("f1", [1.0, 0.0, 0.0]),
        col("f2", [0.0, 1.0, 0.0]),
        col("mimic", [2.0, 1.0, 0.0]),  # = 2 f1 + f2
        col("new", [0.0, 0.0, 3.0]),
    ]
    rows = {r["parameter"]: r for r in ident.table(columns, {"f1", "f2"}, targets)}
    assert rows["mimic"]["beyond"] == pytest.approx(0.0, abs=0.02)
    assert rows["new"]["beyond"] == pytest.approx(3.0, abs=0.02)
    assert rows["new"]["most"] == "c" and rows["new"]["most_change"] == pytest.approx(3.0)
    # a fitted parameter is judged against the other fitted ones only
    assert rows["f1"]["fitted"] and rows["f1"]["beyond"] == pytest.approx(1.0, abs=0.02)
    assert rows["mimic"]["moves"] == pytest.approx(np.sqrt(5.0), abs=0.02)
