"""Every figure script runs its sweep and draws its figure from the store (--quick: a
10,000-resident county, 3 seeds), and the registry lists every figure (issue 14)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((ROOT / "experiments").glob("fig[0-9]*.py"))
# figures 3, 4 and 6 run their own sweeps: their quick runs are in test_experiments_levers.py,
# a second file so that pytest-xdist (--dist loadfile) runs them beside these
OWN_FILE = ("fig3_lever_map", "fig4_secondment_case", "fig6_sensitivity")
HERE = [s for s in SCRIPTS if s.stem not in OWN_FILE]


@pytest.mark.parametrize("script", HERE, ids=lambda p: p.stem)
def test_a_figure_is_drawn_from_the_store_with_its_numbers(script, tmp_path):
    subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path)],
        cwd=ROOT / "experiments", check=True, capture_output=True, text=True,
    )  # fmt: skip
    name = script.stem
    for ext in ("png", "pdf", "csv"):
        assert (tmp_path / f"{name}.{ext}").stat().st_size > 0, ext
    data = pd.read_csv(tmp_path / f"{name}.csv")
    if "n" in data.columns:
        with_ci = data.dropna(subset=["n"])
        assert (with_ci["n"] == 3).all()  # every plotted mean is over exactly the 3 quick seeds
    if name == "fig1_policy_packages":
        assert set(data["package"]) == {
            "baseline", "bundled", "bundled_secondment", "bundled_gatekeeping", "all_three"
        }  # fmt: skip
        assert sorted(data["year"].unique()) == [0, 1, 2, 3, 4]
    if name == "fig3_lever_map":  # the quick grid: 2 x 2 levers, three metrics per cell
        x, y = "secondment.specialists_per_township", "triage.level_step"
        assert sorted(data[x].unique()) == [0, 2] and sorted(data[y].unique()) == [0.0, 0.2]
        assert len(data) == 4 * 3
    if name == "fig4_secondment_case":
        assert set(data["arm"]) == {"specialists", "no one seconded"}
        assert sorted(data["calendar_year"].unique()) == [2020, 2021, 2022, 2023]
        assert (data["centres"] == 5).all()  # each seed's own 5 key centres, no other
    if name == "fig5_calibration":
        assert set(data["metric"]) == {
            "visits_per_capita", "admission_rate", "primary_care_share",
            "inpatient_in_county_rate", "fund_balance_ratio",
        }  # fmt: skip
        fit = data.groupby("metric")["used_to_fit"].agg(["all", "any"])
        assert (fit["all"] == fit["any"]).all()  # one flag per target, every year
        assert fit.loc["fund_balance_ratio", "all"]  # fitted (study insurance-2026-11-25)
        assert not fit.loc["inpatient_in_county_rate", "any"]  # held out
    if name == "fig6_sensitivity":  # 8 factors x 2 outputs x (S1, ST), from N (D + 2) runs
        assert len(data) == 8 * 2 * 2 and (data["n_runs"] == 2 * (8 + 2)).all()
    if name == "fig2_fund_balance":
        d = data[data["panel"] == "d"]
        assert sorted(d["payment.prepay_share"].unique()) == [0.95, 0.99]


def test_the_registry_and_make_all_list_every_figure():
    registry = (ROOT / "experiments" / "README.md").read_text()
    make_all = (ROOT / "experiments" / "make_all.py").read_text()
    for script in SCRIPTS:
        assert f"experiments/{script.name}" in registry, script.name
        assert re.search(rf"^import {script.stem}\b", make_all, re.M), script.name
        assert (ROOT / "configs" / "experiment" / f"{script.stem}.yaml").is_file()


def test_a_figure_of_a_store_with_only_other_model_versions_says_so(tmp_path, monkeypatch):
    """Runs of another model version (the source changed since the sweep) are never drawn;
    loading finds none of this model's and says what to do, in one line."""
    import countysim
    from countysim.run import run

    url = f"sqlite:///{tmp_path / 'x.db'}"
    run(["county=tiny", "county.residents=2000", "sim.years=1", "sim.progress=false",
         "+experiment=fig1_policy_packages", f"store.url={url}"])  # fmt: skip
    monkeypatch.syspath_prepend(str(ROOT / "experiments"))
    import figures

    assert figures.load(url, "fig1_policy_packages")["run_id"].nunique() == 1
    monkeypatch.setattr(countysim.provenance, "model_id", lambda: "f" * 32)
    with pytest.raises(SystemExit) as exc:
        figures.load(url, "fig1_policy_packages")
    message = str(exc.value)
    assert "no runs of this model (model_id ffffffffffff)" in message and "\n" not in message
    assert "1 run of other model versions" in message and "run the sweep again" in message
    with pytest.raises(SystemExit, match="no runs of this model") as exc:
        figures.load(url, "fig2_fund_balance")  # none of any version: no second clause
    assert "other model versions" not in str(exc.value)
