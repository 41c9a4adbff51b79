"""countysim-calibrate: fit the parameters no source gives to the targets, with Optuna.

    countysim-calibrate --space levels --trials 60 --seeds 2 [hydra overrides ...]

Every trial composes the config through Hydra (any override works, e.g. county=xishui or
store.url=...), sets the free parameters of the chosen spaces (research/spaces.py:
SPACES; any other parameter as `key=low:high`, e.g. `--space
behaviour,care.success_base=0.7:0.95`), runs the baseline and any reform arm the targets
need for each seed (seeds are shared across arms and trials: common random numbers) and
scores
sum(((simulated - observed) / scale)^2) over the targets marked `fit`. The study lives in
the same database as the runs (store.url), so it can be resumed (`--trials` is the total
wanted) and run by several workers at once (start the same command again, with
`--worker 1`, `--worker 2`, ... so that their samplers differ).

At the end the best parameters are run again with `--report-seeds` seeds and every target,
fitted or held out, is reported (observed, simulated mean ± 95% CI, relative error, pass);
the report is printed and stored with the study. `--write` writes the fitted values into
configs/config.yaml (a policy's parameter into its group's file, e.g.
configs/secondment/rotation.yaml) as the new defaults, their comment "calibrated: <study>".
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf
from sqlalchemy.exc import SQLAlchemyError

from countysim.config.params import ConfigError
from countysim.research.fitreport import format_report, report_rows
from countysim.research.spaces import SPACES, Free, check_custom, custom, inside, parse_point
from countysim.research.targets import (
    GROUPS,
    PAIRED,
    Simulated,
    Target,
    arms_needed,
    pick,
    read_metric,
    targets_of,
    with_setting,
)
from countysim.research.writeback import fitted_values, param_overrides, write_fit

ALL_GROUPS = ",".join(GROUPS)

DEFAULTS = ("county.residents=100000", "sim.years=2", "sim.progress=false")
SETUP_WAIT_S = 60  # how long a worker waits for the one that created the study to set it up


def with_defaults(overrides: Sequence[str]) -> list[str]:
    """The calibration's defaults (a 100k county, 2 years, quiet) unless overridden."""
    return with_setting(DEFAULTS, overrides)


def space_of(names: str) -> tuple[Free, ...]:
    """The free parameters of comma-separated space names and `key=low:high` items (any
    other parameter, research/spaces.py: custom)."""
    out: list[Free] = []
    for name in names.split(","):
        out.extend((custom(name),) if "=" in name else pick(name, SPACES, "--space"))
    keys = [f.key for f in out]
    if len(set(keys)) < len(keys):
        raise ConfigError(f"--space {names}: a parameter is freed twice")
    return tuple(out)


def evaluate(
    base: Sequence[str],
    params: dict[str, float],
    targets: Sequence[Target],
    seeds: Sequence[int],
) -> dict[str, Simulated]:
    """Each target's simulated values over seeds (effects: arm minus baseline, same seed;
    a case target in its own setting; a paired metric reads both runs)."""
    from countysim.run import RunResult, run

    runs: dict[tuple[tuple[str, ...], tuple[str, ...], int], RunResult] = {}
    applied: set[str] = set()
    for setting, arm in arms_needed(targets):
        overrides = [*with_setting(base, setting), *arm]
        given = param_overrides(overrides, params)
        applied |= {o.split("=", 1)[0] for o in given}
        for seed in seeds:
            result = run([*overrides, *given, f"seed={seed}"], save=False)
            assert isinstance(result, RunResult)
            runs[(setting, arm, seed)] = result
    unused = {Free(k, 0, 0).base for k in params} - applied
    if unused:
        raise ConfigError(
            f"calibration: {', '.join(sorted(unused))} applies to no run of the targets "
            "(a policy's parameter needs a target whose arm runs that policy; a parameter "
            "set to null, e.g. care.travel_scale_min for linear travel, is not fitted)"
        )
    out: dict[str, Simulated] = {}
    for t in targets:
        sim = Simulated()
        for seed in seeds:
            b = runs[(t.setting, (), seed)]
            year = int(b.yearly["year"].max())
            if t.kind == "effect" and t.metric in PAIRED:
                a = runs[(t.setting, t.arm, seed)]
                sim.values.append(PAIRED[t.metric](a.facilities, b.facilities, year))
                continue
            value = read_metric(t.metric, b.yearly, b.facilities, year)
            if t.kind == "effect":
                a = runs[(t.setting, t.arm, seed)]
                arm_value = read_metric(t.metric, a.yearly, a.facilities, year)
                value = (arm_value - value) / value if t.relative else arm_value - value
            sim.values.append(value)
        out[t.name] = sim
    return out


def loss(targets: Sequence[Target], simulated: dict[str, Simulated]) -> float:
    """Sum of squared scaled errors over the targets used to fit."""
    return float(
        sum(((simulated[t.name].mean - t.observed) / t.scale()) ** 2 for t in targets if t.fit)
    )


