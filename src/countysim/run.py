"""run(cfg) -> RunResult: the plain function behind the CLI, tests and notebooks."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

from countysim import store
from countysim.config import Config, register_configs
from countysim.params import ConfigError, validate
from countysim.policies import Policy

POLICY_GROUPS = ("payment", "secondment", "triage")
NOT_SCENARIO = ("seed", "store", "sim.progress")


def config_dir() -> str:
    """Absolute path of the Hydra config directory (installed copy, else the repo's)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "configs", here.parents[1] / "configs"):
        if (cand / "config.yaml").is_file():
            return str(cand)
    raise FileNotFoundError("countysim configs/ not found next to the package or the repo")


def compose_config(overrides: Sequence[str] = ()) -> tuple[DictConfig, dict[str, str]]:
    """Compose the config from configs/ with Hydra overrides; also the chosen group options."""
    register_configs()
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=config_dir(), version_base="1.3"):
            cfg = compose(config_name="config", overrides=list(overrides), return_hydra_config=True)
    finally:
        GlobalHydra.instance().clear()
    choices = {k: str(v) for k, v in cfg.hydra.runtime.choices.items() if not k.startswith("hydra")}
    with open_dict(cfg):
        del cfg["hydra"]
    return cfg, choices


def _fields_of(dotted: str) -> list[str]:
    """Field names of the config node at `dotted` in the default config (for error hints)."""
    try:
        node: Any = compose_config(())[0]
        for part in dotted.split("."):
            node = node[part]
        return [str(k) for k in node]
    except Exception:  # a hint only; never mask the original error
        return []


def one_line(exc: BaseException) -> str:
    """A one-line description of a configuration error, naming the field."""
    if isinstance(exc, ConfigError):
        return str(exc)
    text = str(exc).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    first = lines[0] if lines else type(exc).__name__
    missing = re.search(r"Could not find '([\w/]+)/(\w+)'", text)
    if missing:
        group, option = missing.groups()
        avail = re.search(r"Available options in '[\w/]+':\s*((?:\s*\w+)+)", text)
        names = [n for n in (avail.group(1).split() if avail else []) if not n.startswith("base_")]
        if "Config" in names:
            names = names[: names.index("Config")]
        return f"{group}={option}: unknown option; available: {', '.join(names)}"
    unknown = re.search(r"Could not override '([\w.]+)'", text)
    if unknown:
        key = unknown.group(1)
        parent, _, leaf = key.rpartition(".")
        allowed = _fields_of(parent) if parent else []
        hint = f"; fields of {parent}: {', '.join(allowed)}" if allowed else ""
        return f"{key}: unknown config field '{leaf}'{hint}"
    merging = re.search(r"Error merging override (\S+)", text)
    if merging:
        cause = exc.__cause__
        reason = str(cause).strip().splitlines()[0] if cause else ""
        key = getattr(cause, "full_key", None) or merging.group(1).split("=")[0]
        return f"{key}: {reason or 'invalid value'} ({merging.group(1)})"
    key = getattr(exc, "full_key", None)
    if key and key not in first:
        first = f"{key}: {first}"
    return first


def build(cfg: DictConfig) -> tuple[Config, list[Policy]]:
    """Typed Config and instantiated policies from a composed config; raises ConfigError."""
    try:
        typed = OmegaConf.to_object(cfg)
    except (OmegaConfBaseException, HydraException, ValueError, TypeError) as exc:
        raise ConfigError(one_line(exc)) from None
    if not isinstance(typed, Config):
        raise ConfigError("config root is not a countysim Config")
    validate(typed, "")
    policies: list[Policy] = []
    for group in POLICY_GROUPS:
        node = getattr(typed, group)
        if not isinstance(node, dict) or "_target_" not in node:
            raise ConfigError(
                f"{group}: needs a _target_ policy class (choose an option of {group}/)"
            )
        try:
            policy = instantiate(node, _convert_="all")
        except Exception as exc:  # hydra wraps the constructor's TypeError
            msg = str(exc).splitlines()[0]
            cause = exc.__cause__ or exc
            if "unexpected keyword argument" in str(cause):
                field_name = str(cause).rsplit("argument", 1)[-1].strip(" '\"")
                msg = f"{group}.{field_name}: unknown parameter of {node['_target_']}"
            raise ConfigError(msg) from None
        validate(policy, group)
        policies.append(policy)
    return typed, policies


