"""Synthetic county generator: townships around a county seat, villages around townships.

Produces plain numpy arrays (per resident, per village, per facility); the model wraps them
in Mesa agents. Defaults follow docs/sources.md (NHC 2023 counts per county,
Luxian's 10/20/30-minute access circles, chronic prevalence from CNCDR 2020).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countysim.config.schema import CareConfig, CountyConfig
from countysim.money.exact import apportion

VILLAGE, TOWNSHIP, COUNTY, OUT = 0, 1, 2, 3
HYPERTENSION, DIABETES, COPD, STROKE = 1, 2, 4, 8
CHRONIC_BITS = (HYPERTENSION, DIABETES, COPD, STROKE)


@dataclass
class Residents:
    """Per-resident state, one entry per person (index = resident id)."""

    village: np.ndarray  # int32
    age: np.ndarray  # uint8, years
    age_band: np.ndarray  # int8, index into AGE_BANDS
    male: np.ndarray  # bool
    enrolled: np.ndarray  # bool, resident insurance scheme
    chronic: np.ndarray  # uint8 bitmask of CHRONIC_BITS
    trust: np.ndarray  # float32 (N, 4): trust in each level
    alive: np.ndarray  # bool: a living resident (a freed slot otherwise; population.py)
    away: np.ndarray  # bool: a working-age migrant living outside the county

    @property
    def n(self) -> int:
        """Number of resident slots (living or freed; see `alive`)."""
        return int(self.village.shape[0])

    def grow(self, k: int) -> None:
        """Append k freed slots to every array (filled in by births)."""
        for name in ("village", "age", "age_band", "male", "enrolled", "chronic", "alive", "away"):
            a = getattr(self, name)
            setattr(self, name, np.concatenate([a, np.zeros(k, dtype=a.dtype)]))
        self.trust = np.concatenate([self.trust, np.zeros((k, self.trust.shape[1]), np.float32)])


@dataclass
class Facilities:
    """Per-facility table; index = facility id (villages, townships, county, out of county)."""

    level: np.ndarray  # int8
    name: list[str]
    township: np.ndarray  # int32, township served (-1 for county/out)
    doctors: np.ndarray  # float64
    beds: np.ndarray  # int64
    capability: np.ndarray  # float64, see CareConfig.capability
    consortium: np.ndarray  # int32, consortium the facility belongs to (-1: out of county)

    @property
    def n(self) -> int:
        """Number of facilities."""
        return int(self.level.shape[0])


@dataclass
class County:
    """A generated county."""

    residents: Residents
    facilities: Facilities
    village_township: np.ndarray  # int32 (V,)
    travel_min: np.ndarray  # float64 (V, 4): minutes to own clinic, township, county seat, out
    n_villages: int
    n_townships: int
    n_county_hospitals: int
    prevalence: np.ndarray  # float64 (condition, age band): chronic prevalence by band
    # key central township centres ("2+5+N" sub-centres; county.key_centres): the key centre
    # each township's residents may also choose (-1: none, or the township is one itself)
    key_township: np.ndarray | None = None  # int32 (T,)
    key_travel_min: np.ndarray | None = None  # float64 (V,): minutes to that key centre

    @property
    def out_facility(self) -> int:
        """Facility id of the out-of-county sink."""
        return self.facilities.n - 1

    def township_facility(self, township: np.ndarray) -> np.ndarray:
        """Facility ids of township centres (township index -> facility id)."""
        return self.n_villages + np.asarray(township, dtype=np.int64)

    @property
    def county_facilities(self) -> np.ndarray:
        """Facility ids of the county hospitals."""
        start = self.n_villages + self.n_townships
        return np.arange(start, start + self.n_county_hospitals)

    def catchments(self) -> tuple[np.ndarray, np.ndarray]:
        """Per facility: the residents living in its catchment now (alive, not away: a
        village clinic's village, a township centre's township) and their mean minutes to
        the county seat (weighted by residents); NaN for hospitals, which serve the county."""
        r = self.residents
        home = r.alive & ~r.away
        people_v = np.bincount(r.village[home], minlength=self.n_villages).astype(np.float64)
        people_t = np.bincount(self.village_township, weights=people_v, minlength=self.n_townships)
        minutes_v = people_v * self.travel_min[:, COUNTY]
        minutes_t = np.bincount(
            self.village_township, weights=minutes_v, minlength=self.n_townships
        )
        n_hosp = self.facilities.n - self.n_villages - self.n_townships
        people = np.concatenate([people_v, people_t, np.full(n_hosp, np.nan)])
        minutes = np.concatenate([minutes_v, minutes_t, np.full(n_hosp, np.nan)])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(people > 0, minutes / people, np.nan)
        return people, mean


def _band_prevalence(share: float, rr: np.ndarray, age_shares: np.ndarray) -> np.ndarray:
    """Prevalence by band whose population-weighted mean over eligible bands equals `share`."""
    eligible = rr > 0
    mean_rr = float((rr * age_shares)[eligible].sum() / age_shares[eligible].sum())
    return np.minimum(share * rr / mean_rr, 1.0)


OLDEST_AGE = 100  # oldest age drawn for a generated resident


def _ages_by_survival(
    band: np.ndarray, survival: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Single-year ages within each band, in proportion to the chance of reaching them."""
    u = np.asarray(rng.random(size=band.shape[0]), dtype=np.float64)
    age = np.empty(band.shape[0], dtype=np.uint8)
    bounds = ((0, 14), (15, 44), (45, 64), (65, OLDEST_AGE))
    for b, (lo, hi) in enumerate(bounds):
        ages = np.arange(lo, hi + 1)
        cdf = np.cumsum(survival[ages])
        cdf /= cdf[-1]
        at = band == b
        age[at] = ages[np.minimum(np.searchsorted(cdf, u[at], side="right"), ages.size - 1)]
    return age


