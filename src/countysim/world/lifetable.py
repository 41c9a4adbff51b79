"""Deaths by age and sex: a Gompertz-Makeham life table fitted to life expectancy.

China publishes life expectancy by sex (2020 census: men 75.37, women 80.88 years; NBS)
and infant mortality (5.4 per 1,000 in 2020; NHC bulletin). The annual probability of
death at age x >= 1 is

    q(x) = 1 - exp(-(c + a exp(b x)))

with the Makeham term c and the Gompertz slope b declared (`population.*`, estimates:
mortality doubling every ln 2 / b years of adult age); the level a is solved for each sex
so that the life table's life expectancy at birth equals the published figure, with
q(0) = infant mortality. Life expectancy: e0 = sum over x of the person-years lived
(l(x) + l(x+1)) / 2, with l(0) = 1 and everybody dead by MAX_AGE.
"""

from __future__ import annotations

import numpy as np

MAX_AGE = 120  # q = 1 at this age


def death_probabilities(a: float, b: float, c: float, infant: float) -> np.ndarray:
    """q(x) for x = 0..MAX_AGE (q(MAX_AGE) = 1)."""
    x = np.arange(MAX_AGE + 1, dtype=np.float64)
    q = 1.0 - np.exp(-(c + a * np.exp(b * x)))
    q[0] = infant
    q[-1] = 1.0
    return np.clip(q, 0.0, 1.0)


def life_expectancy(q: np.ndarray) -> float:
    """Life expectancy at birth of the table q(x)."""
    alive = np.concatenate([[1.0], np.cumprod(1.0 - q)])
    return float(((alive[:-1] + alive[1:]) / 2.0).sum())


def fit_gompertz_level(e0: float, b: float, c: float, infant: float) -> float:
    """The Gompertz level a whose table has life expectancy e0 (bisection on log a)."""
    lo, hi = -30.0, 0.0  # log a
    if not life_expectancy(death_probabilities(np.exp(hi), b, c, infant)) < e0:
        raise ValueError(f"life expectancy {e0} is too low for this table")
    if not life_expectancy(death_probabilities(np.exp(lo), b, c, infant)) > e0:
        raise ValueError(f"life expectancy {e0} is beyond what the table allows")
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if life_expectancy(death_probabilities(np.exp(mid), b, c, infant)) > e0:
            lo = mid
        else:
            hi = mid
    return float(np.exp((lo + hi) / 2.0))


def survival(q: np.ndarray) -> np.ndarray:
    """Chance of reaching each age 0..MAX_AGE, averaged over the sexes of q[sex, age]."""
    alive = np.concatenate([np.ones((q.shape[0], 1)), np.cumprod(1.0 - q[:, :-1], axis=1)], axis=1)
    return alive.mean(axis=0)


def life_table(e0_male: float, e0_female: float, b: float, c: float, infant: float) -> np.ndarray:
    """q[sex, age] with sex 0 = female, 1 = male, fitted to each sex's life expectancy."""
    out = np.empty((2, MAX_AGE + 1))
    for sex, e0 in ((0, e0_female), (1, e0_male)):
        out[sex] = death_probabilities(fit_gompertz_level(e0, b, c, infant), b, c, infant)
    return out
