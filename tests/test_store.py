"""Runs land in SQL with provenance; failures are recorded; metrics load back."""

from __future__ import annotations

import pytest

from countysim import load_facilities, load_metrics, load_runs, run
from countysim.metrics import YEARLY_COLUMNS
from countysim.model import CountyModel


def test_run_is_stored_and_loads_back(db_url):
    r = run(["county=tiny", "sim.years=2", "seed=3", f"store.url={db_url}"])
    df = load_metrics(db_url)
    assert list(df["run_id"].unique()) == [r.run_id]
    assert set(YEARLY_COLUMNS) <= set(df.columns)
    assert df.sort_values("year")["in_county_rate"].tolist() == r.yearly["in_county_rate"].tolist()
    runs = load_runs(db_url)
    row = runs.iloc[0]
    assert row["status"] == "completed" and row["seed"] == 3 and row["county"] == "tiny"
    assert "sim.years=2" in row["overrides"] and "county:" in row["config_yaml"]
    fac = load_facilities(db_url)
    assert len(fac) == len(r.facilities) == 2 * r.facilities["facility_id"].nunique()
    assert fac["revenue_yuan"].sum() == pytest.approx(r.facilities["revenue_yuan"].sum(), rel=1e-12)
    monthly = load_metrics(db_url, monthly=True)
    assert len(monthly) == 24


def test_failed_run_is_recorded_with_its_error(db_url, monkeypatch):
    def boom(self):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(CountyModel, "step", boom)
    with pytest.raises(RuntimeError):
        run(["county=tiny", "sim.years=1", f"store.url={db_url}"])
    runs = load_runs(db_url)
    assert runs["status"].tolist() == ["failed"]
    assert "simulated crash" in runs["error"].iloc[0]
    assert load_metrics(db_url).empty
