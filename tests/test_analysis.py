"""Across-seed summaries: mean, sd and a t-based 95% interval per scenario; the report command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from countysim import run, summarize
from countysim.results.analysis import main as report_main


def _frame() -> pd.DataFrame:
    rows = []
    values = {"a": [1.0, 2.0, 4.0], "b": [10.0, 10.0, 13.0]}
    run_id = 0
    for arm, xs in values.items():
        for x in xs:
            run_id += 1
            for year in range(2):
                # year 1 is year 0 + 1: the mean over years is x + 0.5
                rows.append({"run_id": run_id, "year": year, "payment": arm, "m": x + year})
    return pd.DataFrame(rows)


def test_summarize_gives_mean_sd_and_t_interval_per_scenario():
    table = summarize(_frame(), by="payment", metric="m").set_index("payment")
    for arm, xs in {"a": [1.0, 2.0, 4.0], "b": [10.0, 10.0, 13.0]}.items():
        x = np.asarray(xs) + 0.5
        half = stats.t.ppf(0.975, 2) * x.std(ddof=1) / np.sqrt(3)
        row = table.loc[arm]
        assert row["n"] == 3
        assert row["mean"] == pytest.approx(x.mean())
        assert row["sd"] == pytest.approx(x.std(ddof=1))
        assert row["ci_low"] == pytest.approx(x.mean() - half)
        assert row["ci_high"] == pytest.approx(x.mean() + half)
    last = summarize(_frame(), by=["payment"], metric=["m"], year="last").set_index("payment")
    assert last.loc["a", "mean"] == pytest.approx(np.mean([2.0, 3.0, 5.0]))
    with pytest.raises(KeyError, match="nope"):
        summarize(_frame(), by="nope", metric="m")


def test_report_command_prints_the_table_of_a_database(db_url, capsys):
    for seed in (0, 1):
        for payment in ("fee_for_service", "bundled"):
            run(
                [
                    "county=tiny",
                    "sim.years=1",
                    f"seed={seed}",
                    f"payment={payment}",
                    f"store.url={db_url}",
                ]
            )
    assert report_main([db_url, "--metric", "fund_balance_ratio"]) == 0
    out = capsys.readouterr().out
    assert "4 completed runs" in out
    header, *rows = out.splitlines()[1:]
    assert header.split() == ["payment", "seeds", "runs", "fund_balance_ratio"]
    assert sorted(r.split()[0] for r in rows) == ["bundled", "fee_for_service"]
    assert all(r.split()[1:3] == ["2", "2"] for r in rows)  # 2 seeds from 2 stored runs
    assert report_main([db_url, "--metric", "no_such_metric"]) == 2


def test_report_facilities_shows_decisions_and_net_income(db_url, capsys):
    from countysim.results.analysis import facility_summary, main

    for payment in ("fee_for_service", "bundled"):
        run(["county=tiny", "sim.years=1", f"payment={payment}", f"store.url={db_url}"])
    table = facility_summary(db_url, ["payment"])
    assert set(table["level"]) == {"village", "township", "county", "out_of_county"}
    assert (table["runs"] == 1).all()
    county = table[table["level"] == "county"].set_index("payment")
    # bundled: the county hospitals bear part of what a marginal admission costs the budget
    assert county.loc["bundled", "admission"] < county.loc["fee_for_service", "admission"]
    assert main([db_url, "--facilities"]) == 0
    out = capsys.readouterr().out
    assert "net_income_yuan" in out and "down_referral" in out
