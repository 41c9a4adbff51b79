"""Refresh the golden baselines diffed by tests/test_golden.py (run after intended changes).

python scripts/refresh_golden.py

The baselines also fingerprint the model's results for the numbers quoted in the docs
(countysim.results.docblocks): after a refresh, regenerate the blocks tests/test_docs.py names.
"""

from __future__ import annotations

from pathlib import Path

from countysim import run

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden"
# name -> overrides: the fee-for-service baseline, and every lever on (payment, secondment,
# triage and their providers' decisions), each on the tiny county for two years
RUNS = {
    "tiny_seed0": ["county=tiny", "sim.years=2", "seed=0"],
    "tiny_all_levers_seed0": [
        "county=tiny",
        "sim.years=2",
        "seed=0",
        "payment=bundled",
        "secondment=rotation",
        "triage=gatekeeping",
    ],
}


def main() -> None:
    """Write the yearly metrics of each golden run."""
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for name, overrides in RUNS.items():
        result = run(overrides, save=False)
        path = GOLDEN / f"{name}.csv"
        result.yearly.to_csv(path, index=False, float_format="%.17g")
        print(f"wrote {path} ({len(result.yearly)} years)")


if __name__ == "__main__":
    main()
