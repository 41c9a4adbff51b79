"""Long-run trust in each level: the share of good outcomes of the episodes it treats.

    python scripts/steady_trust.py [--residents 200000] [hydra overrides...]

Trust in a level moves towards each outcome there (care.trust_learning_rate), so its
long-run mean is the level's good-outcome share. Measured with a fixed population
(population.dynamic=false): migrants' care away from home (always out of county, mostly
minor) would otherwise raise the out-of-county share of good outcomes that residents at
home never see. `care.initial_trust` is set to these
values so that the baseline starts at its own steady state instead of drifting towards
it; the script also prints the level constants that keep year 0's utilities unchanged
when the initial trust moves from OLD to NEW (constant - trust_weight x (new - old)).
"""

from __future__ import annotations

import argparse

import numpy as np

from countysim.metrics import C
from countysim.model import CountyModel
from countysim.run import build, compose_config


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--residents", type=int, default=200_000)
    ap.add_argument("overrides", nargs="*")
    args = ap.parse_args()
    cfg, policies = build(
        compose_config(
            [
                f"county.residents={args.residents}",
                "sim.years=1",
                "sim.progress=false",
                "population.dynamic=false",
            ]
            + args.overrides
        )[0]
    )
    model = CountyModel(cfg, policies)
    model.run()
    sums = model.metrics.year_sums()[0]
    good = []
    for lv in range(4):
        treated = sum(sums[C[f"outcomes_l{lv}_s{s}"]] for s in range(4))
        poor = sum(sums[C[f"poor_outcomes_l{lv}_s{s}"]] for s in range(4))
        good.append(1.0 - poor / treated if treated else float("nan"))
    care = cfg.care
    shift = care.trust_weight * (np.asarray(good) - np.asarray(care.initial_trust))
    print("good-outcome share by level (steady trust):", [round(float(g), 3) for g in good])
    print("initial trust now:", list(care.initial_trust))
    print(
        "outpatient constants keeping year 0:",
        [round(float(v), 3) for v in care.outpatient_constant - shift],
    )
    print(
        "inpatient constants keeping year 0:",
        [round(float(v), 3) for v in care.inpatient_constant - shift],
    )


if __name__ == "__main__":
    main()
