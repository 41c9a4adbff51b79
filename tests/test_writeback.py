"""A calibration's fit is written back into the file that sets each parameter."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from countysim.config.compose import config_dir
from countysim.config.params import ConfigError
from countysim.research import writeback as wb

BASE = ["county=tiny", "sim.years=1"]


def test_fitted_values_keep_a_policy_parameter_the_base_config_lacks():
    """secondment.* is not in the baseline's config: it is kept, not silently dropped."""
    params = {
        "care.capability_weight": 1.5,
        "secondment.presence_capability": 0.4,
        "care.inpatient_constant[1]": 0.9,
    }
    values = wb.fitted_values(BASE, params)
    assert values["care.capability_weight"] == 1.5
    assert values["secondment.presence_capability"] == 0.4
    assert values["care.inpatient_constant"][1] == 0.9
    assert len(values["care.inpatient_constant"]) == 4


def test_write_fit_puts_each_value_in_the_file_that_sets_it(tmp_path):
    configs = tmp_path / "configs"
    shutil.copytree(config_dir(), configs)
    values = {"care.capability_weight": 1.5, "secondment.presence_capability": 0.4}
    written = wb.write_fit(configs, values, "st2")
    assert written == {
        configs / "config.yaml": ["care.capability_weight"],
        configs / "secondment" / "rotation.yaml": ["secondment.presence_capability"],
    }
    assert OmegaConf.load(configs / "config.yaml").care.capability_weight == 1.5
    rotation = configs / "secondment" / "rotation.yaml"
    assert OmegaConf.load(rotation).presence_capability == 0.4
    assert "presence_capability: 0.4" in rotation.read_text()
    assert rotation.read_text().count("# calibrated: st2 (") == 1
    original = (Path(config_dir()) / "secondment" / "rotation.yaml").read_text().splitlines()
    after = rotation.read_text().splitlines()
    assert sum(a != b for a, b in zip(original, after, strict=True)) == 1


def test_a_parameter_no_file_sets_is_a_one_line_error_before_anything_is_written(tmp_path):
    configs = tmp_path / "configs"
    shutil.copytree(config_dir(), configs)
    before = (configs / "config.yaml").read_text()
    with pytest.raises(ConfigError, match=r"secondment.no_such: not in config.yaml, and 0 files"):
        wb.write_fit(configs, {"care.oop_log": 0.5, "secondment.no_such": 1.0}, "st3")
    assert (configs / "config.yaml").read_text() == before


def test_a_county_preset_parameter_is_written_in_the_one_preset_that_sets_it(tmp_path):
    """county.key_centre_capability is set by Xishui's preset alone: the fit lands there,
    at the preset's top level, and nowhere else."""
    configs = tmp_path / "configs"
    shutil.copytree(config_dir(), configs)
    written = wb.write_fit(configs, {"county.key_centre_capability": 0.55}, "st4")
    assert written == {configs / "county" / "xishui.yaml": ["county.key_centre_capability"]}
    assert OmegaConf.load(configs / "county" / "xishui.yaml").key_centre_capability == 0.55
    assert "key_centre_capability" not in OmegaConf.load(configs / "county" / "default.yaml")
