"""The county's configuration: population, facility ratios, travel times, chronic
prevalence (a preset in configs/county/ sets it; world/county.py builds the county from it)."""

from __future__ import annotations

from dataclasses import dataclass

from countysim.config.axes import AGE_BANDS
from countysim.config.params import ConfigError, param


@dataclass
class CountyConfig:
    """A synthetic county: population, facility ratios, travel times, chronic prevalence."""

    name: str = param("default", help="preset name, recorded with every run")
    residents: int = param(400_000, 200, 5_000_000, unit="people", help="county population")
    residents_per_township: float = param(
        22_000, 500, 200_000, unit="people", help="≈18 townships per 400k county (NHC 2023)"
    )
    residents_per_village: float = param(
        1_300, 100, 20_000, unit="people", help="≈310 village clinics per county (NHC 2023)"
    )
    county_hospitals: list[str] = param(
        ["people's hospital", "TCM hospital"], help="county-level hospitals leading consortia"
    )
    county_hospital_shares: list[float] = param(
        [0.7, 0.3], 0, 1, unit="share", sums_to_one=True, help="split of county doctors/beds"
    )
    consortia: str = param(
        "per_hospital",
        help="'per_hospital': each county hospital leads a consortium of a block of townships "
        "(by county_hospital_shares) and their village clinics; 'one': a single consortium",
        source="Wuxi: two consortia of 18 and 14 members; Luxian: three",
    )
    age_shares: list[float] = param(
        [0.17, 0.36, 0.28, 0.19],
        0,
        1,
        unit="share",
        length=4,
        sums_to_one=True,
        help="age bands 0-14/15-44/45-64/65+",
        source="2020 census, rural (estimate)",
    )
    male_share: float = param(0.51, 0, 1, unit="share", source="2020 census")
    enrolment_share: float = param(
        0.95, 0, 1, unit="share", help="residents in the resident insurance scheme (estimate)"
    )
    village_clinic_travel_min: float = param(10, 0, 600, unit="min", source="Luxian 10-min circle")
    township_travel_min: float = param(20, 0, 600, unit="min", source="Luxian 20-min circle")
    county_travel_min: float = param(30, 0, 600, unit="min", source="Luxian 30-min circle")
    out_of_county_travel_min: float = param(
        120, 0, 1440, unit="min", help="to prefecture/provincial hospital (estimate)"
    )
    remoteness_sd: float = param(
        0.4, 0, 2, help="log-sd of a village's remoteness factor on travel times (estimate)"
    )
    key_centres: int = param(
        0,
        0,
        200,
        unit="townships",
        help="key central township centres (中心卫生院; Xishui's '2+5+N' has 5): the most "
        "populous townships; residents of each other township may also choose the key centre "
        "nearest it (by township number). 0: none",
    )
    key_centre_extra_travel_min: float = param(
        30,
        0,
        600,
        unit="min",
        help="travel to the nearest key centre beyond the own township centre, scaled by the "
        "township's remoteness factor (estimate)",
    )
    key_centre_capability: float | None = param(
        None,
        0,
        4,
        unit="capability",
        help="capability of the key centres before any support: below the township "
        "reference (care.capability_reference) a weak centre that patients avoid and that "
        "refers more up; null: the township level's (care.capability)",
    )
    village_doctors_per_clinic: float = param(2.3, 0.5, 20, unit="doctors", source="NHC 2023")
    township_doctors_per_centre: float = param(
        18, 1, 500, unit="doctors", help="of ≈48 staff (NHC 2023; doctor share estimate)"
    )
    township_beds_per_centre: float = param(45, 0, 2000, unit="beds", source="NHC 2023")
    county_doctors_per_1000: float = param(
        0.9, 0.01, 20, unit="doctors/1000", help="county-hospital doctors (estimate)"
    )
    county_beds_per_1000: float = param(
        2.8,
        0.01,
        50,
        unit="beds/1000",
        help="county-hospital beds (calibrated: occupancy ≈ 89%)",
        source="public hospitals' bed occupancy 86.0% (NHC bulletin 2023)",
    )
    hypertension_adult_share: float = param(0.275, 0, 1, unit="share", source="CNCDR 2020")
    diabetes_adult_share: float = param(0.12, 0, 1, unit="share", source="CNCDR 2020; JAMA 2021")
    copd_40plus_share: float = param(0.136, 0, 1, unit="share", source="Lancet Respir Med 2018")
    stroke_40plus_share: float = param(
        0.0258, 0, 1, unit="share", source="Lancet Reg Health WP 2022"
    )
    adult_condition_age_rr: list[float] = param(
        [0.0, 0.35, 1.4, 2.2],
        0,
        20,
        unit="ratio",
        help="relative prevalence by age band of hypertension and diabetes (estimate; shape of "
        "the China Hypertension Survey 2012-15 age gradient, Circulation 2018)",
    )
    older_condition_age_rr: list[float] = param(
        [0.0, 0.0, 0.8, 1.5],
        0,
        20,
        unit="ratio",
        help="relative prevalence by age band of COPD and stroke (40+ conditions; estimate)",
    )
    village_size_shape: float = param(
        4.0,
        0.1,
        1000,
        help="gamma shape of village population weights; coefficient of variation "
        "1/sqrt(shape) (estimate)",
    )

    def check(self, path: str) -> None:
        """Cross-field checks."""
        if self.consortia not in ("per_hospital", "one"):
            raise ConfigError(
                f"{path}.consortia = {self.consortia!r}: must be 'per_hospital' or 'one'"
            )
        if len(self.county_hospital_shares) != len(self.county_hospitals):
            raise ConfigError(
                f"{path}.county_hospital_shares: needs one share per county hospital "
                f"({len(self.county_hospitals)})"
            )
        if not self.county_hospitals:
            raise ConfigError(f"{path}.county_hospitals: at least one county hospital is required")
        n_town = max(1, round(self.residents / self.residents_per_township))
        if self.key_centres > n_town:
            raise ConfigError(
                f"{path}.key_centres = {self.key_centres}: must be in [0, {n_town}], the number "
                f"of townships ({self.residents} residents / residents_per_township "
                f"{self.residents_per_township:g})"
            )
        for name in ("adult_condition_age_rr", "older_condition_age_rr"):
            rr = getattr(self, name)
            if len(rr) != len(AGE_BANDS) or not any(v > 0 for v in rr):
                raise ConfigError(
                    f"{path}.{name} = {rr!r}: needs {len(AGE_BANDS)} values (one per age band "
                    f"{', '.join(AGE_BANDS)}), at least one above 0"
                )
