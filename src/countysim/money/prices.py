"""Case-based prices: what an episode of care costs, by case and by level.

A bill is the case's reference price (outpatient or inpatient, severity tier; priced at a
county hospital) times the level's price differential, times a lognormal factor of mean 1
for the episode's own variation:

    bill = case_price[inpatient, severity] x level_price_factor[level] x LogNormal(-sd^2/2, sd)

So moving a case down a level changes its cost by the documented differential and no more:
a severity-2 admission at a township centre costs `level_price_factor[township]` of the
same admission at a county hospital, not the township's average (which reflects its
simpler case mix). The case prices are fitted so that each level's mean bill under the
baseline case mix reproduces the national averages (NHC 2020, NHC statistics centre 2021;
`scripts/fit_case_prices.py`). A convalescent bed-day at a township centre is priced per
day (NHC 2020: ¥317.5).

Prices grow by `prices.growth_per_year` a year (nominal): the configured prices are those
of the calendar year `prices.price_year`, and `set_year(t)` scales every price by
(1 + g)^(start_calendar_year + t - price_year) at the start of simulated year t, so a run
that starts before or after the price year meets the prices of its own years, as it meets
the funding of its own years (insurance.funding_years).

DIP case groups use the same tables: a group's points are its reference price / ¥100
(at the listed, price-year prices: points are relative weights and do not inflate).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countysim.config.params import ConfigError, param


@dataclass
class PriceConfig:
    """Case-based prices: reference price per case (at a county hospital) x level differential."""

    outpatient_case_price_yuan: list[float] = param(
        [90.0, 160.0, 300.0, 300.0],
        0,
        100_000,
        unit="yuan",
        length=4,
        help="outpatient visit by severity, priced at a county hospital",
        source="fitted to NHC 2020 / NHC stats centre 2021 level averages (estimate)",
    )
    inpatient_case_price_yuan: list[float] = param(
        [2550.0, 2550.0, 8690.0, 16020.0],
        0,
        1_000_000,
        unit="yuan",
        length=4,
        help="admission by severity, priced at a county hospital",
        source="fitted to NHC 2020 / NHC stats centre 2021 level averages (estimate)",
    )
    level_price_factor: list[float] = param(
        [0.45, 0.7, 1.0, 1.39],
        0.01,
        10,
        length=4,
        help="price of the same case by level, relative to a county hospital",
        source="tertiary/secondary 3636/2613 for the same diagnosis (Transl Pediatr 2023); "
        "village and township estimate",
    )
    township_bed_day_yuan: float = param(
        317.5,
        0,
        100_000,
        unit="yuan",
        help="convalescent bed-day at a township centre",
        source="NHC 2020",
    )
    cost_log_sd: float = param(0.5, 0, 3, help="log-sd of an episode's cost around its mean")
    growth_per_year: float = param(
        0.046,
        -0.5,
        1,
        unit="share/year",
        help="nominal growth of every price from sim.start_calendar_year on (estimate: as "
        "fast as the funding schedule, so that the fund neither drifts into surplus nor "
        "into deficit by prices alone; sweep it)",
    )

    price_year: int = param(
        2024,
        2000,
        2100,
        unit="calendar year",
        help="calendar year of the listed prices; other years' prices grow or shrink by "
        "growth_per_year",
        source="the fitted averages (NHC 2020-21) taken as 2024 prices, the year the level "
        "constants were calibrated against the 2024 funding (estimate)",
    )

    def check(self, path: str) -> None:
        """Prices rise with severity."""
        for name in ("outpatient_case_price_yuan", "inpatient_case_price_yuan"):
            v = getattr(self, name)
            if any(b < a for a, b in zip(v, v[1:], strict=False)):
                raise ConfigError(f"{path}.{name} = {v!r}: must not fall with severity")


YUAN_PER_POINT = 100.0  # DIP points of a case group = reference price / this


class Prices:
    """The price schedule of one run (fen)."""

    def __init__(self, cfg: PriceConfig, start_calendar_year: int | None = None) -> None:
        self.cfg = cfg
        # simulated year 0 is this many years after the price year (0: prices as listed)
        self.offset = 0 if start_calendar_year is None else start_calendar_year - cfg.price_year
        case = np.array([cfg.outpatient_case_price_yuan, cfg.inpatient_case_price_yuan])
        self.case_yuan = case  # [inpatient, severity], at a county hospital
        factor = np.asarray(cfg.level_price_factor)
        # mean_fen[inpatient, level, severity]
        self._base_mean_fen = case[:, None, :] * factor[None, :, None] * 100.0
        self.mean_fen = self._base_mean_fen.copy()
        self.bed_day_fen = round(cfg.township_bed_day_yuan * 100.0)
        self.level = 1.0  # price level relative to the listed prices; set by set_year
        self._log_mu = -0.5 * cfg.cost_log_sd**2

    def set_year(self, year: int) -> None:
        """Scale every price to simulated year `year`: (1 + growth_per_year)^(offset + year)."""
        self.level = (1.0 + self.cfg.growth_per_year) ** (self.offset + year)
        self.mean_fen = self._base_mean_fen * self.level
        self.bed_day_fen = round(self.cfg.township_bed_day_yuan * 100.0 * self.level)

    def mean_yuan(
        self, level: np.ndarray, inpatient: np.ndarray, severity: np.ndarray
    ) -> np.ndarray:
        """Expected bill in yuan of each case at its level."""
        return self.mean_fen[inpatient.astype(np.int64), level, severity] / 100.0

    def bill(
        self,
        rng: np.random.Generator,
        level: np.ndarray,
        inpatient: np.ndarray,
        severity: np.ndarray,
    ) -> np.ndarray:
        """Total cost in fen of each treated episode at its level (lognormal around the price)."""
        mean = self.mean_fen[inpatient.astype(np.int64), level, severity]
        noise = rng.lognormal(self._log_mu, self.cfg.cost_log_sd, size=level.shape[0])
        return np.round(mean * noise).astype(np.int64)

    def points(self, inpatient: np.ndarray, severity: np.ndarray) -> np.ndarray:
        """DIP points of each case's group (reference price / ¥100 per point)."""
        return self.case_yuan[inpatient.astype(np.int64), severity] / YUAN_PER_POINT
