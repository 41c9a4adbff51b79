"""Bad input is rejected before any simulation, with one line naming the field."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from omegaconf import OmegaConf

from countysim.config.params import ConfigError
from countysim.config.schema import Config
from countysim.run import build, compose_config, config_dir

BAD = [
    (["county.residents=-5"], "county.residents", "[200, 5000000]"),
    (["county.age_shares=[0.5,0.5,0.5,0.1]"], "county.age_shares", "sum to 1"),
    (
        ["insurance.inpatient_reimbursement=[0,0.8,1.2,0.6]"],
        "insurance.inpatient_reimbursement",
        "[0, 1]",
    ),
    (["sim.years=abc"], "sim.years", "Integer"),
    (["payment=nope"], "payment=nope", "available: bundled, dip, fee_for_service"),
    (["payment.foo=1"], "payment.foo", "start_year"),
    (["+payment.foo=1"], "payment.foo", "unknown parameter"),
    (["care.capability=[0.2,1.2,2.3,2.0]"], "care.capability", "≥ 3"),
    (["sim.years=0"], "sim.years", "[1, 50]"),
]


@pytest.mark.parametrize(("overrides", "field", "hint"), BAD)
def test_bad_value_rejected_with_field_and_range(overrides, field, hint):
    from countysim.run import one_line

    with pytest.raises(Exception) as info:
        build(compose_config(["county=tiny", *overrides])[0])
    msg = one_line(info.value)
    assert field in msg and hint in msg
    assert "\n" not in msg


@pytest.mark.parametrize(("overrides", "field", "hint"), BAD[:6])
def test_cli_exits_nonzero_with_one_line_no_traceback(tmp_path, overrides, field, hint):
    env = {**os.environ, "CI": "true"}
    proc = subprocess.run(
        [sys.executable, "-m", "countysim.cli", "county=tiny", *overrides],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and field in err[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "outputs" / "countysim.db").exists()  # nothing simulated or stored


def test_yaml_defaults_equal_schema_defaults():
    """configs/ and the dataclass defaults must not drift apart."""
    composed = OmegaConf.to_object(compose_config(["county=default"])[0])
    schema = Config()
    for section in ("sim", "county", "demand", "care", "insurance"):
        assert dataclasses.asdict(getattr(composed, section)) == dataclasses.asdict(
            getattr(schema, section)
        ), section


def test_valid_config_builds_typed_objects():
    cfg, policies = build(compose_config(["county=tiny", "seed=7", "sim.years=2"])[0])
    assert isinstance(cfg, Config) and cfg.seed == 7 and cfg.sim.years == 2
    assert cfg.county.residents == 5000
    assert [type(p).__name__ for p in policies] == ["FeeForService", "NoSecondment", "OpenAccess"]


def test_config_error_is_value_error():
    assert issubclass(ConfigError, ValueError)


@pytest.mark.parametrize(
    "group, option",
    [
        ("payment", "fee_for_service"),
        ("payment", "bundled"),
        ("secondment", "none"),
        ("secondment", "rotation"),
        ("triage", "open_access"),
        ("triage", "gatekeeping"),
    ],
)
def test_policy_yaml_lists_every_parameter_at_its_default(group, option):
    """Each policy YAML spells out every parameter, equal to the class default."""
    from pathlib import Path

    from hydra.utils import get_class

    node = OmegaConf.load(Path(config_dir()) / group / f"{option}.yaml")
    cls = get_class(node["_target_"])
    defaults = dataclasses.asdict(cls())
    yaml_values = {k: v for k, v in OmegaConf.to_container(node).items() if k != "_target_"}
    assert yaml_values == defaults
