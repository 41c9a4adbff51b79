"""Sweeps: one Hydra multirun job is one run; completed points are skipped, failures recorded.

`countysim -m payment=fee_for_service,bundled seed='range(10)'` launches the points with
the default launcher (joblib, one job per core). Each job
* skips its point if the store already holds a `completed` run with the same scenario key
  and seed (so relaunching an interrupted sweep resumes it);
* otherwise claims the point (reusing a `running` row left by a killed sweep or a `failed`
  one), runs it and stores its metrics;
* records a config error or a crash as a `failed` run with its error message, without
  stopping the other jobs;
* leaves a small outcome file in its Hydra output folder, from which the launching process
  prints `sweep: N points, C completed, S skipped, F failed` at the end (and exits 1 if any
  point failed).
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from countysim.config.params import MAX_SEED, ConfigError
from countysim.results import provenance, store
from countysim.results.store import StoreError
from countysim.run import (
    Skipped,
    one_line,
    run,
    scenario_columns,
    scenario_of,
    stored_config_yaml,
    stored_overrides,
)

OUTCOME_FILE = "countysim_outcome.json"
TOTAL_FILE = "countysim_sweep.json"  # points launched and the start time, for progress
_SWEEP_DIRS: list[Path] = []  # sweep folders started in this process (see SweepReport)


def run_point(cfg: DictConfig, choices: dict[str, str], task_overrides: list[str]) -> dict:
    """Run one sweep point; returns its outcome (status completed / skipped / failed)."""
    shown = stored_overrides(task_overrides)
    outcome: dict[str, Any] = {"overrides": shown, "run_id": None}
    t0 = time.perf_counter()
    try:
        result = run(cfg, choices=choices, task_overrides=task_overrides, resume=True)
    except StoreError as exc:  # the store itself is unusable: nothing can be recorded there
        outcome.update(status="failed", error=str(exc))
    except ConfigError as exc:
        outcome.update(status="failed", error=str(exc))
        outcome["run_id"] = _record_config_error(cfg, choices, task_overrides, str(exc))
    except Exception as exc:  # recorded as failed by run(); the sweep goes on
        outcome.update(status="failed", error=one_line(exc))
        outcome["traceback"] = traceback.format_exc(limit=8)
    else:
        if isinstance(result, Skipped):
            outcome.update(status="skipped", run_id=result.run_id, reason=result.reason)
        else:
            outcome.update(status="completed", run_id=result.run_id)
    outcome["wall_seconds"] = time.perf_counter() - t0
    _write_outcome(outcome)
    return outcome


def _record_config_error(
    cfg: DictConfig, choices: dict[str, str], task_overrides: list[str], error: str
) -> int | None:
    """Store a point whose config was refused as a `failed` run (None if the store cannot
    take it, e.g. a seed beyond its integer range)."""
    url = OmegaConf.select(cfg, "store.url") or store.env_url() or store.default_url()
    seed = OmegaConf.select(cfg, "seed")
    seed = seed if isinstance(seed, int) and 0 <= seed <= MAX_SEED else -1
    try:
        key, flat = scenario_of(cfg)
        scenario = scenario_columns(flat, task_overrides, choices)
        text = stored_config_yaml(cfg)
    except Exception:  # the config cannot even be resolved: keep what was typed
        key, scenario, text = "unresolved", {}, ""
    try:
        return store.record_failure(
            url,
            key,
            seed,
            f"ConfigError: {error}",
            config_yaml=text,
            scenario=scenario,
            overrides=stored_overrides(task_overrides),
            **provenance.record(),
        )
    except StoreError:
        return None


def _write_outcome(outcome: dict) -> None:
    try:
        out = Path(HydraConfig.get().runtime.output_dir)
    except ValueError:  # not under Hydra
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / OUTCOME_FILE).write_text(json.dumps(outcome, default=str), encoding="utf-8")


def add_to_total(sweep_dir: str, points: int) -> None:
    """Record a launched batch (called by the sweeper in the launching process)."""
    path = Path(sweep_dir) / TOTAL_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    state = json.loads(path.read_text()) if path.is_file() else {"total": 0, "start": time.time()}
    state["total"] += points
    path.write_text(json.dumps(state), encoding="utf-8")


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def progress_line(sweep_dir: Path) -> str:
    """`done/total, elapsed, ~remaining` of the whole sweep, from the outcome files so far."""
    path = sweep_dir / TOTAL_FILE
    if not path.is_file():
        return ""
    state = json.loads(path.read_text(encoding="utf-8"))
    done = len(list(sweep_dir.glob(f"*/{OUTCOME_FILE}")))
    total = max(int(state["total"]), done)
    elapsed = time.time() - float(state["start"])
    left = elapsed / done * (total - done) if done else float("nan")
    eta = f", ~{_clock(left)} left" if done < total and done else ""
    return f"{done}/{total} points, {_clock(elapsed)} elapsed{eta}"


def collect(sweep_dir: Path) -> dict[str, Any]:
    """Counts of the outcomes written under a sweep folder."""
    files = sorted(sweep_dir.glob(f"*/{OUTCOME_FILE}"))
    outcomes = [json.loads(p.read_text(encoding="utf-8")) for p in files]
    statuses = ("completed", "skipped", "failed")
    counts = {s: sum(o["status"] == s for o in outcomes) for s in statuses}
    errors = [
        f"{' '.join(o['overrides'])}: {o.get('error')}" for o in outcomes if o["status"] == "failed"
    ]
    return {"points": len(outcomes), **counts, "errors": errors}


def report(sweep_dir: Path) -> tuple[str, int]:
    """The end-of-sweep summary line(s) and the exit code (1 if any point failed)."""
    c = collect(sweep_dir)
    lines = [
        f"sweep: {c['points']} points, {c['completed']} completed, {c['skipped']} skipped "
        f"(already completed in the store), {c['failed']} failed  [{sweep_dir}]"
    ]
    lines += [f"  failed: {e}" for e in c["errors"][:10]]
    if len(c["errors"]) > 10:
        lines.append(f"  ... and {len(c['errors']) - 10} more (load_runs(url), status 'failed')")
    return "\n".join(lines), int(c["failed"] > 0)


def mask_passwords_in_logs() -> None:
    """Mask database passwords in every log record this process creates.

    A record factory, not a handler filter: launchers reconfigure logging (the joblib
    launcher calls dictConfig before printing its `#0 : ... store.url=...` lines), which
    drops handlers and their filters but not the factory. Idempotent."""
    old = logging.getLogRecordFactory()
    if getattr(old, "countysim_masks", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = old(*args, **kwargs)
        text = record.getMessage()
        masked_text = store.mask_text(text)
        if masked_text != text:
            record.msg, record.args = masked_text, ()
        return record

    factory.countysim_masks = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def mask_passwords_in_file(path: Path) -> None:
    """Rewrite a file Hydra wrote (e.g. multirun.yaml) with passwords masked."""
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        masked_text = store.mask_text(text)
        if masked_text != text:
            path.write_text(masked_text, encoding="utf-8")


class SweepReport(Callback):
    """Remembers the sweep folder so the launching process can report when all jobs end;
    masks database passwords in Hydra's launch log and in its multirun.yaml."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Record this sweep's folder (resolved once: Hydra caches `now`)."""
        _SWEEP_DIRS.append(Path(str(config.hydra.sweep.dir)))
        mask_passwords_in_logs()


def finished_sweeps() -> list[Path]:
    """Sweep folders started in this process (emptied on read)."""
    out = list(_SWEEP_DIRS)
    _SWEEP_DIRS.clear()
    return out
