"""Secondment at one township centre for three years (cf. Xishui's Tucheng branch).

Xishui's county TCM hospital supported its Tucheng branch for four years; daily outpatient
visits went from 50-60 to about 180. This prints what the model gives for township 0 of
the default county with `specialists_per_township` specialists there for three years,
against the same seeds without secondment:

    python experiments/tucheng_secondment.py --seeds 3 --specialists 2
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from countysim import run
from countysim.results.docblocks import write_block


def township_rows(overrides: list[str]) -> pd.DataFrame:
    f = run(overrides, save=False).facilities
    t = f[f["facility"] == "township centre 0"]
    return t.assign(visits_per_day=t["visits"] / 365.0)[
        ["year", "visits_per_day", "admissions", "doctor_days"]
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--specialists", type=float, default=2.0)
    ap.add_argument("--years", type=int, default=4, help="simulated years (rotation: 3)")
    ap.add_argument("--write", metavar="README", help="write the sentence into this file's block")
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = []
    for seed in range(args.seeds):
        common = [f"seed={seed}", f"sim.years={args.years}"]
        arm = [
            "secondment=rotation",
            "secondment.targets=[0]",
            "secondment.years=3",
            f"secondment.specialists_per_township={args.specialists}",
        ]
        for name, extra in (("none", []), ("rotation", arm)):
            rows.append(township_rows(common + extra).assign(arm=name, seed=seed))
    df = pd.concat(rows)
    table = df.groupby(["arm", "year"])[["visits_per_day", "admissions"]].mean().unstack(0)
    print(f"township centre 0, mean of {args.seeds} seeds; rotation in years 0-2")
    print(table.round(1).to_string())
    if args.write:
        if args.years < 4 or args.specialists != 2.0:
            raise SystemExit("--write describes the default design: --years 4 --specialists 2")
        minutes = (time.perf_counter() - t0) / 60
        write_block(args.write, "tucheng", sentence(table, args.seeds, minutes))
        print(f"wrote block tucheng in {args.write}")


def sentence(table: pd.DataFrame, seeds: int, minutes: float) -> str:
    """README's sentence on the single-centre secondment, from the table."""
    v, a = table["visits_per_day"], table["admissions"]
    ratio = v.at[2, "rotation"] / v.at[0, "none"]
    return (
        "Secondment at a single township centre for three years\n"
        f"(`python experiments/tucheng_secondment.py --seeds {seeds} --write README.md`, "
        f"{max(minutes, 1):.0f} min): its outpatient visits rise from {v.at[0, 'none']:.0f} to "
        f"{v.at[2, 'rotation']:.0f} a day by the third year (×{ratio:.2f}; Xishui's Tucheng "
        "branch: 50–60 to about 180 over four years, ×3.3, from a weaker start than this "
        "ordinary centre's; the Xishui case, fitted to it, is in docs/validation.md) and its "
        "admissions "
        f"from {a.at[0, 'none']:,.0f} to {a.at[2, 'rotation']:,.0f} a year; the year after the "
        f"specialists leave, {v.at[3, 'rotation']:.0f} visits and {a.at[3, 'rotation']:,.0f} "
        "admissions remain (the skill gained decays by 20% a year).\n"
    )


if __name__ == "__main__":
    main()
