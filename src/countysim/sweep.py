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
import time
import traceback
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from countysim import __version__, store
from countysim.params import ConfigError
from countysim.run import one_line, run, scenario_columns, scenario_of

OUTCOME_FILE = "countysim_outcome.json"
_SWEEP_DIRS: list[Path] = []  # sweep folders started in this process (see SweepReport)


def run_point(cfg: DictConfig, choices: dict[str, str], task_overrides: list[str]) -> dict:
    """Run one sweep point; returns its outcome (status completed / skipped / failed)."""
    seed = int(cfg.get("seed", 0))
    url = OmegaConf.select(cfg, "store.url") or store.default_url()
    outcome: dict[str, Any] = {"overrides": task_overrides, "seed": seed, "run_id": None}
    t0 = time.perf_counter()
    try:
        result = run(cfg, choices=choices, task_overrides=task_overrides, resume=True)
    except ConfigError as exc:
        outcome.update(status="failed", error=str(exc))
        key, flat = scenario_of(cfg)
        outcome["run_id"] = store.record_failure(
            url,
            key,
            seed,
            f"ConfigError: {exc}",
            OmegaConf.to_yaml(cfg),
            task_overrides,
            __version__,
            scenario_columns(flat, task_overrides, choices),
        )
    except Exception as exc:  # recorded as failed by run(); the sweep goes on
        outcome.update(status="failed", error=one_line(exc))
        outcome["traceback"] = traceback.format_exc(limit=8)
    else:
        if result is None:
            outcome["status"] = "skipped"
        else:
            outcome.update(status="completed", run_id=result.run_id)
    outcome["wall_seconds"] = time.perf_counter() - t0
    _write_outcome(outcome)
    return outcome


def _write_outcome(outcome: dict) -> None:
    try:
        out = Path(HydraConfig.get().runtime.output_dir)
    except ValueError:  # not under Hydra
        return
    out.mkdir(parents=True, exist_ok=True)
    (out / OUTCOME_FILE).write_text(json.dumps(outcome, default=str), encoding="utf-8")


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


class SweepReport(Callback):
    """Remembers the sweep folder so the launching process can report when all jobs end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Record this sweep's folder (resolved once: Hydra caches `now`)."""
        _SWEEP_DIRS.append(Path(str(config.hydra.sweep.dir)))


def finished_sweeps() -> list[Path]:
    """Sweep folders started in this process (emptied on read)."""
    out = list(_SWEEP_DIRS)
    _SWEEP_DIRS.clear()
    return out
