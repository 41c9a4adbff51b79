"""Typed configuration schemas, registered in Hydra's ConfigStore.

Every field is declared with its range, unit, one-line description and source (see
params.py); `validate` rejects a bad value before any simulation starts. Sources refer to
docs/sources.md; values marked *estimate* are there to be swept.
Level order everywhere: village clinic, township centre, county hospital, out of county.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

from countysim.agents.decisions import ProviderConfig
from countysim.care.chronic import ChronicConfig
from countysim.config.params import MAX_SEED, ConfigError, param
from countysim.money.funding import InsuranceConfig
from countysim.money.prices import PriceConfig
from countysim.world.population import PopulationConfig

LEVELS = ("village", "township", "county", "out_of_county")
AGE_BANDS = ("0-14", "15-44", "45-64", "65+")
SEVERITIES = ("minor", "common", "complex", "highly_complex")


@dataclass
class SimConfig:
    """How long to simulate and how to report progress."""

    years: int = param(3, 1, 50, unit="years", help="simulated years, 365 daily steps each")
    start_calendar_year: int = param(2024, 2000, 2100, help="calendar year of simulated year 0")
    progress: bool = param(True, help="show a progress bar when attached to a terminal")


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


@dataclass
class DemandConfig:
    """Episode onset rates by age band and severity mix (calibrated, see docs/odd.md)."""

    outpatient_per_year: list[float] = param(
        [5.6, 3.95, 5.1, 6.5],
        0,
        100,
        unit="episodes/person/year",
        length=4,
        help="acute outpatient episodes by age band (calibrated to 6.8 visits, NHC 2023)",
    )
    inpatient_per_year: list[float] = param(
        [0.07789, 0.09523, 0.1645, 0.3202],
        0,
        5,
        unit="episodes/person/year",
        length=4,
        help="episodes needing admission by age band (calibrated: providers-400k-2026-11-25, "
        "to 20.7% admissions, NHSA 2023, with the facilities' own admissions)",
    )
    chronic_followups_per_year: float = param(
        2.5, 0, 52, unit="visits/condition/year", help="routine chronic follow-ups (estimate)"
    )
    chronic_acute_multiplier: float = param(
        1.25, 1, 10, help="acute-episode rate multiplier per chronic condition (estimate)"
    )
    outpatient_severity: list[float] = param(
        [0.50, 0.30, 0.17, 0.03],
        0,
        1,
        unit="share",
        length=4,
        sums_to_one=True,
        help="minor/common/complex/highly complex (estimate)",
    )
    inpatient_severity: list[float] = param(
        [0.0, 0.40, 0.47, 0.13],
        0,
        1,
        unit="share",
        length=4,
        sums_to_one=True,
        help="minor/common/complex/highly complex (estimate; THC 13.2% of admissions, NHC 2023)",
    )
    stay_days: list[float] = param(
        [1.0, 6.6, 8.6, 8.8],
        1,
        60,
        unit="days",
        length=4,
        help="mean length of stay by level (THC: ¥2083/¥317.5 per bed-day, NHC 2020)",
    )


@dataclass
class CareConfig:
    """Care seeking utility, trust learning, capability and capacity."""

    travel_per_hour: float = param(
        0.5438,
        0,
        20,
        unit="utility/hour",
        help="disutility of travel (of the first hour, if concave)",
        source="calibrated: travel-2026-11-25",
    )
    key_centre_nest: float = param(
        1.0,
        0.05,
        1.0,
        help="nested logit of own and key township centre (county.key_centres): 1 = two "
        "unrelated facilities (plain logit); towards 0 = one township option, the better of "
        "the two taking it (a key centre no better than one's own draws nobody)",
    )
    travel_scale_min: float | None = param(
        60.0,
        1,
        100000,
        unit="minutes",
        help="concave travel: disutility = travel_per_hour x scale/60 x log(1 + minutes/scale), "
        "the same per hour for short trips, felt less beyond the scale (distance decay); "
        "null: linear, travel_per_hour x minutes/60",
    )
    oop_log: float = param(0.6, 0, 20, help="disutility per log(1 + expected OOP / ¥100)")
    trust_weight: float = param(2.0, 0, 20, help="utility per unit of trust (0-1)")
    undertreat_weight: float = param(
        1.5, 0, 20, help="disutility per severity level above a facility's level"
    )
    outpatient_constant: list[float] = param(
        [0.0, 0.3503, -0.04196, -0.3289],
        -20,
        20,
        length=4,
        help="outpatient level constants (calibrated: travel-2026-11-25)",
    )
    inpatient_constant: list[float] = param(
        [-0.521, 1.782, 1.931, 1.178],
        -20,
        20,
        length=4,
        help="inpatient level constants (calibrated: travel-2026-11-25)",
    )
    initial_trust: list[float] = param(
        [0.861, 0.902, 0.939, 0.978],
        0,
        1,
        length=4,
        help="initial trust in each level: its steady state, the level's good-outcome share "
        "(scripts/steady_trust.py)",
    )
    trust_learning_rate: float = param(0.1, 0, 1, help="weight of the latest outcome in trust")
    capability: list[float] = param(
        [0.2, 1.2, 2.3, 4.0],
        0,
        10,
        length=4,
        help="severity a level can treat; P(treat s) = clip(capability - s + 1, 0, 1) (estimate)",
    )
    capability_reference: list[float] = param(
        [0.2, 1.2, 2.3, 4.0],
        0,
        10,
        length=4,
        help="capability by level at which the level constants were fitted: patients see a "
        "facility's capability relative to it, so a county whose hospitals are weaker "
        "(care.capability below it) or a centre lifted by secondment is seen as such",
    )
    capability_weight: float = param(
        2.599,
        0,
        5,
        unit="utility per capability level",
        help="utility of a facility's capability above (below) its level's reference, for "
        "every severity: patients value a more capable facility even for minor care, its "
        "doctors' reputation (0 = only the under-treatment gap counts)",
        source="calibrated: tucheng-presence-2026-11-25",
    )
    reputation_lag_days: float = param(
        918.1,
        0,
        3650,
        unit="days",
        help="time constant of word of mouth: patients see a facility's capability gain "
        "through a first-order lag (care/reputation.py); 0 = at once",
        source="calibrated: tucheng-presence-2026-11-25",
    )
    outpatients_per_doctor_day: list[float] = param(
        [25, 15, 12], 1, 500, length=3, unit="visits/doctor/day", help="village/township/county"
    )
    success_base: float = param(0.85, 0, 1, help="P(good outcome) when capability = severity")
    success_slope: float = param(0.08, 0, 1, help="change in P(good outcome) per capability level")
    max_turnaways: int = param(
        2,
        0,
        3,
        help="turn-aways in a day after which an episode still tries another facility (so up "
        "to max_turnaways + 1 full facilities a day) before it waits for the next day",
    )
    max_wait_days: int = param(
        3,
        0,
        60,
        unit="days",
        help="days an episode turned away everywhere waits and tries again before it goes "
        "untreated (estimate)",
    )
    convalescent_share: float = param(
        0.4, 0, 1, unit="share", help="share of a down-referred stay spent at the township"
    )

    def check(self, path: str) -> None:
        """Cross-field checks."""
        if self.capability[3] < 3:
            raise ConfigError(
                f"{path}.capability = {self.capability!r}: out-of-county capability must be ≥ 3 "
                "(it treats every severity)"
            )


@dataclass
class StoreConfig:
    """Where results go."""

    url: str | None = param(
        None,
        help="SQLAlchemy URL; default $COUNTYSIM_STORE_URL, else "
        "sqlite:///<cwd>/outputs/countysim.db (never stored with a run)",
    )
    reuse_any_version: bool = param(
        False,
        help="resume: count a point completed by another model version as done "
        "(default: only runs of this exact model, provenance.model_id)",
    )


@dataclass
class Config:
    """The whole run."""

    seed: int = param(0, 0, MAX_SEED, help="master seed; same config and seed, same results")
    sim: SimConfig = field(default_factory=SimConfig)
    county: CountyConfig = field(default_factory=CountyConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    care: CareConfig = field(default_factory=CareConfig)
    insurance: InsuranceConfig = field(default_factory=InsuranceConfig)
    prices: PriceConfig = field(default_factory=PriceConfig)
    providers: ProviderConfig = field(default_factory=ProviderConfig)
    chronic: ChronicConfig = field(default_factory=ChronicConfig)
    population: PopulationConfig = field(default_factory=PopulationConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    payment: Any = field(default_factory=lambda: {"_target_": "countysim.policies.FeeForService"})
    secondment: Any = field(default_factory=lambda: {"_target_": "countysim.policies.NoSecondment"})
    triage: Any = field(default_factory=lambda: {"_target_": "countysim.policies.OpenAccess"})


def register_configs() -> None:
    """Register the schemas with Hydra so YAML is checked against them at composition."""
    cs = ConfigStore.instance()
    cs.store(name="base_config", node=Config)
    cs.store(group="county", name="base_county", node=CountyConfig)
    cs.store(group="store", name="base_store", node=StoreConfig)
