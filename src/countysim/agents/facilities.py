"""Facility agents: village doctors, township centres, county hospitals, the outside sink.

Each is a Mesa agent viewing one row of the model's facility arrays (capability,
doctors, beds) and of its yearly accounts (visits, admissions, revenue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from countysim.model import CountyModel


class Facility(mesa.Agent):
    """A place of care (facility id `fac`)."""

    model: CountyModel

    def __init__(self, model: CountyModel, fac: int) -> None:
        super().__init__(model)
        self.fac = fac

    @property
    def name(self) -> str:
        """Facility name."""
        return self.model.county.facilities.name[self.fac]

    @property
    def level(self) -> int:
        """0 village, 1 township, 2 county, 3 out of county."""
        return int(self.model.county.facilities.level[self.fac])

    @property
    def doctors(self) -> float:
        """Doctors on duty today (including seconded staff)."""
        return float(self.model.doctors[self.fac])

    @property
    def beds(self) -> int:
        """Beds."""
        return int(self.model.county.facilities.beds[self.fac])

    @property
    def capability(self) -> float:
        """Highest severity it treats with certainty, plus one (see routing)."""
        return float(self.model.capability[self.fac])

    @property
    def visits_this_year(self) -> int:
        """Outpatient visits so far this year."""
        return int(self.model.metrics.fac_visits[self.model.year, self.fac])

    @property
    def admissions_this_year(self) -> int:
        """Admissions so far this year."""
        return int(self.model.metrics.fac_admissions[self.model.year, self.fac])

    @property
    def revenue_this_year_yuan(self) -> float:
        """Revenue (insurer + patients) so far this year."""
        return self.model.metrics.fac_revenue_fen[self.model.year, self.fac] / 100.0


class VillageDoctor(Facility):
    """A village doctor (乡村医生), staffing the village clinic `fac` (= village id)."""

    @property
    def clinic(self) -> int:
        """Facility id of the village clinic this doctor staffs."""
        return self.fac


class TownshipHospital(Facility):
    """A township health centre (乡镇卫生院)."""


class CountyHospital(Facility):
    """A county-level hospital (县人民医院, 县中医院, ...) leading a consortium."""


class OutOfCountyHospital(Facility):
    """Prefecture and provincial hospitals outside the county: unlimited, the leakage sink."""
