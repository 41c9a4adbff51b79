"""Refresh the golden baseline diffed by tests/test_golden.py (run after intended changes).

python scripts/refresh_golden.py
"""

from __future__ import annotations

from pathlib import Path

from countysim import run

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "tiny_seed0.csv"
OVERRIDES = ["county=tiny", "sim.years=2", "seed=0"]


def main() -> None:
    """Write the yearly metrics of the golden run."""
    result = run(OVERRIDES, save=False)
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    result.yearly.to_csv(GOLDEN, index=False, float_format="%.17g")
    print(f"wrote {GOLDEN} ({len(result.yearly)} years)")


if __name__ == "__main__":
    main()
