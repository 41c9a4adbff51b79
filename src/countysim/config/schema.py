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
from countysim.config.axes import AGE_BANDS, LEVELS, SEVERITIES
from countysim.config.params import MAX_SEED, ConfigError, param
from countysim.money.funding import InsuranceConfig
from countysim.money.prices import PriceConfig
from countysim.world.county_config import CountyConfig
from countysim.world.population import PopulationConfig

__all__ = ["AGE_BANDS", "LEVELS", "SEVERITIES", "Config", "CountyConfig", "register_configs"]


@dataclass
class SimConfig:
    """How long to simulate and how to report progress."""

    years: int = param(3, 1, 50, unit="years", help="simulated years, 365 daily steps each")
    start_calendar_year: int = param(2024, 2000, 2100, help="calendar year of simulated year 0")
    progress: bool = param(True, help="show a progress bar when attached to a terminal")


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
