"""Rebuild every figure: run each figure's sweep where the store lacks it, then draw it.

    python experiments/make_all.py            # full scale (see experiments/README.md)
    python experiments/make_all.py --quick    # small county, 3 seeds: minutes

The headline figures (fig1, fig2) are also copied to docs/figures/ for README.md (full
scale only: a quick run never overwrites them).
"""

from __future__ import annotations

import argparse
import shutil
import time

import fig1_policy_packages  # type: ignore[import-not-found]
import fig2_fund_balance  # type: ignore[import-not-found]
import fig3_lever_map  # type: ignore[import-not-found]
import fig4_secondment_case  # type: ignore[import-not-found]
import fig5_calibration  # type: ignore[import-not-found]
import fig6_sensitivity  # type: ignore[import-not-found]
from figures import FIGURES, ROOT  # type: ignore[import-not-found]

FIGURES_IN_ORDER = [
    fig1_policy_packages,
    fig2_fund_balance,
    fig3_lever_map,
    fig4_secondment_case,
    fig5_calibration,
    fig6_sensitivity,
]
HEADLINE = ("fig1_policy_packages", "fig2_fund_balance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    flag = ["--quick"] if args.quick else []
    for module in FIGURES_IN_ORDER:
        start = time.monotonic()
        module.main(flag)
        print(f"{module.NAME}: {time.monotonic() - start:.0f} s", flush=True)
    if not args.quick:
        docs = ROOT / "docs" / "figures"
        docs.mkdir(parents=True, exist_ok=True)
        for name in HEADLINE:
            shutil.copy(FIGURES / f"{name}.png", docs / f"{name}.png")
        print("copied", ", ".join(HEADLINE), "to docs/figures/")


if __name__ == "__main__":
    main()
