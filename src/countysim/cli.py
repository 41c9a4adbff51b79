"""Command-line entry point: `countysim [overrides]` (Hydra), three lines around run()."""

from __future__ import annotations

import logging
import sys

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from countysim.config import register_configs
from countysim.params import ConfigError
from countysim.run import build, compose_config, config_dir, one_line, run
from countysim.sweep import finished_sweeps, report, run_point

register_configs()

SUMMARY_COLUMNS = {
    "residents": ("residents", "{:,.0f}"),
    "visits_per_capita": ("visits/cap", "{:.2f}"),
    "admission_rate": ("admit rate", "{:.1%}"),
    "in_county_rate": ("in-county", "{:.1%}"),
    "inpatient_in_county_rate": ("inpat in-cty", "{:.1%}"),
    "primary_care_share": ("primary", "{:.1%}"),
    "referrals_up": ("ref up", "{:,.0f}"),
    "referrals_down": ("ref down", "{:,.0f}"),
    "untreated_episodes": ("untreated", "{:,.0f}"),
    "oop_per_capita_yuan": ("OOP/cap ¥", "{:,.0f}"),
    "fund_income_yuan": ("fund in M¥", "{:,.1f}"),
    "fund_balance_yuan": ("balance M¥", "{:,.1f}"),
    "fund_balance_ratio": ("balance %", "{:.1%}"),
    "fund_cumulative_balance_yuan": ("cumul. M¥", "{:,.1f}"),
}


def format_summary(yearly: pd.DataFrame) -> str:
    """The per-year summary table printed after a run."""
    table = pd.DataFrame({"year": yearly["year"].astype(int)})
    for col, (label, fmt) in SUMMARY_COLUMNS.items():
        values = yearly[col] / 1e6 if "M¥" in label else yearly[col]
        table[label] = [fmt.format(v) for v in values]
    return table.to_string(index=False)


@hydra.main(version_base="1.3", config_path=config_dir(), config_name="config")
def _entry(cfg: DictConfig) -> float:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    choices = {k: str(v) for k, v in hc.runtime.choices.items() if not k.startswith("hydra")}
    if hc.mode == RunMode.MULTIRUN:
        outcome = run_point(cfg, choices, list(hc.overrides.task))
        label = " ".join(hc.overrides.task) or "defaults"
        detail = outcome.get("error") or f"run {outcome['run_id']}"
        print(f"[{hc.job.num}] {outcome['status']}: {label} ({detail})", flush=True)
        return float("nan")
    try:
        result = run(cfg, choices=choices, task_overrides=list(hc.overrides.task))
    except ConfigError as exc:
        print(f"countysim: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    assert result is not None  # a single run without resume always runs
    county = result.config.county
    print(
        f"countysim {county.name}: {county.residents:,} residents, "
        f"{result.config.sim.years} years, "
        f"seed {result.config.seed}, payment={choices.get('payment')}, "
        f"secondment={choices.get('secondment')}, triage={choices.get('triage')} "
        f"({result.wall_seconds:.1f} s)"
    )
    print(format_summary(result.yearly))
    url = result.config.store.url or "outputs/countysim.db"
    print(f"run {result.run_id} stored in {url}")
    return float(result.summary["in_county_rate"])


def main() -> None:
    """Validate the overrides up front (one-line errors), then hand over to Hydra."""
    argv = sys.argv[1:]
    if not any(a.startswith("-") for a in argv):
        try:
            build(compose_config(argv)[0])
        except (ConfigError, HydraException, OmegaConfBaseException, ValueError) as exc:
            print(f"countysim: error: {one_line(exc)}", file=sys.stderr)
            sys.exit(2)
    _entry()
    code = 0
    for sweep_dir in finished_sweeps():
        text, failed = report(sweep_dir)
        print(text)
        code = max(code, failed)
    if code:
        sys.exit(code)


if __name__ == "__main__":
    main()
