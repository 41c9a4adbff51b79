"""Results that cannot mislead (issue 12): one row per stored run-year, one observation per
(scenario, seed, model), resume and rerun that know the model changed, reading that never
creates anything."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path

import pytest

from countysim import load_metrics, load_runs, rerun, run, summarize
from countysim.results import provenance
from countysim.results.analysis import main as report_main
from countysim.run import RerunMismatch, RunResult, Skipped

TINY1 = ["county=tiny", "sim.years=1"]


def test_load_metrics_has_only_the_years_each_run_has(db_url):
    run([*TINY1, "seed=0", f"store.url={db_url}"])
    run(["county=tiny", "sim.years=2", "seed=1", f"store.url={db_url}"])
    df = load_metrics(db_url)
    assert sorted(df.groupby("run_id")["year"].apply(list).tolist()) == [[0], [0, 1]]
    assert len(df) == 3  # not 4: the 1-year run is not padded to two years


def test_last_year_means_each_runs_own_last_and_refuses_mixed_horizons(db_url):
    run([*TINY1, "seed=0", f"store.url={db_url}"])
    two = run(["county=tiny", "sim.years=2", "seed=1", f"store.url={db_url}"])
    df = load_metrics(db_url)
    with pytest.raises(ValueError, match="different lengths"):
        summarize(df, "county", "in_county_rate", year="last")
    df["years"] = df.groupby("run_id")["year"].transform("max") + 1
    table = summarize(df, ["county", "years"], "in_county_rate", year="last").set_index("years")
    assert table["n"].tolist() == [1, 1]
    assert table.loc[2, "mean"] == two.yearly["in_county_rate"].iloc[1]


def test_a_repeated_point_is_one_observation_and_said_so(db_url):
    first = run([*TINY1, "seed=0", f"store.url={db_url}"])
    run([*TINY1, "seed=0", f"store.url={db_url}"])
    run([*TINY1, "seed=1", f"store.url={db_url}"])
    table = summarize(load_metrics(db_url), "county", "in_county_rate")
    assert table["n"].tolist() == [2] and table["runs"].tolist() == [3]
    assert table.attrs["collapsed"] == 1
    assert first.run_id is not None


def test_the_same_seed_by_two_model_versions_is_refused(db_url):
    run([*TINY1, "seed=0", f"store.url={db_url}"])
    run([*TINY1, "seed=0", f"store.url={db_url}"])
    df = load_metrics(db_url)
    df.loc[df["run_id"] == df["run_id"].max(), "model_id"] = "another model"
    with pytest.raises(ValueError, match="2 model versions"):
        summarize(df, "county", "in_county_rate")


def test_resume_skips_only_points_of_this_model(db_url, monkeypatch):
    args = [*TINY1, "seed=0", f"store.url={db_url}"]
    done = run(args, resume=True)
    assert isinstance(done, RunResult)
    again = run(args, resume=True)
    assert isinstance(again, Skipped) and again.run_id == done.run_id
    monkeypatch.setattr(provenance, "model_id", lambda: "f" * 32)
    changed = run(args, resume=True)  # the model changed: the stored run is not this one's
    assert isinstance(changed, RunResult) and changed.run_id != done.run_id
    monkeypatch.setattr(provenance, "model_id", lambda: "e" * 32)
    anyv = run([*args, "store.reuse_any_version=true"], resume=True)
    assert isinstance(anyv, Skipped)  # asked for explicitly: any model's run counts


def test_every_run_records_its_model_and_dependencies(db_url):
    run([*TINY1, f"store.url={db_url}"])
    row = load_runs(db_url).iloc[0]
    assert row["model_id"] == provenance.model_id() and len(row["model_id"]) == 32
    assert row["version"] == provenance.package_version() and row["version"] != "0.1.0"
    assert set(row["dependencies"]) == set(provenance.DEPENDENCIES)
    assert row["dependencies"]["numpy"] == __import__("numpy").__version__
    assert row["dirty"] in (True, False, None)


def test_model_id_follows_the_model_files_not_the_presentation(tmp_path, monkeypatch):
    names = [n for n, _ in provenance.model_files()]
    assert "countysim/care/routing.py" in names and "configs/config.yaml" in names
    assert "countysim/research/plotting.py" not in names and "countysim/cli.py" not in names
    assert "countysim/research/writeback.py" not in names  # the calibrator's, never run by a model


def test_rerun_reports_what_differs_from_the_stored_run(db_url):
    stored = run([*TINY1, "seed=2", f"store.url={db_url}"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # identical: no warning at all
        same = rerun(stored.run_id, db_url)
    assert same.differences.empty
    path = db_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:
        con.execute(
            "UPDATE yearly_metrics SET value = value + 0.01 WHERE metric = 'in_county_rate'"
        )
    with pytest.warns(RerunMismatch, match="in_county_rate"):
        changed = rerun(stored.run_id, db_url)
    assert changed.differences["metric"].tolist() == ["in_county_rate"]


def test_report_groups_runs_by_their_resolved_scenario(db_url, capsys):
    run([*TINY1, "seed=0", f"store.url={db_url}"])
    run([*TINY1, "seed=1", "payment=fee_for_service", f"store.url={db_url}"])  # same scenario
    assert report_main([db_url, "--metric", "in_county_rate"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("2 completed runs")
    assert len(lines) == 3 and lines[2].split()[1:3] == ["2", "2"]  # one row: 2 seeds, 2 runs


def test_report_reads_without_creating_and_errors_in_one_line(tmp_path, db_url, capsys):
    missing = tmp_path / "missing.db"
    assert report_main([f"sqlite:///{missing}"]) == 2
    assert not missing.exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "store.url" in err
    run([*TINY1, f"store.url={db_url}"])
    assert report_main([db_url, "--year", "7"]) == 1
    assert "no stored run has year 7" in capsys.readouterr().err


def test_report_help_shows_a_percent_sign(capsys):
    with pytest.raises(SystemExit):
        report_main(["--help"])
    out = capsys.readouterr().out
    assert "95% CI" in out and "%%" not in out


def test_pyproject_takes_the_version_from_git():
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and 'source = "vcs"' in text
    assert "networkx" not in text and "pyyaml" not in text
