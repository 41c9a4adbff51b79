"""Overrides Hydra would accept silently are refused in one line (issue 16)."""

from __future__ import annotations

import pytest

from countysim import ConfigError, run


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["+sim.yeras=10"],
            "+sim.yeras: unknown config key (+ only adds +package=..., +experiment=... or "
            "+remoteness=...); did you mean sim.years?",
        ),
        (["+county.residnets=100"], "did you mean county.residents?"),
        (["+paymnet=bundled"], "did you mean payment?"),
        (["+sim.progress=false"], "+sim.progress: already in the config; set it without +"),
        (["seed=1", "seed=2"], "seed: given twice (seed=1 and seed=2)"),
        (["package=bundled"], "package is added with +: +package=bundled"),
        (["experiment=suixi_reform"], "experiment is added with +: +experiment=suixi_reform"),
        (["+payment.prepay_sharee=0.9"], "payment.prepay_sharee: unknown parameter"),
    ],
)
def test_silent_overrides_are_refused(overrides, message):
    with pytest.raises(ConfigError) as info:
        run(["county=tiny", "sim.years=1", *overrides], save=False)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_plus_package_still_adds_a_package():
    result = run(["county=tiny", "sim.years=1", "+package=bundled"], save=False)
    assert result.config.payment["_target_"].endswith("Bundled")


@pytest.mark.parametrize("seed", ["2147483648", "99999999999999999999999", "-1"])
def test_seed_is_bounded_by_what_the_store_holds(seed):
    with pytest.raises(ConfigError, match=r"seed = .*must be in \[0, 2147483647\]"):
        run(["county=tiny", "sim.years=1", f"seed={seed}"], save=False)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["secondment._target_=countysim.policies.Bundled"],
            "secondment._target_ = countysim.policies.Bundled: a payment policy goes in the "
            "payment slot",
        ),
        (
            ["payment._target_=countysim.policies.Rotation"],
            "the payment slot takes a payment policy",
        ),
        (["payment._target_=nope.Foo"], "payment._target_ = nope.Foo: no such class"),
        (
            ["payment=bundled", "payment.start_year=5", "sim.years=2"],
            "payment.start_year = 5: the run has 2 years (sim.years), so the policy would "
            "never switch on; allowed: 0..1",
        ),
        (["secondment=rotation", "secondment.start_year=3", "sim.years=2"], "allowed: 0..1"),
        (["secondment=rotation", "secondment.targets=[]"], "secondment.targets = []"),
        (["=5"], "=5: no key before '='"),
        (["payment=null"], "payment=None: payment takes one of its options: bundled, dip"),
        (["county.age_shares=[0.1,0.2"], "county.age_shares=[0.1,0.2: cannot parse it"),
        (["sim.years=x"], "sim.years: Value 'x'"),
        (
            ["payment=bundld"],
            "payment=bundld: unknown option; did you mean bundled? available: bundled, dip",
        ),
        (["sim.yeras=1"], "sim.yeras: unknown config field 'yeras'"),
    ],
)
def test_bad_inputs_through_the_api_are_one_line_config_errors(overrides, message):
    with pytest.raises(ConfigError) as info:
        run(["county=tiny", *overrides], save=False)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_type_errors_give_the_allowed_range():
    with pytest.raises(ConfigError, match=r"must be int in \[1, 50\] years"):
        run(["county=tiny", "sim.years=x"], save=False)


def test_a_config_file_with_a_wrong_type_names_the_field_and_the_file():
    from pathlib import Path

    from countysim.run import config_dir

    bad = Path(config_dir()) / "county" / "zz_test_bad.yaml"
    bad.write_text("defaults:\n  - default\n  - _self_\nname: bad\nresidents: lots\n")
    try:
        with pytest.raises(ConfigError) as info:
            run(["county=zz_test_bad"], save=False)
    finally:
        bad.unlink()
    msg = str(info.value)
    assert msg.startswith("county.residents: Value 'lots'") and "zz_test_bad.yaml" in msg
    assert "must be int in [200, 5000000] people" in msg