def scenario_of(cfg: DictConfig) -> tuple[str, dict[str, Any]]:
    """(stable key, flat parameters) of a config without seed/store/output settings."""
    data = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(data, dict)
    data.pop("hydra", None)
    flat: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k in sorted(node):
                walk(node[k], f"{prefix}.{k}" if prefix else str(k))
        else:
            flat[prefix] = node

    walk(data, "")
    flat = {
        k: v
        for k, v in flat.items()
        if not any(k == n or k.startswith(n + ".") for n in NOT_SCENARIO)
    }
    key = hashlib.sha256(json.dumps(flat, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return key, flat


@functools.cache
def _git_commit() -> str | None:
    """The source tree's commit (once per process), or None outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


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


def _progress_bar(cfg: Config, total: int) -> tuple[Callable[[int], None] | None, Any]:
    if not cfg.sim.progress or os.environ.get("CI") or not sys.stderr.isatty():
        return None, None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="day", desc=f"{cfg.county.name} seed {cfg.seed}", leave=False)
    return (lambda day: bar.update(1)), bar


def simulate(model: Any) -> dict[str, pd.DataFrame]:
    """Run a built model to the end; returns its result tables."""
    progress, bar = _progress_bar(model.cfg, model.n_days)
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


def run(
    overrides: Sequence[str] | DictConfig = (),
    *,
    save: bool = True,
    task_overrides: Sequence[str] | None = None,
    choices: dict[str, str] | None = None,
    resume: bool = False,
) -> RunResult | None:
    """Compose, validate, simulate and store one run.

    `overrides` are Hydra overrides (e.g. ["county=tiny", "seed=3"]) or a composed config.
    A bad value raises ConfigError before anything is simulated; a crash mid-run is
    recorded as a failed run in the store and re-raised. With `resume` (sweeps), a point
    whose scenario and seed already completed in the store is skipped (returns None), and
    an interrupted or failed row of the same point is reused.
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
    url = typed.store.url or store.default_url()
    key, scenario = scenario_of(dcfg)
    if save and resume and store.completed_run(url, key, typed.seed) is not None:
        return None
    from countysim.model import CountyModel

    model = CountyModel(typed, policies)  # policies' setup checks raise here, before any day
    run_id = None
    if save:
        yaml_text = OmegaConf.to_yaml(
            OmegaConf.masked_copy(dcfg, [str(k) for k in dcfg if k != "hydra"])
        )
        from countysim import __version__

        fields = dict(
            config_yaml=yaml_text,
            scenario=scenario_columns(scenario, given, choices),
            overrides=given,
            version=__version__,
            git_commit=_git_commit(),
        )
        if resume:
            run_id = store.claim_run(url, key, typed.seed, **fields)
            if run_id is None:  # completed by another job meanwhile
                model.release()
                return None
        else:
            run_id = store.start_run(url, scenario_key=key, seed=typed.seed, **fields)
    t0 = time.perf_counter()
    try:
        tables = simulate(model)
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


def config_from_yaml(text: str) -> DictConfig:
    """A stored run's config (its `config_yaml`) as a composed, typed config again."""
    merged = OmegaConf.merge(OmegaConf.structured(Config), OmegaConf.create(text))
    assert isinstance(merged, DictConfig)
    return merged


def rerun(run_id: int, url: str | None = None, *, save: bool = False) -> RunResult:
    """Re-run a stored run from its stored config (same seed: identical metrics)."""
    from sqlalchemy.orm import Session

    with Session(store.engine_for(url)) as s:
        row = s.get(store.Run, int(run_id))
        if row is None:
            raise KeyError(f"run {run_id} is not in {url or store.default_url()}")
        text, scenario = row.config_yaml, dict(row.scenario or {})
    choices = {g: str(scenario.get(g)) for g in ("county", *POLICY_GROUPS) if scenario.get(g)}
    result = run(config_from_yaml(text), save=save, choices=choices, task_overrides=[])
    assert result is not None
    return result


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
