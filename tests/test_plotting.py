"""plot_summary draws one bar per scenario with its confidence interval."""

from __future__ import annotations

import pandas as pd
import pytest

from countysim.research.plotting import plot_summary


def test_plot_summary_draws_grouped_bars_with_intervals():
    table = pd.DataFrame(
        {
            "payment": ["ffs", "ffs", "bundled", "bundled"],
            "secondment": ["none", "rotation", "none", "rotation"],
            "metric": "in_county_rate",
            "n": 4,
            "mean": [0.90, 0.92, 0.93, 0.95],
            "ci_low": [0.89, 0.91, 0.92, 0.94],
            "ci_high": [0.91, 0.93, 0.94, 0.96],
        }
    )
    fig = plot_summary(table, "in_county_rate", x="secondment", hue="payment")
    ax = fig.axes[0]
    heights = sorted(round(p.get_height(), 2) for p in ax.patches)
    assert heights == [0.90, 0.92, 0.93, 0.95]
    assert ax.get_ylabel() == "In-county treatment rate"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ffs", "bundled"]
    with pytest.raises(KeyError):
        plot_summary(table, "nope", x="secondment")