def current_values(
    base: Sequence[str], targets: Sequence[Target], free: Sequence[Free]
) -> dict[str, float]:
    """Each free parameter's value now, from the first run of the targets that has it (a
    policy's parameter from a run with that policy)."""
    from countysim.config.compose import compose_config

    out: dict[str, float] = {}
    for setting, arm in arms_needed(targets):
        cfg = compose_config([*with_setting(base, setting), *arm])[0]
        for f in free:
            value = OmegaConf.select(cfg, f.base, default=None)
            if f.key not in out and value is not None:
                out[f.key] = 1.0 if f.scale else float(value if f.index is None else value[f.index])
    return out


def _study(url: str, name: str, seed: int) -> tuple[Any, bool]:
    """The study `name` in the store at `url`, and whether this call created it: creating a
    study is atomic (its name is unique in the store), so of workers started together
    exactly one sets a new study up."""
    import optuna

    from countysim.results.database import engine_for

    engine_for(url)  # checks the URL, creates the SQLite folder; one-line StoreError
    kwargs: dict[str, Any] = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for attempt in range(10):
        try:  # workers started together race to create Optuna's tables: the loser retries
            storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
            break
        except SQLAlchemyError:
            if attempt == 9:
                raise
            time.sleep(0.2 * (attempt + 1))
    sampler = optuna.samplers.TPESampler(seed=seed)
    try:
        study = optuna.create_study(
            study_name=name, storage=storage, direction="minimize", sampler=sampler
        )
        return study, True
    except optuna.exceptions.DuplicatedStudyError:
        return optuna.load_study(study_name=name, storage=storage, sampler=sampler), False


def _tell(study: Any, trial: Any, value: float, out: Any) -> bool:
    """Record the trial's loss; False if another worker finished the same trial first (on
    SQLite, Optuna can hand one queued point to two workers started together: the first
    result stands, the same point on the same seeds)."""
    import optuna

    try:
        study.tell(trial, value)
    except (ValueError, optuna.exceptions.UpdateFinishedTrialError):
        print(f"trial {trial.number}: also run by another worker, which finished first",
              file=out)  # fmt: skip
        return False
    return True


def _best_of(url: str, name: str, free: Sequence[Free]) -> dict[str, float]:
    """Best parameters of study `name` in the store at `url` that this space frees, within
    its bounds; a one-line ConfigError if there is no such study or it has none."""
    import optuna

    try:
        other = optuna.load_study(study_name=name, storage=url)
        best = other.best_params
    except (KeyError, ValueError):
        raise ConfigError(f"--start-from {name}: no study of that name with a completed trial "
                          "in this store") from None  # fmt: skip
    start = {f.key: best[f.key] for f in free if f.key in best and inside(free, f.key, best[f.key])}
    if not start:
        raise ConfigError(f"--start-from {name}: its best trial frees none of this space's keys")
    return start


