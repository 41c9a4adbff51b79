"""Global sensitivity: Sobol indices (SALib) of outcomes to policy levers and behaviour.

A Sobol sequence (Saltelli's scheme without second-order terms: N x (D + 2) runs for D
factors) is run through `countysim.run` into the store, each point a stored run with its
factor values as overrides, so an interrupted study resumes where it stopped and the
analysis reads the database. First-order (S1) and total (ST) indices come with SALib's
bootstrap 95% intervals; with small N they are wide, and the figure shows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Factor:
    """A factor varied over [low, high] (uniform), its config key and a readable name."""

    key: str
    low: float
    high: float
    label: str


# policy levers first, then the behavioural parameters whose sources say "estimate"
FACTORS: tuple[Factor, ...] = (
    Factor("payment.prepay_share", 0.85, 1.0, "prepaid share"),
    Factor("secondment.specialists_per_township", 0.0, 2.0, "specialists per township"),
    Factor("triage.level_step", 0.0, 0.2, "reimbursement step per level"),
    Factor("triage.bypass_penalty", 0.0, 0.3, "bypass penalty"),
    Factor("care.travel_per_hour", 0.3, 3.0, "disutility of travel time"),
    Factor("care.oop_log", 0.1, 1.5, "disutility of out-of-pocket cost"),
    Factor("care.trust_weight", 0.5, 4.0, "weight of trust"),
    Factor("secondment.skill_transfer_rate", 0.0001, 0.003, "skill transfer rate"),
)
OUTPUTS = {
    "inpatient_in_county_rate": "inpatient in-county rate, final year",
    "fund_balance_ratio": "fund balance / income, mean of the years",
}


def problem(factors: Sequence[Factor] = FACTORS) -> dict[str, Any]:
    """SALib's problem dict."""
    return {
        "num_vars": len(factors),
        "names": [f.key for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }


def sample(n: int, factors: Sequence[Factor] = FACTORS, seed: int = 0) -> np.ndarray:
    """The N x (D + 2) points (rows) of the Sobol sequence, N a power of two."""
    from SALib.sample import sobol

    if n < 1 or n & (n - 1):
        raise ValueError(f"n = {n}: must be a power of two (Sobol sequence)")
    return np.asarray(sobol.sample(problem(factors), n, calc_second_order=False, seed=seed))


def point_overrides(x: np.ndarray, factors: Sequence[Factor] = FACTORS) -> list[str]:
    """Overrides setting each factor to its value in one point (12 significant digits)."""
    return [f"{f.key}={float(v):.12g}" for f, v in zip(factors, x, strict=True)]


def _run_one(overrides: list[str]) -> int:
    from countysim.run import Skipped, run

    result = run(overrides, resume=True)
    return int(result.run_id) if isinstance(result, Skipped) else int(result.run_id or -1)


def run_points(base: Sequence[str], points: np.ndarray, jobs: int = 1) -> list[int]:
    """Run (or find already stored) every point; their run ids, in order."""
    todo = [[*base, *point_overrides(x)] for x in points]
    if jobs <= 1:
        return [_run_one(o) for o in todo]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_run_one, todo, chunksize=1))


def outputs(yearly: pd.DataFrame, run_ids: Sequence[int]) -> pd.DataFrame:
    """Each run's outcomes (rows in run_ids order): final-year in-county rate, mean balance."""
    df = yearly[yearly["run_id"].isin(run_ids)]
    last = df[df["year"] == df.groupby("run_id")["year"].transform("max")]
    out = pd.DataFrame(
        {
            "inpatient_in_county_rate": last.set_index("run_id")["inpatient_in_county_rate"],
            "fund_balance_ratio": df.groupby("run_id")["fund_balance_ratio"].mean(),
        }
    )
    missing = sorted(set(run_ids) - set(out.index))
    if missing:
        raise ValueError(f"runs {missing[:5]} are not in the store (or not completed)")
    return out.loc[list(run_ids)]


def indices(y: pd.DataFrame, factors: Sequence[Factor] = FACTORS, seed: int = 0) -> pd.DataFrame:
    """S1 and ST with 95% bootstrap intervals, one row per (output, factor, order)."""
    from SALib.analyze import sobol

    rows = []
    for name in y.columns:
        si = sobol.analyze(
            problem(factors), y[name].to_numpy(float), calc_second_order=False, seed=seed
        )
        for i, f in enumerate(factors):
            for order in ("S1", "ST"):
                rows.append(
                    {
                        "output": name,
                        "factor": f.key,
                        "label": f.label,
                        "order": order,
                        "index": float(si[order][i]),
                        "ci95": float(si[f"{order}_conf"][i]),
                    }
                )
    return pd.DataFrame(rows)
