"""Mesa agents of a county: residents (patients) and the facilities that treat them."""

from countysim.agents.consortium import Consortium
from countysim.agents.facilities import (
    CountyHospital,
    Facility,
    OutOfCountyHospital,
    TownshipHospital,
    VillageDoctor,
)
from countysim.agents.patient import Patient

__all__ = [
    "Consortium",
    "CountyHospital",
    "Facility",
    "OutOfCountyHospital",
    "Patient",
    "TownshipHospital",
    "VillageDoctor",
]