def calibrate(
    overrides: Sequence[str],
    *,
    study_name: str,
    space: str,
    trials: int,
    seeds: int,
    report_seeds: int,
    worker: int = 0,
    groups: str = ALL_GROUPS,
    out: Any = sys.stdout,
    start_from: str | None = None,
    tries: Sequence[str] = (),
) -> tuple[Any, list[dict]]:
    """Run (or resume) the study to `trials` completed trials; return it and the report
    (none with report_seeds=0; one seed gives no CI). `groups`: the target groups fitted
    and reported (levels, effects, cases). `start_from`: a study in the same store whose
    best parameters (those of this space, within its bounds) are the second trial of a new
    study, after the defaults (recorded as the study's `start_from`; a resume ignores it).
    `tries`: points (`key=value,...`; the space's other keys sampled) tried next, in order,
    also recorded (`tried`) and ignored on a resume."""
    import optuna

    from countysim.config.compose import compose_config
    from countysim.results.database import default_url, env_url, masked

    base = with_defaults(overrides)
    free = space_of(space)
    targets = targets_of(groups)
    runs = [[*with_setting(base, setting), *arm] for setting, arm in arms_needed(targets)]
    check_custom(runs, [custom(item) for item in space.split(",") if "=" in item])
    cfg = compose_config(base)[0]
    url = cfg.store.url or env_url() or default_url()
    points = [parse_point(text, free) for text in tries]
    study, created = _study(url, study_name, seed=worker)
    setup = {"space": space, "overrides": base, "seeds": seeds}
    if groups != ALL_GROUPS:
        setup["targets"] = groups
    stored = study.user_attrs.get("setup")
    for _ in range(0 if created else SETUP_WAIT_S * 4):
        if stored is not None:
            break
        time.sleep(0.25)  # the worker that created the study is setting it up
        stored = study.user_attrs.get("setup")
    if stored is None:
        # the first trial is the current defaults: the fit starts from them, and the
        # report can say whether it improved on them (enqueued before the setup is
        # stored, so a study that failed here starts again from the defaults)
        current = current_values(base, targets, free)
        study.enqueue_trial({k: v for k, v in current.items() if inside(free, k, v)})
        if start_from is not None:
            study.enqueue_trial(_best_of(url, start_from, free))
            study.set_user_attr("start_from", start_from)
        for point in points:
            study.enqueue_trial(point)
        if points:
            study.set_user_attr("tried", points)
        study.set_user_attr("setup", setup)
    elif stored != setup:
        raise ConfigError(
            f"--study {study_name}: already holds trials of {stored}; "
            "resume it with the same space, targets, overrides and seeds, or name a new study"
        )
    fit = [t for t in targets if t.fit]
    done = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    print(f"study {study_name} in {masked(url)}: {done} of {trials} trials done", file=out)
    started = time.monotonic()

    def objective(trial: Any) -> float:
        params = {f.key: trial.suggest_float(f.key, f.low, f.high) for f in free}
        sims = evaluate(base, params, fit, range(seeds))
        trial.set_user_attr("simulated", {k: v.mean for k, v in sims.items()})
        return loss(fit, sims)

    def progress(value: float) -> None:
        n = sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
        elapsed = time.monotonic() - started
        print(
            f"[trial {n}/{trials}] loss {value:.3g}, best {study.best_value:.3g} ({elapsed:.0f} s)",
            file=out,
            flush=True,
        )

    complete = (optuna.trial.TrialState.COMPLETE,)
    while len(study.get_trials(deepcopy=False, states=complete)) < trials:
        trial = study.ask()
        try:
            value = objective(trial)
        except BaseException:
            with contextlib.suppress(ValueError, optuna.exceptions.UpdateFinishedTrialError):
                study.tell(trial, state=optuna.trial.TrialState.FAIL)  # keep the error raised
            raise
        if _tell(study, trial, value, out):
            progress(value)
    best = study.best_params
    study.set_user_attr("best_params", best)
    print(f"best of {len(study.trials)} trials (loss {study.best_value:.3g}):", file=out)
    for key, value in fitted_values(base, best).items():
        print(f"  {key} = {value}", file=out)
    if not report_seeds:
        return study, []
    sims = evaluate(base, best, targets, range(100, 100 + report_seeds))
    rows = report_rows(targets, sims)
    study.set_user_attr("report", rows)
    print(f"\nfit report ({report_seeds} fresh seeds):\n{format_report(rows)}", file=out)
    return study, rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="countysim-calibrate",
        description="Fit the free parameters to the targets (Optuna, stored in store.url).",
    )
    parser.add_argument("--study", default="countysim-levels", help="study name (resumed)")
    parser.add_argument(
        "--space",
        default="levels",
        help=f"free parameters: {', '.join(SPACES)}, or key=low:high for any other",
    )
    parser.add_argument(
        "--targets", default=ALL_GROUPS, help="target groups fitted and reported (default all)"
    )
    parser.add_argument("--trials", type=int, default=60, help="completed trials wanted")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per trial (shared)")
    parser.add_argument(
        "--report-seeds", type=int, default=4, help="fresh seeds for the report (0: none)"
    )
    parser.add_argument("--worker", type=int, default=0, help="sampler seed of this worker")
    parser.add_argument("--write", action="store_true", help="write the fit into the configs")
    parser.add_argument(
        "--start-from",
        metavar="STUDY",
        help="a study in the same store whose best trial is tried second (a new study only)",
    )
    parser.add_argument(
        "--try",
        dest="tries",
        action="append",
        default=[],
        metavar="KEY=VALUE,...",
        help="a point tried early (a new study only; repeatable); keys left out are sampled",
    )
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. county=xishui")
    args = parser.parse_args(argv)
    for name, low in (("trials", 1), ("seeds", 1), ("report_seeds", 0)):
        if getattr(args, name) < low:
            print(f"countysim-calibrate: error: --{name.replace('_', '-')} must be >= {low}")
            return 2
    try:
        import optuna  # noqa: F401
    except ImportError:
        print('countysim-calibrate: error: needs Optuna: pip install -e ".[calibrate]"')
        return 2
    try:
        study, _ = calibrate(
            args.overrides,
            study_name=args.study,
            space=args.space,
            trials=args.trials,
            seeds=args.seeds,
            report_seeds=args.report_seeds,
            worker=args.worker,
            groups=args.targets,
            start_from=args.start_from,
            tries=args.tries,
        )
    except ConfigError as exc:
        print(f"countysim-calibrate: error: {exc}", file=sys.stderr)
        return 2
    if args.write:
        from countysim.config.compose import config_dir

        values = fitted_values(with_defaults(args.overrides), study.best_params)
        try:
            for path, keys in write_fit(Path(config_dir()), values, args.study).items():
                print(f"wrote {', '.join(keys)} to {path}")
        except ConfigError as exc:
            print(f"countysim-calibrate: error: {exc}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
