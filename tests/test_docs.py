"""docs/policies.md is generated from the policy classes and must be current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_policy_guide_is_current():
    spec = importlib.util.spec_from_file_location("policy_docs", ROOT / "scripts/policy_docs.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    current = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert current == mod.render(), "run: python scripts/policy_docs.py"
    for _, option, *_ in mod.POLICIES:
        assert f"={option}`" in current
