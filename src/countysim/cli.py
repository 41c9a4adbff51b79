"""Command-line entry point: `countysim [overrides]` (Hydra), three lines around run()."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import hydra
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, open_dict
from omegaconf.errors import OmegaConfBaseException

from countysim.config.params import ConfigError
from countysim.config.schema import register_configs
from countysim.results.store import env_url, masked
from countysim.run import RunResult, build, compose_config, config_dir, one_line, run
from countysim.sweep import (
    finished_sweeps,
    mask_passwords_in_logs,
    progress_line,
    report,
    run_point,
)

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


def run_header(result: RunResult, choices: dict[str, str]) -> str:
    """The line printed above a run's table."""
    county = result.config.county
    return (
        f"countysim {county.name}: {county.residents:,} residents, "
        f"{result.config.sim.years} years, "
        f"seed {result.config.seed}, payment={choices.get('payment')}, "
        f"secondment={choices.get('secondment')}, triage={choices.get('triage')} "
        f"({result.wall_seconds:.1f} s)"
    )


@hydra.main(version_base="1.3", config_path=config_dir(), config_name="config")
def _entry(cfg: DictConfig) -> float:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    choices = {k: str(v) for k, v in hc.runtime.choices.items() if not k.startswith("hydra")}
    if hc.mode == RunMode.MULTIRUN:
        with open_dict(cfg):
            cfg.sim.progress = False  # one line per point below, not a bar per worker
        outcome = run_point(cfg, choices, list(hc.overrides.task))
        label = " ".join(outcome["overrides"]) or "defaults"
        detail = outcome.get("error") or (
            f"stored run {outcome['run_id']}, {outcome['reason']}"
            if outcome["status"] == "skipped"
            else f"run {outcome['run_id']}"
        )
        where = progress_line(Path(hc.runtime.output_dir).parent)
        print(f"[{where}] {outcome['status']}: {label} ({detail})", flush=True)
        return float("nan")
    try:
        result = run(cfg, choices=choices, task_overrides=list(hc.overrides.task))
    except ConfigError as exc:
        print(f"countysim: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    assert isinstance(result, RunResult)  # a single run without resume always runs
    print(run_header(result, choices))
    print(format_summary(result.yearly))
    url = result.config.store.url or env_url() or "outputs/countysim.db"
    print(f"run {result.run_id} stored in {masked(url)}")
    return float(result.summary["in_county_rate"])


def sweep_sample(overrides: list[str], cap: int = 20) -> list[list[str]]:
    """Plain override lists that together hold every value of every sweep at least once
    (a long range: its first and last values); glob sweeps are left to Hydra."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import ValueType

    plain: list[str] = []
    swept: list[tuple[str, list[str]]] = []
    for o in OverridesParser.create().parse_overrides(overrides):
        if not o.is_sweep_override():
            plain.append(str(o.input_line))
        elif o.value_type != ValueType.GLOB_CHOICE_SWEEP:
            values = list(o.sweep_string_iterator())
            values = values if len(values) <= cap else [values[0], values[-1]]
            swept.append((o.get_key_element(), values))
    width = max((len(v) for _, v in swept), default=1)
    return [plain + [f"{k}={v[i % len(v)]}" for k, v in swept] for i in range(width)]


def main() -> None:
    """Validate the overrides up front (one-line errors, exit 2), then hand over to Hydra.

    A single run is composed and fully validated; a sweep (-m) is composed at a sample that
    holds every swept value, so an unknown key, option or unparsable value stops it with the
    same one line before any job (values out of range fail their points, stored as failed).
    """
    mask_passwords_in_logs()  # Hydra logs the overrides, store.url included
    argv = sys.argv[1:]
    flags = [a for a in argv if a.startswith("-")]
    overrides = [a for a in argv if not a.startswith("-")]
    sweeping = any(f in ("-m", "--multirun") for f in flags)
    if not flags or (sweeping and set(flags) <= {"-m", "--multirun"}):
        try:
            for point in sweep_sample(overrides) if sweeping else [overrides]:
                cfg = compose_config(point)[0]
                if not sweeping:
                    build(cfg)
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
