"""Dashboard: the Mesa model the SolaraViz page steps; one step = one calendar month.

It holds one county model per arm: the chosen package and, in compare mode, the
fee-for-service baseline of the same county and seed. The arms draw from the same named
random streams (world/streams.py), so they share the county, its residents and every
draw the policies do not change (common random numbers): their difference is the
package's effect plus the noise that the package's own changes cause, not two counties'.
"""

from __future__ import annotations

import time
from typing import Any

import mesa
import numpy as np
import pandas as pd

from countysim.config.compose import build, compose_config
from countysim.config.params import ConfigError
from countysim.metrics import DAYS_PER_YEAR
from countysim.model import CountyModel
from countysim.viz import levers as lv
from countysim.viz.observe import days_to_month_end, facility_table, layout, month_row

ARMS = ("package", "baseline")


class Dashboard(mesa.Model):
    """The arms of one lever setting, advanced a month per step and observed after each."""

    def __init__(self, **kwargs: Any) -> None:
        """Build the arms of a lever setting (levers.py; Mesa's check wants `**kwargs`)."""
        levers = kwargs
        super().__init__(seed=int(levers.get("seed", lv.defaults()["seed"])))
        self.levers = {**lv.defaults(), **levers}
        self.error: str | None = None
        self.arms: dict[str, CountyModel] = {}
        self.rows: list[dict[str, Any]] = []
        self.tables: dict[str, pd.DataFrame] = {}
        self._last_visits: dict[str, np.ndarray] = {}
        self.compute_seconds = 0.0
        self.build_seconds = 0.0
        t0 = time.perf_counter()
        try:
            names = ARMS if self.levers["compare"] else ARMS[:1]
            for name in names:
                ov = lv.overrides(levers, baseline=name == "baseline")
                cfg, policies = build(compose_config(ov)[0])
                self.arms[name] = CountyModel(cfg, policies)
        except ConfigError as exc:
            self.error = str(exc)
            self.release()
            self.arms = {}
            self.running = False
        self.build_seconds = time.perf_counter() - t0
        for name, arm in self.arms.items():
            self._last_visits[name] = np.zeros(arm.county.facilities.n, dtype=np.int64)
        self.layout = layout(self.arms["package"]) if self.arms else pd.DataFrame()

    @property
    def months(self) -> int:
        """Calendar months simulated so far."""
        return int(self.steps)

    def step(self) -> None:
        """Advance every arm to the end of the current calendar month, then observe it."""
        if not self.arms:
            self.running = False
            return
        t0 = time.perf_counter()
        for name, arm in self.arms.items():
            days = min(days_to_month_end(arm.day), arm.n_days - arm.day)
            for _ in range(days):
                arm.step()
            self.rows.append({"arm": name, **month_row(arm, days)})
            self._observe_facilities(name, arm, days)
            if not arm.running:
                self.running = False
        self.compute_seconds += time.perf_counter() - t0

    def _observe_facilities(self, name: str, arm: CountyModel, days: int) -> None:
        """This month's visits per facility: the year's count minus last month's (0 in January)."""
        year = (arm.day - 1) // DAYS_PER_YEAR
        visits = arm.metrics.fac_visits[year]
        first_month = (arm.day - days) % DAYS_PER_YEAR == 0
        month = visits - (0 if first_month else self._last_visits[name])
        self._last_visits[name] = visits.copy()
        self.tables[name] = facility_table(arm, month, days)

    def history(self) -> pd.DataFrame:
        """Every observed month of every arm (one row per arm and month)."""
        return pd.DataFrame(self.rows)

    def difference(self) -> pd.DataFrame:
        """Package minus baseline, month by month (empty unless comparing)."""
        h = self.history()
        if h.empty or "baseline" not in self.arms:
            return pd.DataFrame()
        a = h[h.arm == "package"].set_index("step")
        b = h[h.arm == "baseline"].set_index("step")
        cols = [
            "in_county_rate",
            "inpatient_in_county_rate",
            "primary_care_share",
            "fund_projected_yuan",
        ]
        diff = a[cols] - b[cols]
        diff.insert(0, "t_years", a["t_years"])
        return diff.reset_index()

    def release(self) -> None:
        """Drop Mesa's id counters of the arms (they keep a model alive otherwise)."""
        for arm in self.arms.values():
            arm.release()
        mesa.Agent._ids.pop(self, None)
