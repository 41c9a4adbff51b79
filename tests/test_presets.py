"""County presets and the reforms as the counties reported them (issue 13).

Each preset's structure is checked against the facts its YAML cites (domain.md), every
value a preset sets carries its source, every experiment preset composes and runs, and the
two mechanisms the presets needed are tested on their own: Suixi's change of prepaid share
in 2023 and prices that belong to a calendar year (a run starting in 2020 meets 2020
prices, as it meets 2020 funding).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from countysim.config.compose import build, compose_config, config_dir
from countysim.config.schema import PriceConfig
from countysim.model import CountyModel
from countysim.money.prices import Prices

from .test_conservation import _check_days, _check_ledger

COUNTIES = ("luxian", "xishui", "suixi", "wuxi", "ningxiang")
EXPERIMENTS = tuple(f"{c}_reform" for c in COUNTIES)


def _model(*overrides: str) -> CountyModel:
    cfg, policies = build(compose_config(list(overrides))[0])
    return CountyModel(cfg, policies)


# (county, townships, village clinics or None, county hospitals, townships per consortium)
STRUCTURE = [
    ("luxian", 20, 250, 3, None),  # three consortia, one main + two secondary hospitals
    ("xishui", 26, 260, 2, None),  # "2+5+N": two county hospitals
    ("suixi", 12, 250, 2, None),
    ("wuxi", 32, None, 2, [18, 14]),  # people's hospital leads 18, TCM hospital 14
    ("ningxiang", 31, 278, 2, None),  # 31 township/community centres, 278 village clinics
]


@pytest.mark.parametrize(("county", "towns", "villages", "hospitals", "blocks"), STRUCTURE)
def test_each_preset_builds_the_county_its_sources_describe(
    county, towns, villages, hospitals, blocks
):
    model = _model(f"county={county}")
    f = model.county.facilities
    counts = np.bincount(f.level, minlength=4)
    assert counts[1] == towns
    if villages is not None:
        assert counts[0] == villages
    assert counts[2] == hospitals and counts[3] == 1
    assert len(model.consortia) == hospitals  # each county hospital leads one consortium
    if blocks is not None:
        assert np.bincount(f.consortium[f.level == 1]).tolist() == blocks
    assert model.cfg.county.name == county
    model.release()


@pytest.mark.parametrize("county", COUNTIES)
def test_every_value_a_preset_sets_cites_its_source(county):
    lines = (Path(config_dir()) / "county" / f"{county}.yaml").read_text().splitlines()
    values = [ln for ln in lines if ln and not ln.startswith(("#", " ", "defaults", "name:"))]
    assert values, county
    for ln in values:
        assert "#" in ln and len(ln.split("#", 1)[1].strip()) > 3, f"{county}: no source: {ln}"
        note = ln.split("#", 1)[1]
        cited = ("estimate", "docs/sources.md", "Luxian", "calibrated: ")  # a study is a source
        assert any(c in note for c in cited), ln


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_reform_preset_runs_with_money_and_patients_accounted(experiment):
    """Each reform at 1/10 of its county's residents, with as many facilities (the people
    per township and per village shrink with it), for three years."""
    county = experiment.removesuffix("_reform")
    full = build(compose_config([f"county={county}"])[0])[0].county
    small = [
        f"county.residents={full.residents // 10}",
        f"county.residents_per_township={full.residents_per_township / 10}",
        f"county.residents_per_village={full.residents_per_village / 10}",
    ]
    model = _model(f"+experiment={experiment}", *small, "sim.years=3")
    assert model.cfg.county.name == county
    assert model.county.facilities.n == _model(f"county={county}").county.facilities.n
    model.run()
    _check_days(model)
    _check_ledger(model)
    model.release()


def test_suixi_prepays_95_percent_then_99_from_2023():
    model = _model(
        "county=tiny",
        "payment=bundled",
        "sim.start_calendar_year=2022",
        "sim.years=3",
        "payment.prepay_share=0.95",
        "payment.prepay_share_from=2023",
        "payment.later_prepay_share=0.99",
    )
    model.run()
    led = model.ledger
    for year, share in ((0, 0.95), (1, 0.99), (2, 0.99)):
        income = led.total(year, kind="subsidy") + led.total(year, kind="premium")
        reserve = led.total(year, kind="risk_reserve")
        assert reserve == round(income * 0.03)
        rest = income - reserve - led.total(year, kind="catastrophic_premium")
        assert led.total(year, kind="prepayment") == round(rest * share), year
    model.release()


def test_prices_are_those_of_the_calendar_year_whatever_year_a_run_starts():
    cfg = PriceConfig(growth_per_year=0.05, price_year=2024)
    listed = Prices(cfg).mean_fen.copy()
    early = Prices(cfg, start_calendar_year=2021)
    early.set_year(0)
    assert early.level == pytest.approx(1.05**-3)
    assert np.allclose(early.mean_fen, listed * 1.05**-3)
    early.set_year(5)  # calendar 2026
    assert np.allclose(early.mean_fen, listed * 1.05**2)
    assert early.bed_day_fen == round(cfg.township_bed_day_yuan * 100 * 1.05**2)


def test_a_run_started_four_years_earlier_pays_four_years_lower_prices():
    """Same seed, same county, started in 2020 instead of 2024: patients weigh out-of-pocket
    in price-year yuan and providers weigh margins per yuan billed, so care is the same
    until rounding parts them (the bed-day price is rounded to the fen, which moves the
    providers' rates by ~1e-7 and, some months in, flips one draw; from then on the random
    streams are consumed differently). Until then every bill is its listed price x the
    calendar year's price level, 1.046^-4, up to rounding each bill to the fen."""
    from countysim.metrics import C

    daily = {}
    for start in (2020, 2024):
        model = _model("county=tiny", "sim.years=1", f"sim.start_calendar_year={start}")
        model.run()
        daily[start] = model.metrics.daily
        model.release()
    care = [C["treated"], C["untreated"], *(C[f"admissions_l{lv}"] for lv in range(4))]
    same = np.all(daily[2020][:, care] == daily[2024][:, care], axis=1)
    days = int(np.argmin(same)) if not same.all() else same.size
    assert days >= 90  # a quarter of a year of identical care
    cost = [daily[y][:days, C["cost_fen"]].sum() for y in (2020, 2024)]
    # a bill of ~¥100+ rounded to the fen is within 5e-5 of its exact value
    assert cost[0] / cost[1] == pytest.approx(1.046**-4, rel=5e-5)
