"""countysim-calibrate: targets read from runs, the loss, the stored and resumable study,
several workers on one study, and fitted values written as defaults (issue 13)."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from omegaconf import OmegaConf

from countysim import run
from countysim.config.compose import config_dir
from countysim.config.params import ConfigError
from countysim.research import calibrate as cal
from countysim.research import writeback as wb
from countysim.research.fitreport import format_report, report_rows
from countysim.research.spaces import parse_point
from countysim.research.targets import (
    CASES,
    EFFECTS,
    LEVELS,
    XISHUI_CASE,
    Simulated,
    Target,
    arms_needed,
    key_township_daily_visits_before,
    key_township_revenue_ratio,
    key_township_visits_ratio,
    read_metric,
    with_setting,
)

optuna = pytest.importorskip("optuna")

TINY = ["county=tiny", "county.residents=3000", "sim.years=1"]


def test_a_target_passes_inside_its_band_or_its_tolerance():
    t = Target("x", "level", 10.0, 9.5, 10.2, "s", True, "m")
    assert t.passes(9.5) and t.passes(10.2)  # the band
    assert t.passes(10.9) and not t.passes(11.1)  # ±10% of 10
    assert t.scale() == pytest.approx(1.0)
    near_zero = Target("r", "level", 0.01, -0.02, 0.07, "s", False, "m", band_only=True)
    assert near_zero.passes(-0.019) and not near_zero.passes(-0.021)
    assert near_zero.scale() == pytest.approx(0.045)
    effect = Target("e", "effect", -0.4, -0.45, -0.35, "s", True, "m", ("a=1",), tolerance=0.25)
    assert effect.passes(-0.31) and not effect.passes(-0.29)  # ±0.1 around -0.4


def test_a_sign_check_passes_only_when_its_ci_lies_on_its_side_of_zero():
    t = Target("s", "effect", 0.0, 0.0, 0.0, "src", False, "m", ("a=1",), direction=-1)
    assert t.passes(-0.02, 0.01) and t.passes(-0.02)  # CI [-0.03, -0.01]; no CI: the mean
    assert not t.passes(-0.02, 0.03)  # CI [-0.05, 0.01] holds 0
    assert not t.passes(0.02, 0.01) and not t.passes(0.0)
    assert t.passes(-0.02, float("nan"))  # one seed: no CI, the mean decides
    up = Target("u", "effect", 0.0, 0.0, 0.0, "src", False, "m", ("a=1",), direction=1)
    assert up.passes(0.5, 0.1) and not up.passes(-0.5, 0.1)
    row = report_rows([t], {"s": Simulated([-0.03, -0.02, -0.025])})[0]
    assert row["pass"] and row["relative_error"] is None
    assert "< 0 (sign)" in format_report([row])
    row = report_rows([t], {"s": Simulated([-0.03, 0.02, -0.025])})[0]
    assert not row["pass"]  # mean below 0, CI across it


@pytest.mark.parametrize(
    "kwargs",
    [{"fit": True}, {"kind": "level"}, {"direction": 2}],
    ids=["fitted", "level", "not a sign"],
)
def test_a_sign_check_is_a_held_out_effect(kwargs):
    fields = {"name": "s", "kind": "effect", "observed": 0.0, "low": 0.0, "high": 0.0,
              "source": "src", "fit": False, "metric": "m", "direction": -1}  # fmt: skip
    with pytest.raises(ValueError, match="'s'"):
        Target(**{**fields, **kwargs})


def test_derived_metrics_are_read_from_the_facility_and_yearly_tables():
    fac = pd.DataFrame(
        {
            "year": [0, 0, 0, 0, 0, 1],
            "level": [0, 1, 1, 2, 3, 2],
            "visits": [10, 15, 5, 30, 100, 999],
            "admissions": [0, 100, 300, 50, 20, 999],
        }
    )
    assert read_metric("county_visit_share", pd.DataFrame(), fac, 0) == pytest.approx(0.5)
    assert read_metric("township_admissions_per_centre", pd.DataFrame(), fac, 0) == 200
    yearly = pd.DataFrame({"year": [0], "visits_per_capita": [7.0], "primary_care_share": [0.6]})
    assert read_metric("primary_visits_per_capita", yearly, fac, 0) == pytest.approx(4.2)
    assert read_metric("hospital_visits_per_capita", yearly, fac, 0) == pytest.approx(2.8)
    assert read_metric("visits_per_capita", yearly, fac, 0) == 7.0
    yearly = pd.DataFrame({"year": [0, 1], "residents": [400, 500]})
    got = read_metric("out_of_county_admissions_per_capita", yearly, fac, 0)
    assert got == pytest.approx(20 / 400)  # level 3 in year 0, over year 0's residents


def test_a_list_element_is_set_within_the_composed_list():
    out = cal.param_overrides(
        ["county=tiny"], {"care.oop_log": 0.7, "care.inpatient_constant[2]": 1.5}
    )
    constants = OmegaConf.load(f"{config_dir()}/config.yaml").care.inpatient_constant
    expected = [float(c) for c in constants]
    expected[2] = 1.5
    assert out == [
        "care.oop_log=0.7",
        f"care.inpatient_constant=[{','.join(repr(c) for c in expected)}]",
    ]


def test_a_list_is_scaled_as_a_whole_by_its_star_key():
    composed = OmegaConf.load(f"{config_dir()}/config.yaml").demand.inpatient_per_year
    out = cal.param_overrides(["county=tiny"], {"demand.inpatient_per_year[*]": 0.5})
    assert out == [f"demand.inpatient_per_year=[{','.join(repr(0.5 * x) for x in composed)}]"]
    values = wb.fitted_values(["county=tiny"], {"demand.inpatient_per_year[*]": 0.5})
    assert values == {"demand.inpatient_per_year": [0.5 * x for x in composed]}
    both = {"demand.inpatient_per_year[*]": 0.5, "demand.inpatient_per_year[1]": 0.2}
    with pytest.raises(ConfigError, match="scaled or set element-wise"):
        cal.param_overrides(["county=tiny"], both)
    free = cal.space_of("providers")
    now = cal.current_values(TINY, LEVELS, free)
    assert now["demand.inpatient_per_year[*]"] == 1.0  # as configured
    sensitivity = OmegaConf.load(f"{config_dir()}/config.yaml").providers.sensitivity
    assert now["providers.sensitivity[0]"] == sensitivity[0]


def test_marginal_admission_shares_read_each_levels_chosen_admissions():
    fac = pd.DataFrame(
        {"year": [0, 0, 0, 0, 1], "level": [1, 1, 2, 3, 1], "admissions": [30, 70, 200, 50, 9]}
    )
    yearly = pd.DataFrame(
        {"year": [0, 1], "marginal_admissions_township": [25.0, 1.0],
         "marginal_admissions_county": [30.0, 0.0]}
    )  # fmt: skip
    assert read_metric("marginal_admission_share_township", yearly, fac, 0) == 0.25
    assert read_metric("marginal_admission_share_county", yearly, fac, 0) == 0.15


def test_the_down_referral_share_is_the_years_referrals_down_per_county_admission():
    fac = pd.DataFrame(
        {"year": [0, 0, 0, 1], "level": [1, 2, 2, 2], "admissions": [500, 300, 100, 50]}
    )
    yearly = pd.DataFrame({"year": [0, 1], "referrals_down": [6.0, 1.0]})
    assert read_metric("down_referral_share_county", yearly, fac, 0) == 0.015  # 6 / 400
    assert read_metric("down_referral_share_county", yearly, fac, 1) == 0.02


def test_the_loss_sums_squared_scaled_errors_of_the_fitted_targets_only():
    fit = Target("a", "level", 10.0, 9, 11, "s", True, "m")
    held = Target("b", "level", 1.0, 0.9, 1.1, "s", False, "m")
    sims = {"a": Simulated([12.0, 12.0]), "b": Simulated([5.0])}
    assert cal.loss([fit, held], sims) == pytest.approx(4.0)  # ((12 - 10) / 1)^2


def test_an_effect_is_the_arm_minus_the_baseline_with_the_same_seed():
    effect = next(t for t in EFFECTS if not t.relative)
    level = LEVELS[0]
    sims = cal.evaluate(TINY, {}, [level, effect], [3])
    base = run([*TINY, "seed=3"], save=False)
    arm = run([*TINY, *effect.arm, "seed=3"], save=False)
    b = read_metric(effect.metric, base.yearly, base.facilities, 0)
    a = read_metric(effect.metric, arm.yearly, arm.facilities, 0)
    assert sims[effect.name].values == [pytest.approx(a - b)]
    assert sims[level.name].values == [read_metric(level.metric, base.yearly, base.facilities, 0)]


def test_fitted_values_are_written_as_defaults_with_their_study(tmp_path):
    path = tmp_path / "config.yaml"
    original = Path(config_dir()) / "config.yaml"
    path.write_text(original.read_text())
    # a long list fills the value column: the comment still gets its space (YAML)
    long = [-0.521, 0.752, 0.545, 0.959]
    keys = wb.write_defaults(path, {"care.oop_log": 0.4567, "care.inpatient_constant": long}, "st1")
    assert keys == ["care.oop_log", "care.inpatient_constant"]
    cfg = OmegaConf.load(path)
    assert cfg.care.oop_log == pytest.approx(0.4567)
    assert list(cfg.care.inpatient_constant) == long
    text = path.read_text()
    assert text.count(" # calibrated: st1 (") == 2
    before, after = original.read_text().splitlines(), text.splitlines()
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 2
    # a block whose header line carries a comment (providers:   # facilities' ...)
    assert wb.write_defaults(path, {"providers.inertia": 0.4}, "st2") == ["providers.inertia"]
    assert OmegaConf.load(path).providers.inertia == 0.4
    with pytest.raises(ConfigError, match="care.no_such_weight: not found"):
        wb.write_defaults(path, {"care.no_such_weight": 1.0}, "st1")


def test_a_study_is_stored_and_resumed_to_the_total_asked(tmp_path):
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    args = dict(
        study_name="s", space="behaviour", seeds=1, groups="levels,effects", out=io.StringIO()
    )
    study, rows = cal.calibrate([*TINY, f"store.url={url}"], trials=2, report_seeds=2, **args)
    assert len(study.trials) == 2
    assert {r["target"] for r in rows} == {t.name for t in (*LEVELS, *EFFECTS)}
    assert all(r["seeds"] == 2 for r in rows)
    again = optuna.load_study(study_name="s", storage=url)
    assert again.user_attrs["report"] == rows and len(again.trials) == 2
    assert again.best_params == study.best_params
    study, _ = cal.calibrate([*TINY, f"store.url={url}"], trials=3, report_seeds=0, **args)
    assert len(study.trials) == 3  # one more, the first two kept
    with pytest.raises(ConfigError, match="already holds trials"):
        cal.calibrate(
            [*TINY, f"store.url={url}"], trials=3, report_seeds=0, **{**args, "space": "levels"}
        )


def test_a_new_study_can_start_from_another_studys_best_trial(tmp_path):
    """--start-from: the other study's best values of this space (within its bounds) are
    the second trial, after the defaults; keys outside the space or its bounds are left to
    the sampler, and a resume does not enqueue them again."""
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    other = optuna.create_study(study_name="before", storage=url)
    dist = optuna.distributions.FloatDistribution(0.0, 10.0)
    other.add_trial(
        optuna.trial.create_trial(
            params={"care.oop_log": 0.77, "care.trust_weight": 9.0, "care.not_free": 1.0},
            distributions={"care.oop_log": dist, "care.trust_weight": dist, "care.not_free": dist},
            value=1.0,
        )
    )
    args = dict(study_name="s", space="behaviour", seeds=1, groups="levels", out=io.StringIO())
    study, _ = cal.calibrate(
        [*TINY, f"store.url={url}"], trials=2, report_seeds=0, start_from="before", **args
    )
    second = sorted(study.trials, key=lambda t: t.number)[1].params
    assert second["care.oop_log"] == 0.77
    assert 0.5 <= second["care.trust_weight"] <= 4.0  # 9.0 is outside: sampled instead
    assert study.user_attrs["start_from"] == "before"
    study, _ = cal.calibrate([*TINY, f"store.url={url}"], trials=3, report_seeds=0, **args)
    assert sum(t.params["care.oop_log"] == 0.77 for t in study.trials) == 1
    with pytest.raises(ConfigError, match="--start-from nowhere: no study"):
        cal.calibrate(
            [*TINY, f"store.url={url}"], trials=1, report_seeds=0, start_from="nowhere",
            **{**args, "study_name": "t"},
        )  # fmt: skip


def test_a_new_study_tries_the_points_it_is_given_after_the_defaults(tmp_path):
    """--try: each point is a trial, in order, after the defaults; keys it leaves out are
    sampled; it is recorded, and a resume does not try it again. A key outside the space,
    a value outside its range, or no number is a one-line error before any trial."""
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    args = dict(study_name="s", space="behaviour", seeds=1, groups="levels", out=io.StringIO())
    tries = ["care.oop_log=0.61,care.trust_weight=1.5", "care.oop_log=0.62"]
    study, _ = cal.calibrate([*TINY, f"store.url={url}"], trials=3, report_seeds=0,
                             tries=tries, **args)  # fmt: skip
    trials = sorted(study.trials, key=lambda t: t.number)
    assert trials[1].params["care.oop_log"] == 0.61
    assert trials[1].params["care.trust_weight"] == 1.5
    assert trials[2].params["care.oop_log"] == 0.62
    assert study.user_attrs["tried"][1] == {"care.oop_log": 0.62}
    study, _ = cal.calibrate([*TINY, f"store.url={url}"], trials=4, report_seeds=0, **args)
    assert sum(t.params["care.oop_log"] in (0.61, 0.62) for t in study.trials) == 2
    free = cal.space_of("behaviour")
    for text, message in (
        ("care.nothing=1", "--try 'care.nothing=1': expected key=value with a key of: care."),
        ("care.trust_weight=9", r"--try care.trust_weight=9: outside its range \[0.5, 4\]"),
        ("care.trust_weight=x", "--try care.trust_weight: 'x' is not a number"),
        (" , ", "--try: an empty point"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_point(text, free)


def test_two_workers_share_one_study_without_losing_a_trial(tmp_path):
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    cmd = [sys.executable, "-m", "countysim.research.calibrate", "--study", "w", "--space",
           "behaviour", "--targets", "levels,effects", "--trials", "3", "--seeds", "1",
           "--report-seeds", "0", *TINY, f"store.url={url}"]  # fmt: skip
    procs = [
        subprocess.Popen(
            [*cmd, "--worker", str(w)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for w in (0, 1)
    ]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    trials = optuna.load_study(study_name="w", storage=url).trials
    seen = [(t.number, t.state.name, t.params) for t in trials]
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    # each worker stops once 3 are complete; the other may have started a 4th meanwhile
    assert 3 <= len(complete) <= 4 and len(complete) == len(trials), (seen, outs)
    assert sorted(t.number for t in trials) == list(range(len(trials))), (seen, outs)
    assert all("[trial" in out for out in outs), outs  # both workers ran trials
    first = min(trials, key=lambda t: t.number)  # the defaults, queued once, by one worker
    assert sum(t.params == first.params for t in trials) == 1, (seen, outs)


def test_one_worker_creates_and_sets_up_a_study_and_a_twice_run_trial_keeps_its_first_result(
    tmp_path,
):
    """Creating a study is atomic, so of workers started together one sets it up (queues the
    defaults); a queued trial that two workers popped (SQLite has no row lock) is recorded
    once: the second tell is reported, not raised."""
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    study, created = cal._study(url, "s", seed=0)
    again, created_again = cal._study(url, "s", seed=1)
    assert (created, created_again) == (True, False)
    trial = study.ask({"x": optuna.distributions.FloatDistribution(0, 1)})
    twin = again._storage.get_trial(trial._trial_id)  # the other worker's view of the trial
    out = io.StringIO()
    assert cal._tell(study, trial, 1.0, out) is True
    assert cal._tell(again, optuna.trial.Trial(again, twin._trial_id), 2.0, out) is False
    assert "also run by another worker" in out.getvalue()
    done = optuna.load_study(study_name="s", storage=url).trials
    assert [(t.state.name, t.value) for t in done] == [("COMPLETE", 1.0)]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--trials", "0"], "--trials must be >= 1"),
        (["--space", "moods"], "--space moods: unknown; choose from levels, travel, behaviour"),
        (
            ["--targets", "levels,vibes"],
            "--targets vibes: unknown; choose from levels, gradient, effects, cases",
        ),
        (
            ["--space", "behaviour", "--try", "care.trust_weight=9"],
            "--try care.trust_weight=9: outside its range [0.5, 4]",
        ),  # fmt: skip
        (
            ["--space", "care.success_base=0.5:1.5"],
            "--space care.success_base=0.5:1.5: care.success_base = 1.5: must be in [0, 1]",
        ),  # fmt: skip
        (["--space", "care.nope=0:1"], "--space care.nope: no such parameter in the runs"),
        (["--space", "care.capability[7]=0:1"], "care.capability has no element 7"),
        (["--space", "care.success_base=0.9:0.7"], "key=low:high with low < high"),
        (["--space", "levels,care.outpatient_constant[1]=0:1"], "a parameter is freed twice"),
        (
            ["--space", "secondment.skill_transfer_rate=0:0.01", "--targets", "levels"],
            "--space secondment.skill_transfer_rate: no such parameter in the runs",
        ),  # fmt: skip
    ],
)
def test_bad_arguments_are_one_line_errors(argv, message, capsys):
    assert cal.main([*argv, *TINY]) == 2
    captured = capsys.readouterr()
    line = (captured.out + captured.err).strip()
    assert message in line and "\n" not in line


def test_the_key_township_ratio_is_year_k_of_seconded_centres_over_the_baseline_start():
    """Centres 11 and 12 got more doctor-days in the arm (secondment): mean of 300/100 and
    200/100 = 2.5; centre 10 (no secondment) and the village (level 0) are left out."""
    rows = {"facility_id": [9, 10, 11, 12] * 2, "level": [0, 1, 1, 1] * 2,
            "year": [0] * 4 + [3] * 4}  # fmt: skip
    base = pd.DataFrame({**rows, "visits": [50, 100, 100, 100, 50, 110, 90, 95],
                         "doctor_days": [5, 20, 20, 20, 5, 20, 20, 20]})  # fmt: skip
    arm = pd.DataFrame({**rows, "visits": [50, 100, 150, 150, 40, 500, 300, 200],
                        "doctor_days": [5, 20, 30, 30, 5, 20.5, 30, 30]})  # fmt: skip
    assert key_township_visits_ratio(arm, base, 3) == pytest.approx(2.5)
    with pytest.raises(ValueError, match="no township centre received secondment"):
        key_township_visits_ratio(base, base, 3)
    # before support: the seconded centres' visits a day in the baseline's year 0
    assert key_township_daily_visits_before(arm, base, 3) == pytest.approx(100 / 365)
    # the revenue reader reads its own column: centre 11 (12 less) 3x, centre 12 1.5x
    base["revenue_yuan"] = [1, 100, 100, 200, 1, 1, 1, 1]
    arm["revenue_yuan"] = [9, 9, 300, 300, 9, 9, 300, 300]
    assert key_township_revenue_ratio(arm, base, 3) == pytest.approx((3.0 + 1.5) / 2)


def test_a_case_setting_replaces_the_base_keys_it_gives_and_adds_its_runs():
    base = ["county.residents=100000", "sim.years=2", "sim.progress=false", "seed=1"]
    assert with_setting(base, ["county=xishui", "sim.years=4"]) == [
        "county.residents=100000", "sim.progress=false", "seed=1", "county=xishui", "sim.years=4"
    ]  # fmt: skip
    case = CASES[0]
    level, effect = LEVELS[0], EFFECTS[0]
    assert arms_needed([level, effect, case]) == [
        ((), ()),
        ((), effect.arm),
        (case.setting, ()),
        (case.setting, case.arm),
    ]


def test_the_xishui_case_runs_the_preset_at_full_size_as_the_validation_does():
    from countysim.research.validation import XISHUI_SIZE, scaled

    full = scaled("xishui", XISHUI_SIZE)
    assert XISHUI_SIZE == 1
    assert list(XISHUI_CASE[: len(full)]) == full
    assert set(XISHUI_CASE[len(full) :]) == {"sim.start_calendar_year=2020", "sim.years=4"}


def test_a_policy_parameter_applies_only_where_its_policy_runs_and_must_apply_somewhere():
    params = {"secondment.presence_capability": 0.7, "care.capability_weight": 1.0}
    plain = cal.param_overrides(TINY, params)
    assert plain == ["care.capability_weight=1.0"]  # no rotation in the tiny county's default
    rotating = cal.param_overrides([*TINY, "secondment=rotation"], params)
    assert rotating == ["secondment.presence_capability=0.7", "care.capability_weight=1.0"]
    with pytest.raises(ConfigError, match="secondment.presence_capability applies to no run"):
        cal.evaluate(TINY, params, [LEVELS[0]], [0])


def test_the_first_trial_starts_from_the_defaults_even_of_a_policy_parameter():
    """The secondment space's current values come from the case's runs (the base has no
    rotation and no key centres): the configs' defaults, not an error."""
    values = cal.current_values(TINY, CASES, cal.space_of("secondment"))
    configs = Path(config_dir())
    rotation = OmegaConf.load(configs / "secondment" / "rotation.yaml")
    main = OmegaConf.load(configs / "config.yaml")
    xishui = OmegaConf.load(configs / "county" / "xishui.yaml")
    assert values == {
        "secondment.presence_capability": rotation.presence_capability,
        "secondment.skill_transfer_rate": rotation.skill_transfer_rate,
        "care.capability_weight": main.care.capability_weight,
        "county.key_centre_capability": xishui.key_centre_capability,
        "care.reputation_lag_days": main.care.reputation_lag_days,
    }


