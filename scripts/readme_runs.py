"""README's default-run and ten-year blocks, from the runs themselves.

    python scripts/readme_runs.py --write README.md

Runs the default county (fee-for-service, seed 0) for 3 and for 10 years, as `countysim`
and `countysim sim.years=10` do, and writes what they print and the sentences that read
them into README's `default-run` and `ten-years` blocks (countysim.results.docblocks).
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
import pandas as pd

from countysim import run
from countysim.cli import format_summary, run_header
from countysim.results.docblocks import write_block

CHOICES = {"payment": "fee_for_service", "secondment": "none", "triage": "open_access"}
NATIONAL_TOWNSHIP_ADMISSIONS = 1183  # NHC 2023: 39.92M admissions / 33,753 centres


def _pct(v: float) -> str:
    return f"{100 * v:.1f}%".replace("-", "−")


def _range(s: pd.Series) -> str:
    lo, hi = _pct(s.min()), _pct(s.max())
    return lo if lo == hi else f"{lo.rstrip('%')}–{hi}"


def default_run() -> str:
    r = run(["sim.years=3", "seed=0"], save=False)
    y, f = r.yearly, r.facilities
    town = f[f["level"] == 1]
    per_centre = town.groupby("year")["admissions"].mean()
    town_occ, county_occ = _range(y["bed_occupancy_township"]), _range(y["bed_occupancy_county"])
    wall = r.wall_seconds
    return f"""What the default run prints (fee-for-service baseline, seed 0; {wall:.1f} s of
simulation on one core on {dt.date.today():%Y-%m-%d}):

```
{run_header(r, CHOICES)}
{format_summary(y)}
```

Where no source gives a value and a target can pin it down, the default is fitted with
`countysim-calibrate` (Optuna) in this same county and written into `configs/` with its
study's name (the rest are marked "estimate" there); the targets are national figures:
visits per capita (NHC 2023: 6.8), admission rate (NHSA 2023: 20.7%), primary-care share
(53.2%), township admissions per centre, bed occupancy by level (township centres here
{town_occ} against about 48%: NHC 2023, 39.92 M admissions × 6.6 days over
1.505 M beds; the model's centres admit {per_centre.mean():,.0f} a year against the national
{NATIONAL_TOWNSHIP_ADMISSIONS:,}; county hospitals {county_occ} against public
hospitals' 86.0%),
the fund balance ratio (NHSA 2023: 1.1% of income) and more. `docs/validation.md` gives
every target, fitted or held out, with the simulated value and its CI, and
`tests/test_calibration.py` (slow) checks the fitted ones. The in-county rates count every
insured resident's episodes, migrants' care where they work included; the sources are in
`docs/sources.md`.
"""


def ten_years() -> str:
    r = run(["sim.years=10", "seed=0"], save=False)
    y = r.yearly
    n = len(y)
    pop = y["residents"].to_numpy(dtype=float)
    shrink = 1 - (pop[-1] / pop[0]) ** (1 / (n - 1))
    deaths = 1000 * float(np.mean(y["deaths"] / y["residents"]))
    births = 1000 * float(np.mean(y["births"] / y["residents"]))
    cum = y["fund_cumulative_balance_yuan"].iloc[-1] / 1e6
    money = f"{'−' if cum < 0 else '+'}¥{abs(cum):,.0f} M"
    fund0, fund1 = _pct(y["fund_balance_ratio"].iloc[0]), _pct(y["fund_balance_ratio"].iloc[-1])
    return f"""**Ten years** (`countysim sim.years=10`, {r.wall_seconds:.0f} s): the population
shrinks by {_pct(shrink)} a year (deaths {deaths:.1f}‰ from the life table on an old rural age
structure, births {births:.2f}‰) and ages, so admissions rise ({_pct(y["admission_rate"].iloc[0])} →
{_pct(y["admission_rate"].iloc[-1])}) and the fund, whose income per head follows the NHSA
schedule while prices grow at the same 4.6% a year, goes from {fund0}
to {fund1} of income, {money} in all; the care metrics
themselves stay put (in-county {_range(y["in_county_rate"])}, inpatient
{_range(y["inpatient_in_county_rate"])}, primary {_range(y["primary_care_share"])}). With a fixed
population (`population.dynamic=false`) nothing drifts beyond sampling noise
(`tests/test_steady.py`); money across years adds up to the fen (`tests/test_years.py`);
the population after ten years is within the life-table projection
(`tests/test_population.py`).

```
{format_summary(y)}
```
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", metavar="README", help="write the blocks into this file")
    args = ap.parse_args()
    blocks = {"default-run": default_run(), "ten-years": ten_years()}
    for name, text in blocks.items():
        print(text)
        if args.write:
            write_block(args.write, name, text)
            print(f"wrote block {name} in {args.write}")


if __name__ == "__main__":
    main()
