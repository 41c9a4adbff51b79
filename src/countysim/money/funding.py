"""The resident scheme's money rules: funding by calendar year and reimbursement.

`InsuranceConfig` (the `insurance.*` group): the subsidy and premium schedule (NHSA, by
calendar year, grown outside it), the catastrophic premium and cover, reimbursement
shares, deductibles and the penalty for leaving the county unreferred. The rules that use
them are in insurance.py (claims), catastrophic.py (cover) and policies/base.py (income).
"""

from __future__ import annotations

from dataclasses import dataclass

from countysim.config.params import ConfigError, param


@dataclass
class InsuranceConfig:
    """Resident insurance funding, prices and reimbursement (fee-for-service baseline)."""

    funding_years: list[int] = param(
        [2022, 2023, 2024, 2025], 1990, 2100, help="calendar years of the funding schedule"
    )
    subsidy_per_capita_yuan: list[float] = param(
        [610.0, 640.0, 670.0, 700.0],
        0,
        10_000,
        unit="yuan",
        help="government subsidy per enrolled resident, by funding_years",
        source="NHSA notices 2024-2025 (2023 estimate)",
    )
    premium_per_capita_yuan: list[float] = param(
        [350.0, 380.0, 400.0, 400.0],
        0,
        10_000,
        unit="yuan",
        help="individual premium per enrolled resident, by funding_years",
        source="NHSA notices 2024-2025 (2022, 2023 estimates)",
    )
    funding_growth_per_year: float = param(
        0.046,
        -0.5,
        1,
        unit="share/year",
        help="growth of subsidy and premium outside the schedule's years",
        source="mean growth of the 2022-2025 schedule (960 -> 1,100 yuan)",
    )
    catastrophic_premium_per_capita_yuan: float = param(
        60, 0, 10_000, unit="yuan", help="withheld for catastrophic illness insurance (estimate)"
    )
    catastrophic_threshold_yuan: float = param(
        10_000,
        0,
        1_000_000,
        unit="yuan",
        help="a resident's yearly inpatient out-of-pocket above which catastrophic cover pays "
        "(half the 2023 rural per-capita disposable income, ¥21,691, NBS)",
        source="NHSA 医保发〔2019〕30号: 50% of per-capita disposable income",
    )
    catastrophic_rate: float = param(
        0.6,
        0,
        1,
        unit="share",
        help="share of out-of-pocket above the threshold that catastrophic cover pays",
        source="NHSA 医保发〔2019〕30号: 60%",
    )
    outpatient_reimbursement: list[float] = param(
        [0.55, 0.50, 0.35, 0.0],
        0,
        1,
        unit="share",
        length=4,
        help="outpatient pooled fund share by level (estimate)",
    )
    inpatient_reimbursement: list[float] = param(
        [0.0, 0.808, 0.724, 0.632], 0, 1, unit="share", length=4, source="NHSA 2023 (in list)"
    )
    in_list_share: float = param(
        0.7452,
        0,
        1,
        unit="share",
        help="share of inpatient cost within the drug/service list, on which the in-list "
        "ratios are paid; fitted to the fund balance ratio",
        source="calibrated: insurance-2026-11-25",
    )
    inpatient_deductible_yuan: list[float] = param(
        [0.0, 150.0, 450.0, 1000.0],
        0,
        100_000,
        unit="yuan",
        length=4,
        help="typical ¥100-200 / ¥300-600 / ¥800-1500 (estimate)",
    )
    out_of_county_penalty: float = param(
        0.10,
        0,
        1,
        unit="share",
        help="reimbursement cut outside the county without referral (estimate)",
    )

    def check(self, path: str) -> None:
        """The funding schedule: increasing years, one subsidy and premium per year."""
        years = self.funding_years
        if not years or any(b <= a for a, b in zip(years, years[1:], strict=False)):
            raise ConfigError(
                f"{path}.funding_years = {years!r}: needs at least one year, increasing"
            )
        for name in ("subsidy_per_capita_yuan", "premium_per_capita_yuan"):
            if len(getattr(self, name)) != len(years):
                raise ConfigError(
                    f"{path}.{name}: needs one value per funding year ({len(years)}), "
                    f"got {len(getattr(self, name))}"
                )

    def catastrophic_premium_yuan(self, start_calendar_year: int, year: int) -> float:
        """The catastrophic premium of simulated `year`: the configured (first-year)
        premium, grown as the funding per head grows, so its share of funding is kept."""
        first = sum(self.funding_yuan(start_calendar_year))
        now = sum(self.funding_yuan(start_calendar_year + year))
        return self.catastrophic_premium_per_capita_yuan * (now / first if first else 1.0)

    def funding_yuan(self, calendar_year: int) -> tuple[float, float]:
        """(subsidy, premium) per enrolled resident in `calendar_year`.

        Inside the schedule, the figure of the latest listed year not after it; before
        or after the schedule, the first or last year's figure grown (or shrunk) by
        `funding_growth_per_year` a year.
        """
        years = self.funding_years
        if calendar_year < years[0]:
            k, factor = 0, (1.0 + self.funding_growth_per_year) ** (calendar_year - years[0])
        elif calendar_year > years[-1]:
            k = len(years) - 1
            factor = (1.0 + self.funding_growth_per_year) ** (calendar_year - years[-1])
        else:
            k, factor = max(j for j, y in enumerate(years) if y <= calendar_year), 1.0
        return (
            self.subsidy_per_capita_yuan[k] * factor,
            self.premium_per_capita_yuan[k] * factor,
        )
