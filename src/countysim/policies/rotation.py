"""secondment=rotation: county specialists rotate to township centres (资源下沉).

Real reform (domain.md): Xishui's county TCM hospital supported its Tucheng branch for four
years (outpatient visits 50-60 -> about 180 a day); Ningxiang sent 11 specialists to
townships; Wuxi's county hospital stationed experts at Tianba.

Targets: every township ('all'), the `n_sub_centres` most populous ('sub_centres'), a list
of township ids, or 'by_consortium': every year each consortium agent chooses its share of
`n_sub_centres` (shared by their townships) among its own townships, those with the most
referrals up per enrolled resident last year (agents/consortium.py); in the first year the
most populous.

Mechanics, while the rotation runs (from `start_year` for `years` years, 0 = to the end):
* presence: on `days_per_week` days of each week `specialists_per_township` county doctors
  work at each target township centre. The centre gains their doctor-days (outpatient
  capacity at the township rate) and `presence_capability` capability levels (it can treat
  some more complex episodes); the county hospitals lose the same doctor-days, shared by
  their staffing.
* skill transfer: every seconded doctor-day moves the centre's own capability a fraction
  `skill_transfer_rate` of the way towards the county hospitals' capability. The gain stays
  after the rotation ends, decaying by `skill_decay_per_year` (a share of the gain lost per
  year without support).
* patients see a centre's capability above its level's base (perceived under-treatment
  shrinks), and their trust follows the outcomes there, which improve with capability.
* costs: what secondment adds, per doctor-day present: an allowance
  (`allowance_per_day_yuan`) and travel (`travel_per_day_yuan`), paid by the county
  hospitals, recorded in the ledger (county -> seconded_staff) and in each county
  hospital's `secondment_cost_yuan`. The doctors' salaries are paid whether or not they
  are seconded, so they are not a cost of the policy; the county hospitals' lost output
  shows in their volumes and revenue instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from countysim.config.params import ConfigError, param
from countysim.metrics import DAYS_PER_YEAR
from countysim.money.exact import apportion
from countysim.policies.base import Policy
from countysim.world.county import most_populous

if TYPE_CHECKING:
    from countysim.model import CountyModel

AUTO_SPECIALISTS = 2.0  # doctors per target centre when 'auto' (estimate)


@dataclass
class Rotation(Policy):
    """Staff secondment from the county hospitals to township centres."""

    slot: ClassVar[str] = "secondment"

    specialists_per_township: float | str = param(
        "auto",
        0,
        50,
        unit="doctors",
        help="county doctors seconded to each target; 'auto' = 2 (estimate; Ningxiang sent 11 "
        "to its townships), fewer where max_county_share of a small county's doctors binds",
    )
    targets: str | list[int] = param(
        "all",
        0,
        None,
        help="'all', 'sub_centres' (the n_sub_centres most populous), 'by_consortium' (each "
        "consortium picks its share of n_sub_centres every year by need) or township ids",
    )
    n_sub_centres: int = param(
        4, 1, 100, help="township sub-centres ('one main, two secondary, four sub-centres')"
    )
    days_per_week: int = param(5, 0, 7, unit="days", help="days a week the specialists are present")
    years: int = param(0, 0, 100, unit="years", help="length of the rotation (0 = to the end)")
    presence_capability: float = param(
        0.69,
        0,
        5,
        unit="capability",
        help="capability added while specialists are present",
        source="calibrated: tucheng-presence-2026-11-25",
    )
    skill_transfer_rate: float = param(
        0.000126,
        0,
        0.1,
        unit="1/doctor-day",
        help="share of the gap to county capability closed per seconded doctor-day",
        source="calibrated: tucheng-presence-2026-11-25",
    )
    skill_decay_per_year: float = param(
        0.2, 0, 1, unit="share/year", help="share of the skill gain lost per year unsupported"
    )
    max_county_share: float = param(
        0.25,
        0,
        1,
        unit="share",
        help="largest share of county hospital doctors that may be seconded at once",
    )
    allowance_per_day_yuan: float = param(
        100,
        0,
        10_000,
        unit="yuan",
        help="extra pay per seconded doctor-day: meal allowance",
        source="MoF travel rules 财行〔2013〕531号: ¥100 a day",
    )
    travel_per_day_yuan: float = param(
        80,
        0,
        10_000,
        unit="yuan",
        help="travel cost per seconded doctor-day",
        source="MoF travel rules 财行〔2013〕531号: ¥80 a day local transport",
    )

    def check(self, path: str) -> None:
        """`targets` is 'all', 'sub_centres', 'by_consortium' or a non-empty id list."""
        modes = ("all", "sub_centres", "by_consortium")
        if isinstance(self.targets, str) and self.targets not in modes:
            raise ConfigError(
                f"{path}.targets = {self.targets!r}: must be 'all', 'sub_centres', "
                "'by_consortium' or a list of township ids"
            )
        if not isinstance(self.targets, str) and len(self.targets) == 0:
            raise ConfigError(f"{path}.targets = []: name at least one township")
        if isinstance(self.specialists_per_township, str) and self.specialists_per_township != (
            "auto"
        ):
            raise ConfigError(
                f"{path}.specialists_per_township = {self.specialists_per_township!r}: "
                "must be 'auto' or a number in [0, 50]"
            )

    def setup(self, model: CountyModel) -> None:
        """Resolve targets to facility ids; skill gains start at zero."""
        county = model.county
        n_town = county.n_townships
        if self.targets == "all":
            towns = np.arange(n_town)
        elif self.targets == "sub_centres":
            # the county's key centres (county.key_centres) when it names as many
            towns = most_populous(
                county.village_township, county.residents.village, n_town, self.n_sub_centres
            )
        elif self.targets == "by_consortium":
            towns = self._chosen(model)
        else:
            towns = np.unique(np.asarray(self.targets, dtype=np.int64))
            if towns.size and towns.max() >= n_town:
                raise ConfigError(
                    f"secondment.targets: township {int(towns.max())} does not exist "
                    f"(the county has townships 0..{n_town - 1})"
                )
        self._target_ids = county.n_villages + towns
        fac = county.facilities
        county_doctors = float(fac.doctors[county.county_facilities].sum())
        if self.specialists_per_township == "auto":
            room = self.max_county_share * county_doctors / max(towns.size, 1)
            self._per_township = min(AUTO_SPECIALISTS, room)
        else:
            self._per_township = float(self.specialists_per_township)
        seconded = self._doctor_days()
        if seconded > self.max_county_share * county_doctors * (1 + 1e-12):
            raise ConfigError(
                f"secondment.specialists_per_township = {self._per_township:g}: "
                f"{seconded:g} doctors at {towns.size} townships exceed max_county_share = "
                f"{self.max_county_share:g} of the county hospitals' {county_doctors:.0f} doctors"
            )
        self._base = fac.capability.copy()
        self._ceiling = float(fac.capability[county.county_facilities].max())
        self._gain = np.zeros(fac.n)
        cty_docs = fac.doctors[county.county_facilities]
        self._county_weights = cty_docs / cty_docs.sum()
        self._present_today = False
        self._cost_fen = 0  # allowance and travel of the current year

    def _chosen(self, model: CountyModel) -> np.ndarray:
        """Each consortium's pick: its share of n_sub_centres (by its townships), by need."""
        sizes = [c.townships.size for c in model.consortia]
        k = apportion(min(self.n_sub_centres, sum(sizes)), sizes)
        picks = [c.choose_townships(int(n)) for c, n in zip(model.consortia, k, strict=True)]
        return np.sort(np.concatenate(picks)).astype(np.int64)

    def on_year_start(self, model: CountyModel) -> None:
        """With targets=by_consortium the consortia choose this year's townships."""
        if self.targets == "by_consortium" and model.year > 0:
            self._target_ids = model.county.n_villages + self._chosen(model)

    def running(self, model: CountyModel) -> bool:
        """True while the rotation is on (after start_year, within `years`)."""
        if not self.active(model):
            return False
        return self.years == 0 or model.year < self.start_year + self.years

    def on_day(self, model: CountyModel) -> None:
        """Presence today; skill grows with seconded doctor-days, decays without them."""
        # present: specialists at the targets today (none when 0 are seconded, so the
        # centres gain neither their doctor-days nor their presence's capability)
        self._present_today = (
            self.running(model) and (model.day % 7) < self.days_per_week and self._per_township > 0
        )
        t = self._target_ids
        if self._present_today:
            gap = self._ceiling - (self._base[t] + self._gain[t])
            rate = min(self.skill_transfer_rate * self._per_township, 1.0)
            self._gain[t] += np.maximum(gap, 0.0) * rate
            self._book_costs(model)
        # skill decays wherever specialists no longer come (after the rotation, or at a
        # township a consortium stopped choosing)
        unsupported = np.ones(self._gain.shape[0], dtype=bool)
        if self.running(model):
            unsupported[t] = False
        self._gain[unsupported] *= (1.0 - self.skill_decay_per_year) ** (1.0 / DAYS_PER_YEAR)

    def _doctor_days(self) -> float:
        return self._per_township * self._target_ids.size

    def _book_costs(self, model: CountyModel) -> None:
        """Allowance and travel of today's seconded doctors, paid by the county hospitals."""
        per_day = round((self.allowance_per_day_yuan + self.travel_per_day_yuan) * 100)
        self._cost_fen += round(self._doctor_days() * per_day)
        model.metrics.add_extra(model.year, "secondment_doctor_days", self._doctor_days())

    def doctor_delta(self, model: CountyModel) -> np.ndarray | None:
        """Seconded doctors at the targets, missing from the county hospitals."""
        if not self._present_today:
            return None
        delta = np.zeros(model.county.facilities.n)
        delta[self._target_ids] = self._per_township
        delta[model.county.county_facilities] -= self._doctor_days() * self._county_weights
        return delta

    def capability_delta(self, model: CountyModel) -> np.ndarray | None:
        """Own skill gained, plus the specialists' presence on their days."""
        delta = self._gain.copy()
        if self._present_today:
            delta[self._target_ids] += self.presence_capability
        return delta if delta.any() else None

    def on_year_end(self, model: CountyModel) -> None:
        """Book the year's allowance and travel in the ledger and the facility accounts."""
        year, total = model.year, self._cost_fen
        self._cost_fen = 0
        if total <= 0:
            return
        model.ledger.transfer(year, "county", "seconded_staff", total, "secondment_cost")
        ids = model.county.county_facilities
        money = model.metrics.fac_money["secondment_cost_fen"][year]
        money[ids] += apportion(total, model.county.facilities.doctors[ids])

    def yearly_metrics(self, model: CountyModel) -> dict[str, float]:
        """Seconded doctor-days of the year (zero when not running)."""
        days = model.metrics.yearly_extra[model.year].get("secondment_doctor_days", 0.0)
        return {"secondment_doctor_days": days}