def test_every_space_frees_each_parameter_once_and_joint_is_travel_with_secondment():
    """Optuna would sample a key twice with two bounds; the joint space (the travel weight
    fitted with the secondment case, docs/validation.md) is exactly the two spaces' keys."""
    from countysim.research.spaces import SPACES

    for name, free in SPACES.items():
        keys = [f.key for f in free]
        assert len(keys) == len(set(keys)), name
    joint = {f.key for f in SPACES["joint"]}
    assert joint == {f.key for f in SPACES["travel"] + SPACES["secondment"]}
    assert "care.travel_per_hour" in joint and "care.capability_weight" in joint


def test_any_parameter_can_be_freed_on_the_command_line(tmp_path):
    """`--space key=low:high` frees a parameter no space lists; the study samples it within
    its bounds, beside a named space's, and records the space as given."""
    url = f"sqlite:///{tmp_path / 'cal.db'}"
    space = "referral,care.success_base=0.7:0.95"
    argv = ["--study", "c", "--space", space, "--targets", "levels", "--trials", "2",
            "--seeds", "1", "--report-seeds", "0", *TINY, f"store.url={url}"]  # fmt: skip
    assert cal.main(argv) == 0
    study = optuna.load_study(study_name="c", storage=url)
    assert study.user_attrs["setup"]["space"] == space
    first, second = sorted(study.trials, key=lambda t: t.number)
    assert first.params == {"providers.sensitivity[2]": 0.0818, "care.success_base": 0.85}
    assert set(second.params) == set(first.params)
    assert 0.7 <= second.params["care.success_base"] <= 0.95
