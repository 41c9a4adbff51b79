"""run(cfg) -> RunResult: the plain function behind the CLI, tests and notebooks."""

from __future__ import annotations

import os
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf, open_dict

from countysim.config.compose import (  # noqa: F401 (re-exported: run's public names)
    NOT_SCENARIO,
    POLICY_GROUPS,
    build,
    check_overrides,
    compose_config,
    config_dir,
    one_line,
    scenario_of,
)
from countysim.config.params import ConfigError  # noqa: F401
from countysim.config.schema import Config
from countysim.results import provenance, store


@dataclass
class RunResult:
    """Everything one run produced."""

    run_id: int | None
    config: Config
    yearly: pd.DataFrame
    monthly: pd.DataFrame
    facilities: pd.DataFrame
    ledger: pd.DataFrame
    summary: dict[str, float]
    wall_seconds: float
    differences: pd.DataFrame = field(default_factory=pd.DataFrame)  # set by rerun()


def _progress_bar(cfg: Config, total: int) -> tuple[Callable[[int], None] | None, Any]:
    if not cfg.sim.progress or os.environ.get("CI") or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="day", desc=f"{cfg.county.name} seed {cfg.seed}", leave=False)
    return (lambda day: bar.update(1)), bar


def simulate(model: Any, heartbeat: Callable[[], None] | None = None) -> dict[str, pd.DataFrame]:
    """Run a built model to the end (calling `heartbeat()` daily); returns its tables."""
    progress, bar = _progress_bar(model.cfg, model.n_days)
    if heartbeat is not None:
        shown = progress

        def progress(day: int) -> None:
            heartbeat()
            if shown is not None:
                shown(day)

    try:
        model.run(progress)
    finally:
        if bar is not None:
            bar.close()
        model.release()
    fac = model.county.facilities
    tables = {
        "yearly": model.metrics.yearly(model.fund),
        "monthly": model.metrics.monthly(),
        "facilities": model.metrics.facility_yearly(
            fac.name, fac.level, model.cfg.providers.variable_cost_share, fac.consortium
        ),
        "ledger": model.ledger.to_frame(),
    }
    return tables


@dataclass
class Skipped:
    """A sweep point not run because the store already has it (`reason`) as run `run_id`."""

    run_id: int
    reason: str


def stored_config_yaml(cfg: DictConfig) -> str:
    """The config as stored with a run: without Hydra's node and without store settings
    (a database URL can hold a password and does not shape results)."""
    keep = [str(k) for k in cfg if k not in ("hydra", "store")]
    return OmegaConf.to_yaml(OmegaConf.masked_copy(cfg, keep))


def stored_overrides(overrides: Sequence[str]) -> list[str]:
    """Overrides as stored: any store.* override is left out (it may carry a password)."""
    return [o for o in overrides if not o.lstrip("+~").startswith("store")]


def run(
    overrides: Sequence[str] | DictConfig = (),
    *,
    save: bool = True,
    task_overrides: Sequence[str] | None = None,
    choices: dict[str, str] | None = None,
    resume: bool = False,
) -> RunResult | Skipped:
    """Compose, validate, simulate and store one run.

    `overrides` are Hydra overrides (e.g. ["county=tiny", "seed=3"]) or a composed config.
    A bad value (config or store.url) raises ConfigError before anything is simulated; a
    crash mid-run is recorded as a failed run in the store and re-raised. With `resume`
    (sweeps), a point whose scenario and seed already completed *with this model*
    (provenance.model_id; any model with store.reuse_any_version=true), or is running in a
    live process, is skipped: returns Skipped(run_id, reason). An interrupted or failed row
    of the same point is reused.
    """
    if isinstance(overrides, DictConfig):
        dcfg, choices = overrides, dict(choices or {})
    else:
        dcfg, choices = compose_config(overrides)
    given = list(
        task_overrides
        if task_overrides is not None
        else ([] if isinstance(overrides, DictConfig) else overrides)
    )
    typed, policies = build(dcfg)
    url = typed.store.url or store.env_url() or store.default_url()
    key, scenario = scenario_of(dcfg)
    fields: dict[str, Any] = {}
    if save:
        store.engine_for(url)  # a bad store.url is a one-line StoreError before any day
        fields = dict(
            config_yaml=stored_config_yaml(dcfg),
            scenario=scenario_columns(scenario, given, choices),
            overrides=stored_overrides(given),
            warnings=[],
            **provenance.record(),
        )
    run_id = None
    if save and resume:
        claim = store.claim_run(
            url, key, typed.seed, any_version=typed.store.reuse_any_version, **fields
        )
        if not claim.claimed:
            return Skipped(claim.run_id, claim.reason)
        run_id = claim.run_id
    from countysim.model import CountyModel

    try:
        model = CountyModel(typed, policies)  # policies' setup checks raise here, before any day
    except BaseException as exc:
        if run_id is not None:
            store.fail_run(url, run_id, one_line(exc), 0.0)
        raise
    if save and run_id is None:
        run_id = store.start_run(url, scenario_key=key, seed=typed.seed, **fields)
    t0 = time.perf_counter()
    try:
        tables = simulate(model, _heartbeat(url, run_id))
    except BaseException as exc:
        if run_id is not None:
            err = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            store.fail_run(url, run_id, err, time.perf_counter() - t0)
        raise
    wall = time.perf_counter() - t0
    if run_id is not None:
        store.complete_run(
            url, run_id, tables["yearly"], tables["monthly"], tables["facilities"], wall
        )
    yearly = tables["yearly"]
    summary = {k: float(v) for k, v in yearly.iloc[-1].items()}
    return RunResult(
        run_id,
        typed,
        yearly,
        tables["monthly"],
        tables["facilities"],
        tables["ledger"],
        summary,
        wall,
    )


