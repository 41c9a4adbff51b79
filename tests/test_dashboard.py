"""The dashboard's model, levers, observations and plots, without a browser (issue 15).

The browser test (the page as a person sees it) is tests/test_dashboard_browser.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from countysim.config.compose import build, compose_config, scenario_of
from countysim.metrics import DAYS_PER_YEAR, C
from countysim.viz import levers, panels
from countysim.viz.observe import DAYS_IN_MONTH, days_to_month_end
from countysim.viz.serve import main as serve_main
from countysim.viz.session import Dashboard
from countysim.world.county import COUNTY, OUT, VILLAGE

SMALL = {"residents_k": 10, "years": 1}


@pytest.fixture(scope="module")
def year_of_bundled() -> Dashboard:
    """A year of bundled payment compared with its baseline, month by month."""
    d = Dashboard(**SMALL, payment="bundled", compare=True, seed=3)
    for _ in range(12):
        d.step()
    return d


def test_lever_defaults_are_the_config_defaults():
    """Building from the page's defaults gives the CLI's config but for the page's scale."""
    page = compose_config(levers.overrides({}))[0]
    cli = compose_config(["county.residents=100000", "sim.years=5", "sim.progress=false"])[0]
    assert scenario_of(page) == scenario_of(cli)


def test_levers_set_their_keys_only_under_their_option():
    cfg, policies = build(compose_config(levers.overrides({"prepay_share": 0.9}))[0])
    assert type(policies[0]).__name__ == "FeeForService"  # prepay lever ignored: no bundled
    chosen = {
        "payment": "bundled",
        "prepay_share": 0.9,
        "surplus_split": "5:3:2",
        "secondment": "rotation",
        "specialists": "3",
        "triage": "gatekeeping",
        "bypass_penalty": 0.2,
        "reform_year": 2,
    }
    cfg, (pay, sec, tri) = build(compose_config(levers.overrides(chosen))[0])
    assert (pay.prepay_share, pay.surplus_split, pay.start_year) == (0.9, [0.5, 0.3, 0.2], 2)
    assert (sec.specialists_per_township, sec.start_year) == (3, 2)
    assert (tri.bypass_penalty, tri.start_year) == (0.2, 2)
    base = compose_config(levers.overrides(chosen, baseline=True))[0]
    assert (base.payment._target_, base.secondment._target_, base.triage._target_) == (
        "countysim.policies.FeeForService",
        "countysim.policies.NoSecondment",
        "countysim.policies.OpenAccess",
    )
    assert base.county.residents == cfg.county.residents and base.seed == cfg.seed


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"reform_year": 5}, "reform_year = 5: must be below years (5)"),
        ({"residents_k": 5}, "residents_k = 5: must be in [10, 400]"),
        ({"payment": "capitation"}, "payment = 'capitation': must be one of fee_for_service"),
        ({"prepay_shares": 0.9}, "unknown lever(s) ['prepay_shares']"),
        ({"start_year": 1990}, "start_year = 1990: must be in [2018, 2026]"),
    ],
)
def test_bad_levers_stop_before_any_simulation_with_one_line(bad, message):
    d = Dashboard(**bad)
    assert d.error is not None and d.error.startswith(message) and "\n" not in d.error
    assert not d.arms and not d.running
    d.step()
    assert d.history().empty


def test_dashboard_command_refuses_bad_arguments_before_serving(capsys):
    assert serve_main(["--county", "atlantis", "--no-open"]) == 2
    err = capsys.readouterr().err
    assert "county = 'atlantis': must be one of default, luxian" in err


def test_a_step_is_one_calendar_month():
    assert days_to_month_end(0) == 31 and days_to_month_end(31) == 28
    assert days_to_month_end(45) == 14 and days_to_month_end(364) == 1
    d = Dashboard(**SMALL)
    days = []
    for _ in range(12):
        before = d.arms["package"].day
        d.step()
        days.append(d.arms["package"].day - before)
    assert days == DAYS_IN_MONTH.tolist() and sum(days) == DAYS_PER_YEAR
    assert not d.running and d.history().calendar.tolist()[-1] == "2024-12"


def test_month_rows_are_the_models_own_monthly_metrics(year_of_bundled):
    d = year_of_bundled
    h = d.history()
    for arm, model in d.arms.items():
        rows = h[h.arm == arm].reset_index(drop=True)
        monthly = model.metrics.monthly()
        for col in ("in_county_rate", "inpatient_in_county_rate", "primary_care_share", "visits"):
            assert rows[col].to_numpy() == pytest.approx(monthly[col].to_numpy(), abs=0, rel=0)


