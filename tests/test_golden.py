"""The tiny county's results equal the golden baseline bit for bit.

A deliberate change of behaviour re-baselines with `python scripts/refresh_golden.py`
(and says so in the commit message).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from countysim import run

GOLDEN = Path(__file__).parent / "golden" / "tiny_seed0.csv"


def test_tiny_county_matches_golden_baseline():
    result = run(["county=tiny", "sim.years=2", "seed=0"], save=False)
    expected = pd.read_csv(GOLDEN)
    got = pd.read_csv(
        pd.io.common.StringIO(result.yearly.to_csv(index=False, float_format="%.17g"))
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
