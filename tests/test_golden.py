"""The tiny county's results equal the golden baselines bit for bit.

A deliberate change of behaviour re-baselines with `python scripts/refresh_golden.py`
(and says so in the commit message); the docs' numbers then need regenerating
(tests/test_docs.py says which).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from countysim import run

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("refresh", ROOT / "scripts" / "refresh_golden.py")
assert _spec is not None and _spec.loader is not None
refresh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(refresh)


@pytest.mark.parametrize("name", sorted(refresh.RUNS))
def test_tiny_county_matches_golden_baseline(name):
    result = run(refresh.RUNS[name], save=False)
    expected = pd.read_csv(ROOT / "tests" / "golden" / f"{name}.csv")
    got = pd.read_csv(
        pd.io.common.StringIO(result.yearly.to_csv(index=False, float_format="%.17g"))
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