def test_year_end_projections_are_the_closed_books(year_of_bundled):
    """At the year's last day the projections have no days left to project: they are exact."""
    h = year_of_bundled.history()
    dec = h[h.month == 12].set_index("arm")
    base, pkg = dec.loc["baseline"], dec.loc["package"]
    # fee-for-service: income - catastrophic premium - claims is the fund's balance
    assert base.fund_projected_yuan == pytest.approx(base.fund_balance_yuan, abs=0.005)
    assert np.isnan(base.consortium_projected_yuan)
    # bundled: prepayment - claims is the consortia's balance before settlement
    assert pkg.consortium_projected_yuan == pytest.approx(pkg.consortium_balance_yuan, abs=0.005)
    assert pkg.fund_cumulative_yuan == pytest.approx(pkg.fund_balance_yuan)  # first year
    assert h[h.month < 12].fund_balance_yuan.isna().all()  # no closed books mid-year


def test_facility_month_visits_add_up_to_the_year(year_of_bundled):
    d = year_of_bundled
    model = d.arms["package"]
    table = d.tables["package"]
    assert table.visits_this_year.to_numpy().tolist() == model.metrics.fac_visits[0].tolist()
    # December's visits a day x 31 = December's visits in the daily counters (referral
    # consultations included, as in the facility's yearly count)
    dec = model.metrics.daily[DAYS_PER_YEAR - 31 :]
    kinds = ("visits", "referral_visits")
    visits = sum(int(dec[:, C[f"{k}_l{lv}"]].sum()) for k in kinds for lv in range(4))
    assert round(float((table.visits_per_day * 31).sum())) == visits
    occ = table.occupancy.to_numpy()
    level = model.county.facilities.level
    assert np.isnan(occ[(level == VILLAGE) | (level == OUT)]).all()
    assert ((occ[level == COUNTY] >= 0) & (occ[level == COUNTY] <= 1)).all()


def test_compare_arms_share_random_numbers():
    """Compare mode with the baseline's own options: the arms are the same run, bit for bit."""
    same = Dashboard(**SMALL, compare=True, seed=5)
    alone = Dashboard(**SMALL, seed=5)
    for _ in range(3):
        same.step()
        alone.step()
    diff = same.difference()
    cols = ["in_county_rate", "inpatient_in_county_rate", "primary_care_share"]
    assert (diff[cols + ["fund_projected_yuan"]] == 0).all().all()
    h, a = same.history(), alone.history()
    assert (
        h[h.arm == "baseline"]
        .drop(columns="arm")
        .reset_index(drop=True)
        .equals(a.drop(columns="arm").reset_index(drop=True))
    )


def test_compare_shows_a_packages_difference(year_of_bundled):
    diff = year_of_bundled.difference()
    assert len(diff) == 12 and (diff.fund_projected_yuan != 0).any()


def test_layout_places_facilities_by_travel_time(year_of_bundled):
    model = year_of_bundled.arms["package"]
    lay = year_of_bundled.layout
    county = model.county
    v = lay.iloc[: county.n_villages]
    assert np.allclose(np.hypot(v.x, v.y), county.travel_min[:, COUNTY])
    assert lay.radius_min.iloc[county.out_facility] > lay.radius_min.max() / 1.21
    assert (lay.radius_min.iloc[county.county_facilities] < v.radius_min.min()).all()


def test_panels_draw_labelled_figures(year_of_bundled):
    d = year_of_bundled
    h = d.history()
    figs = {
        "rates": panels.rates_figure(h),
        "fund": panels.fund_figure(h),
        "difference": panels.difference_figure(d.difference()),
        "map": panels.map_figure(d.layout, d.tables["package"], "kept_share"),
    }
    for name, fig in figs.items():
        assert isinstance(fig, Figure), name
        for ax in fig.axes:
            if ax.get_label() != "<colorbar>":
                assert ax.get_xlabel() and ax.get_ylabel() or name == "map", name
    rates = figs["rates"].axes[0]
    assert len(rates.lines) == 6  # three metrics x two arms
    assert rates.lines[0].get_ydata()[0] == pytest.approx(100 * h.in_county_rate.iloc[0])
    with pytest.raises(ValueError, match="colour_by"):
        panels.map_figure(d.layout, d.tables["package"], "colour")
    empty = panels.difference_figure(Dashboard(**SMALL).difference())
    assert "Compare mode is off" in empty.axes[0].texts[0].get_text()
