"""Shared fixtures: tiny counties, composed exactly as the CLI composes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from countysim.config.schema import Config
from countysim.model import CountyModel
from countysim.policies import Policy
from countysim.run import build, compose_config


def make(overrides: list[str]) -> tuple[Config, list[Policy]]:
    """Typed config and policies for Hydra overrides (tiny county unless overridden)."""
    return build(compose_config(["county=tiny", *overrides])[0])


@pytest.fixture
def tiny() -> Callable[..., CountyModel]:
    """Factory: a built (not yet run) tiny-county model."""

    def factory(*overrides: str) -> CountyModel:
        cfg, policies = make(list(overrides))
        return CountyModel(cfg, policies)

    return factory


@pytest.fixture
def db_url(tmp_path) -> str:
    """A fresh SQLite database per test."""
    return f"sqlite:///{tmp_path / 'test.db'}"