def generate(
    cfg: CountyConfig,
    care: CareConfig,
    rng: np.random.Generator,
    survival: np.ndarray | None = None,
) -> County:
    """Build a county from its config, drawing only from `rng`.

    `survival[x]`: the life table's chance of reaching age x (lifetable.py); ages within
    an age band are drawn in proportion to it (a stationary population within the band;
    the oldest band reaches OLDEST_AGE). Without it, uniformly within the band (65-89).
    """
    n = int(cfg.residents)
    n_town = max(1, round(n / cfg.residents_per_township))
    n_vil = max(n_town, round(n / cfg.residents_per_village))
    n_cty = len(cfg.county_hospitals)

    # every township gets at least one village; the rest are spread at random
    village_township = np.concatenate(
        [np.arange(n_town), rng.integers(0, n_town, size=n_vil - n_town)]
    ).astype(np.int32)
    village_township.sort()
    weights = rng.gamma(cfg.village_size_shape, 1.0, size=n_vil)
    counts = rng.multinomial(n, weights / weights.sum())
    village = np.repeat(np.arange(n_vil, dtype=np.int32), counts)

    sd = cfg.remoteness_sd
    remote_v = rng.lognormal(-0.5 * sd**2, sd, size=n_vil)
    remote_t = rng.lognormal(-0.5 * sd**2, sd, size=n_town)[village_township]
    travel = np.empty((n_vil, 4))
    travel[:, VILLAGE] = cfg.village_clinic_travel_min * np.sqrt(remote_v)
    travel[:, TOWNSHIP] = cfg.township_travel_min * remote_v
    travel[:, COUNTY] = cfg.county_travel_min * np.sqrt(remote_v * remote_t)
    travel[:, OUT] = travel[:, COUNTY] + cfg.out_of_county_travel_min

    age_shares = np.asarray(cfg.age_shares)
    band = rng.choice(4, size=n, p=age_shares).astype(np.int8)
    if survival is None:
        lo = np.array([0, 15, 45, 65])[band]
        span = np.array([15, 30, 20, 25])[band]
        age = (lo + rng.integers(0, 1 << 30, size=n) % span).astype(np.uint8)
    else:
        age = _ages_by_survival(band, survival, rng)
    male = rng.random(n) < cfg.male_share
    enrolled = rng.random(n) < cfg.enrolment_share
    chronic = np.zeros(n, dtype=np.uint8)
    adult_rr = np.asarray(cfg.adult_condition_age_rr, dtype=np.float64)
    older_rr = np.asarray(cfg.older_condition_age_rr, dtype=np.float64)
    shares = (
        (cfg.hypertension_adult_share, adult_rr),
        (cfg.diabetes_adult_share, adult_rr),
        (cfg.copd_40plus_share, older_rr),
        (cfg.stroke_40plus_share, older_rr),
    )
    prevalence = np.array([_band_prevalence(share, rr, age_shares) for share, rr in shares])
    for i, bit in enumerate(CHRONIC_BITS):
        p = prevalence[i][band]
        chronic |= np.where(rng.random(n) < p, bit, 0).astype(np.uint8)
    trust = np.tile(np.asarray(care.initial_trust, dtype=np.float32), (n, 1))

    alive, away = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    residents = Residents(village, age, band, male, enrolled, chronic, trust, alive, away)
    facilities = _facilities(cfg, care, n, n_vil, n_town, n_cty, village_township)
    county = County(
        residents, facilities, village_township, travel, n_vil, n_town, n_cty, prevalence
    )
    if cfg.key_centres:
        keys = most_populous(village_township, village, n_town, cfg.key_centres)
        county.key_township = key_blocks(keys, n_town)
        has_key = county.key_township[village_township] >= 0
        extra = cfg.key_centre_extra_travel_min * np.sqrt(remote_t)
        county.key_travel_min = np.where(has_key, travel[:, TOWNSHIP] + extra, np.inf)
        if cfg.key_centre_capability is not None:  # a weak (or strong) centre before support
            facilities.capability[n_vil + keys] = cfg.key_centre_capability
    return county