def _heartbeat(url: str, run_id: int | None) -> Callable[[], None] | None:
    """A callable the model calls every simulated day: every HEARTBEAT_SECONDS it tells
    the store that this run's process is alive (see store.claim_run's lease)."""
    if run_id is None:
        return None
    last = [time.monotonic()]

    def beat() -> None:
        now = time.monotonic()
        if now - last[0] >= store.HEARTBEAT_SECONDS:
            last[0] = now
            store.heartbeat(url, run_id)

    return beat


def config_from_yaml(text: str) -> DictConfig:
    """A stored run's config (its `config_yaml`) as a composed, typed config again."""
    merged = OmegaConf.merge(OmegaConf.structured(Config), OmegaConf.create(text))
    assert isinstance(merged, DictConfig)
    return merged


def rerun(run_id: int, url: str | None = None, *, save: bool = False) -> RunResult:
    """Re-run a stored run from its stored config and compare with what was stored.

    The same model and seed give identical metrics. Any metric that differs is reported
    (a warning naming the metrics, the stored and current model ids) and returned as
    `result.differences` (year, metric, stored, rerun); empty when they agree.
    """
    from sqlalchemy.orm import Session

    with Session(store.engine_for(url, create=False)) as s:
        row = s.get(store.Run, int(run_id))
        if row is None:
            raise KeyError(f"run {run_id} is not in {store.masked(url or store.default_url())}")
        text, scenario = row.config_yaml, dict(row.scenario or {})
        stored_model, status = row.model_id, row.status
    cfg = config_from_yaml(text)
    if url is not None:
        with open_dict(cfg):
            cfg.store.url = url
    choices = {g: str(scenario.get(g)) for g in ("county", *POLICY_GROUPS) if scenario.get(g)}
    result = run(cfg, save=save, choices=choices, task_overrides=[])
    assert isinstance(result, RunResult)
    if status == "completed":
        stored = store.load_metrics(url)
        stored = stored[stored["run_id"] == int(run_id)]
        result.differences = compare_yearly(stored, result.yearly)
        if not result.differences.empty:
            names = sorted(set(result.differences["metric"]))
            warnings.warn(
                f"rerun of run {run_id} differs from the stored run in {len(names)} metrics "
                f"({', '.join(names[:5])}{', ...' if len(names) > 5 else ''}); stored model "
                f"{stored_model or 'unknown'}, this model {provenance.model_id()}",
                RerunMismatch,
                stacklevel=2,
            )
    return result


class RerunMismatch(UserWarning):
    """A rerun's metrics differ from the stored run's (the model or its inputs changed)."""


def compare_yearly(stored: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """(year, metric, stored, rerun) of every yearly value that is not identical (NaN = NaN)."""
    rows = []
    by_year = stored.set_index("year")
    for _, new in fresh.iterrows():
        year = int(new["year"])
        for metric, value in new.items():
            if metric == "year":
                continue
            old = (
                by_year.at[year, metric]
                if year in by_year.index and metric in by_year.columns
                else None
            )
            same = old is not None and (
                float(old) == float(value) or (pd.isna(old) and pd.isna(value))
            )
            if not same:
                rows.append({"year": year, "metric": metric, "stored": old, "rerun": value})
    return pd.DataFrame(rows, columns=["year", "metric", "stored", "rerun"])


def scenario_columns(
    flat: dict[str, Any], overrides: Sequence[str], choices: dict[str, str]
) -> dict[str, Any]:
    """Scenario columns stored with a run: chosen group options and every overridden value."""
    cols: dict[str, Any] = {g: choices.get(g) for g in ("county", *POLICY_GROUPS)}
    for group, option in choices.items():  # e.g. package=bundled_gatekeeping
        if group not in cols and group != "store" and option not in (None, "None"):
            cols[group] = option
    for ov in overrides:
        name = ov.lstrip("+~").partition("=")[0]
        if name in flat and name != "seed" and not name.startswith("store"):
            cols[name] = flat[name]
    return cols
