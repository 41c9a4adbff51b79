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


def test_importing_the_plotting_module_leaves_the_backend_alone():
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg'); "
        "import countysim.research.plotting as p; "
        "p.plot_monthly(__import__('pandas').DataFrame({'a_rate': [0.1, 0.2]}), ['a_rate']); "
        "print(matplotlib.get_backend())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"


def test_plot_monthly_and_plot_lever_draw_what_they_are_given():
    from countysim.research.plotting import plot_lever, plot_monthly

    monthly = pd.DataFrame({"in_county_rate": [0.8, 0.82, 0.81], "primary_care_share": [0.5] * 3})
    ax = plot_monthly(monthly, ["in_county_rate", "primary_care_share"]).axes[0]
    assert [list(line.get_ydata()) for line in ax.lines] == [[0.8, 0.82, 0.81], [0.5] * 3]
    table = pd.DataFrame(
        {
            "lever": [2.0, 0.0, 1.0],
            "metric": "in_county_rate",
            "n": 3,
            "mean": [0.9, 0.8, 0.85],
            "ci_low": [0.88, 0.78, 0.83],
            "ci_high": [0.92, 0.82, 0.87],
        }
    )
    ax = plot_lever(table, "in_county_rate", x="lever").axes[0]
    assert list(ax.lines[0].get_xdata()) == [0.0, 1.0, 2.0]  # sorted along the lever
    assert list(ax.lines[0].get_ydata()) == [0.8, 0.85, 0.9]
    assert len(ax.collections) == 1  # the CI band
    assert "3 seeds" in ax.get_title()
