"""A living population: ageing, deaths, births and working-age out-migration, yearly.

At the start of every simulated year after the first (`Population.advance_year`):
1. deaths: each living resident dies with the life table's probability for their age
   and sex (lifetable.py: Gompertz-Makeham fitted to the 2020 census life expectancy);
   the slot is freed and the Patient agent removed through Mesa;
2. ageing: the living are a year older; crossing into an age band, a resident without a
   condition acquires it with probability (p_new - p_old) / (1 - p_old), the rise of the
   band's prevalence (county.py), so prevalence by age is kept as cohorts age;
3. births: Poisson(birth_rate x living residents); each newborn takes a freed slot (or a
   new one), in the village of a living woman aged 15-49 drawn at random, enrolled with
   `county.enrolment_share`, a new Patient agent;
4. migration: migrants return with probability `away_return_rate` (and at 65); then
   working-age residents (15-64) at home leave with the probability that brings the share
   of the working-age away back to `away_share` in expectation. Away residents stay insured (their
   premium and subsidy are paid) but only `away_home_care_share` of their episodes arise
   at home; the rest are treated outside the county as registered migrants (异地就医:
   no penalty for leaving without referral), paid by the fund like any other claim.

Stream "population" draws everything here; no other stream is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from countysim.config.params import param
from countysim.world.lifetable import MAX_AGE

if TYPE_CHECKING:
    from countysim.model import CountyModel

WORKING_AGE = (15, 64)
BAND_START = np.array([0, 15, 45, 65])


@dataclass
class PopulationConfig:
    """Demography of the county (population.py)."""

    dynamic: bool = param(
        True, help="residents age, die, are born and migrate every year (false: a fixed population)"
    )
    life_expectancy_male: float = param(
        75.37, 40, 100, unit="years", help="at birth", source="2020 census (NBS)"
    )
    life_expectancy_female: float = param(
        80.88, 40, 100, unit="years", help="at birth", source="2020 census (NBS)"
    )
    infant_mortality: float = param(
        0.0054, 0, 0.2, unit="per birth", help="deaths before age 1", source="NHC bulletin 2020"
    )
    gompertz_slope: float = param(
        0.09, 0.01, 0.3, unit="1/year", help="rise of log mortality per year of age (estimate)"
    )
    makeham: float = param(
        0.0003, 0, 0.05, unit="1/year", help="age-independent mortality (estimate)"
    )
    birth_rate_per_1000: float = param(
        6.39, 0, 60, unit="per 1000/year", help="crude birth rate", source="NBS 2023"
    )
    male_share_at_birth: float = param(
        0.527, 0, 1, unit="share", help="sex ratio at birth 111.3", source="2020 census (NBS)"
    )
    away_share: float = param(
        0.3,
        0,
        0.95,
        unit="share",
        help="working-age residents living and working outside the county (estimate; NBS 2023 "
        "migrant worker survey: 176.6 M rural workers work outside their township)",
    )
    away_return_rate: float = param(
        0.1, 0, 1, unit="1/year", help="yearly chance that a migrant comes home (estimate)"
    )
    away_home_care_share: float = param(
        0.15,
        0,
        1,
        unit="share",
        help="share of a migrant's episodes that arise at home (estimate: about two months a "
        "year, around the Spring Festival)",
    )


class Population:
    """Who lives in the county this year; changes the resident arrays in place."""

    def __init__(self, model: CountyModel, cfg: PopulationConfig) -> None:
        self.cfg = cfg
        self.model = model
        self.rng = model.streams["population"]
        self.q = model.life_table  # [sex (0 female, 1 male), age]
        res = model.residents
        working = (res.age >= WORKING_AGE[0]) & (res.age <= WORKING_AGE[1])
        res.away[:] = working & (self.rng.random(res.n) < cfg.away_share)
        self.deaths = self.births = self.moved_away = self.came_home = 0

    def living(self) -> int:
        """Residents alive now."""
        return int(self.model.residents.alive.sum())

    def advance_year(self) -> np.ndarray:
        """Deaths, ageing, new conditions, births, migration; returns the newborns' ids."""
        res, rng = self.model.residents, self.rng
        alive = np.flatnonzero(res.alive)
        q = self.q[res.male[alive].astype(np.int64), np.minimum(res.age[alive], MAX_AGE)]
        dead = alive[rng.random(alive.size) < q]
        self._die(dead)
        self._age()
        born = self._births()
        self._migrate()
        return born

    def _die(self, dead: np.ndarray) -> None:
        res = self.model.residents
        res.alive[dead] = False
        res.enrolled[dead] = False
        res.away[dead] = False
        res.chronic[dead] = 0
        self.model.remove_patients(dead)
        self.deaths = int(dead.size)

    def _age(self) -> None:
        """Everybody alive a year older; conditions arise when entering an older band."""
        res, rng = self.model.residents, self.rng
        alive = np.flatnonzero(res.alive)
        res.age[alive] = np.minimum(res.age[alive].astype(np.int64) + 1, MAX_AGE).astype(
            res.age.dtype
        )
        new_band = (np.searchsorted(BAND_START, res.age[alive], side="right") - 1).astype(
            res.age_band.dtype
        )
        moved = alive[new_band != res.age_band[alive]]
        old = res.age_band[moved].astype(np.int64)
        res.age_band[alive] = new_band
        prev = self.model.county.prevalence  # [condition, band]
        for bit_i, bit in enumerate((1, 2, 4, 8)):
            p_old, p_new = prev[bit_i, old], prev[bit_i, old + 1]
            onset = np.where(p_old < 1.0, np.maximum(p_new - p_old, 0.0) / (1.0 - p_old), 0.0)
            gets = rng.random(moved.size) < onset
            res.chronic[moved[gets]] |= np.uint8(bit)

    def _births(self) -> np.ndarray:
        res, rng, cfg = self.model.residents, self.rng, self.cfg
        living = int(res.alive.sum())
        n = int(rng.poisson(cfg.birth_rate_per_1000 / 1000.0 * living))
        mothers = np.flatnonzero(res.alive & ~res.male & (res.age >= 15) & (res.age <= 49))
        pool = mothers if mothers.size else np.flatnonzero(res.alive)
        if n == 0 or pool.size == 0:
            self.births = 0
            return np.zeros(0, dtype=np.int64)
        village = res.village[pool[rng.integers(0, pool.size, size=n)]]
        male = rng.random(n) < cfg.male_share_at_birth
        enrolled = rng.random(n) < self.model.cfg.county.enrolment_share
        free = np.flatnonzero(~res.alive)
        if free.size < n:
            self.model.grow_residents(n - free.size)
            free = np.flatnonzero(~res.alive)
        ids = free[:n]
        res.alive[ids] = True
        res.village[ids] = village
        res.age[ids] = 0
        res.age_band[ids] = 0
        res.male[ids] = male
        res.enrolled[ids] = enrolled
        res.chronic[ids] = 0
        res.away[ids] = False
        res.trust[ids] = np.asarray(self.model.cfg.care.initial_trust, dtype=np.float32)
        self.model.add_patients(ids)
        self.births = n
        return ids

    def _migrate(self) -> None:
        res, rng, cfg = self.model.residents, self.rng, self.cfg
        working = res.alive & (res.age >= WORKING_AGE[0]) & (res.age <= WORKING_AGE[1])
        u = rng.random(res.n)
        back = res.away & ((u < cfg.away_return_rate) | ~working)
        res.away[back] = False
        # leave so that `away_share` of the working-age are away again, in expectation
        home = working & ~res.away
        n_work, n_home = int(working.sum()), int(home.sum())
        need = cfg.away_share * n_work - (n_work - n_home)
        leave_p = min(max(need / n_home, 0.0), 1.0) if n_home else 0.0
        leave = home & (rng.random(res.n) < leave_p)
        res.away[leave] = True
        self.moved_away, self.came_home = int(leave.sum()), int(back.sum())

    def treated_elsewhere(self, resident: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Which of the day's episodes (one uniform each) migrants have away from home."""
        return self.model.residents.away[resident] & (u >= self.cfg.away_home_care_share)

    def yearly_metrics(self) -> dict[str, float]:
        """This year's population flows and the share away."""
        res = self.model.residents
        living = max(int(res.alive.sum()), 1)
        return {
            "deaths": float(self.deaths),
            "births": float(self.births),
            "away_residents": float(res.away.sum()),
            "away_share": float(res.away.sum()) / living,
            "moved_away": float(self.moved_away),
            "came_home": float(self.came_home),
        }