def most_populous(
    village_township: np.ndarray, village: np.ndarray, n_town: int, k: int
) -> np.ndarray:
    """The k townships with the most residents (ties: lower index), in index order."""
    pop = np.bincount(village_township[village], minlength=n_town)
    return np.sort(np.argsort(-pop, kind="stable")[:k])


def key_blocks(keys: np.ndarray, n_town: int) -> np.ndarray:
    """Each township's key centre: the key township nearest in index (ties: the lower one).

    Townships are numbered in contiguous blocks (consortia are blocks too), so the nearest
    key township by index stands for the nearest central town. Key townships get -1.
    """
    towns = np.arange(n_town)
    nearest = keys[np.argmin(np.abs(towns[:, None] - keys[None, :]), axis=1)]
    return np.where(np.isin(towns, keys), -1, nearest).astype(np.int32)


def _facilities(
    cfg: CountyConfig,
    care: CareConfig,
    n: int,
    n_vil: int,
    n_town: int,
    n_cty: int,
    village_township: np.ndarray,
) -> Facilities:
    """Facility table: staffing and beds from per-clinic and per-1000 ratios."""
    level = np.concatenate(
        [np.full(n_vil, VILLAGE), np.full(n_town, TOWNSHIP), np.full(n_cty, COUNTY), [OUT]]
    ).astype(np.int8)
    names = (
        [f"village clinic {v}" for v in range(n_vil)]
        + [f"township centre {t}" for t in range(n_town)]
        + list(cfg.county_hospitals)
        + ["out-of-county hospitals"]
    )
    township = np.concatenate([village_township, np.arange(n_town), np.full(n_cty + 1, -1)]).astype(
        np.int32
    )
    shares = np.asarray(cfg.county_hospital_shares)
    doctors = np.concatenate(
        [
            np.full(n_vil, cfg.village_doctors_per_clinic),
            np.full(n_town, cfg.township_doctors_per_centre),
            shares * cfg.county_doctors_per_1000 * n / 1000,
            [np.inf],
        ]
    )
    beds = np.concatenate(
        [
            np.zeros(n_vil),
            np.full(n_town, round(cfg.township_beds_per_centre)),
            np.round(shares * cfg.county_beds_per_1000 * n / 1000),
            [np.iinfo(np.int32).max],
        ]
    ).astype(np.int64)
    capability = np.asarray(care.capability, dtype=np.float64)[level]
    consortium = _consortia(cfg, n_town, n_cty, village_township)
    return Facilities(level, names, township, doctors, beds, capability, consortium)


def _consortia(
    cfg: CountyConfig, n_town: int, n_cty: int, village_township: np.ndarray
) -> np.ndarray:
    """Consortium of each facility: townships in contiguous blocks by county_hospital_shares.

    'per_hospital': county hospital h leads consortium h, with a block of townships sized by
    its share (largest remainder) and their village clinics; 'one': everyone in consortium 0.
    """
    if cfg.consortia == "one":
        town_c = np.zeros(n_town, dtype=np.int32)
        hosp_c = np.zeros(n_cty, dtype=np.int32)
    else:
        sizes = apportion(n_town, cfg.county_hospital_shares)
        town_c = np.repeat(np.arange(n_cty), sizes).astype(np.int32)
        hosp_c = np.arange(n_cty, dtype=np.int32)
    return np.concatenate([town_c[village_township], town_c, hosp_c, [-1]]).astype(np.int32)
