"""Calibration and validation targets, and the parameters a calibration may move.

A `Target` (research/target.py) is an observed figure with its source and a band (the
published range or 95% CI); `evaluate` (research/calibrate.py) reads the same figure from
simulated runs. Two kinds:

* level: a statistic of the fee-for-service baseline: a national one (docs/sources.md), or
  the distance gradient across a county's township centres (research/gradient.py);
* effect: a reform's effect, the difference (or relative change) of a metric between a
  reform arm and the baseline with the same seeds (common random numbers).

`fit=True` marks the targets a calibration may use; the others are held out for
validation, declared here before any fit. A target within its tolerance passes: a level
within `tolerance` (relative, default ±10%) of the observed value, or, for a figure near
zero, within its band; an effect within its published band or ±25% of its estimate. A study
that reports only the direction of a significant effect gives a sign check (`direction`):
it passes when the simulated 95% CI lies wholly on that side of zero, and it is never
fitted (it has no size to fit to).

`SPACES` are the named sets of free parameters (those no source gives: their configs say
"estimate" or were tuned by hand), each with the bounds a search may take them to.
"""

from __future__ import annotations

from typing import Any

from countysim.research.gradient import GRADIENT
from countysim.research.readers import (  # noqa: F401 (targets' public names)
    DERIVED,
    PAIRED,
    YEARLY_DERIVED,
    county_visit_share,
    key_township_daily_visits_before,
    key_township_revenue_ratio,
    key_township_visits_ratio,
    read_metric,
    township_admissions_per_centre,
)
from countysim.research.target import (  # noqa: F401 (targets' public names)
    Simulated,
    Target,
    arms_needed,
    with_setting,
)

LEVELS: tuple[Target, ...] = (
    Target(
        "visits per capita",
        "level",
        6.8,
        6.0,
        7.2,
        "NHC bulletin 2023 (6.0 in 2021, ≈7.2 in 2024)",
        True,
        "visits_per_capita",
    ),
    Target(
        "admission rate",
        "level",
        0.207,
        0.182,
        0.214,
        "NHSA 2023 bulletin, resident insurance members (NHC: 18.2% 2018, ≈21.4% 2023)",
        True,
        "admission_rate",
    ),
    Target(
        "primary-care share of visits",
        "level",
        0.532,
        0.502,
        0.564,
        "NHC bulletins (53.2% 2020; 50.2% 2021; 56.4% 2015)",
        True,
        "primary_care_share",
    ),
    Target(
        "county-hospital share of in-county visits",
        "level",
        0.35,
        0.33,
        0.37,
        "NHC bulletin 2022, rural visits 13.5/12.1/12.8 hundred-million",
        True,
        "county_visit_share",
    ),
    Target(
        "township admissions per centre",
        "level",
        1183,
        1000,
        1400,
        "NHC 2023: 39.92 M township admissions / 33,753 centres",
        True,
        "township_admissions_per_centre",
    ),
    Target(
        "township bed occupancy",
        "level",
        0.48,
        0.44,
        0.52,
        "NHC 2023: admissions x 6.6 days over 1.505 M beds",
        True,
        "bed_occupancy_township",
    ),
    Target(
        "county-hospital bed occupancy",
        "level",
        0.90,
        0.86,
        0.95,
        "public hospitals 86.0% (NHC 2023); county hospitals often above 90%",
        True,
        "bed_occupancy_county",
    ),
    # admissions the facilities chose (model.py: _admit_marginal) against those judged
    # inappropriate by the Appropriateness Evaluation Protocol in fee-for-service NCMS
    # records; the AEP counts admissions patients asked for too, the model puts them all to
    # the facilities' decision. Band: the binomial 95% CI of the share (cluster sampling,
    # so the true one is wider)
    Target(
        "township admissions chosen by the centre (inappropriate by AEP)",
        "level",
        0.265,
        0.246,
        0.284,
        "Zhang, Chen, Zhang & Zhang 2014, BMC Health Serv Res (PMC4310202): 26.5% of 2,044 "
        "admissions, 10 township hospitals in 5 counties of midwestern China, NCMS",
        True,
        "marginal_admission_share_township",
    ),
    Target(
        "county-hospital admissions chosen by the hospital (inappropriate by AEP)",
        "level",
        0.152,
        0.137,
        0.167,
        "Int J Environ Res Public Health 2018;15:1050 (doi 10.3390/ijerph15061050): 15.2% of "
        "2,230 admissions (2014), 5 county hospitals in rural China",
        True,
        "marginal_admission_share_county",
    ),
    Target(
        "county-hospital inpatients referred down to primary care",
        "level",
        0.006,
        0.005,
        0.007,
        "NHC via Xinhua, 2 Sep 2017 (Hainan Daily 3 Sep 2017): inpatients of secondary public "
        "hospitals transferred to primary care, 0.5% (2016) and 0.7% (2017)",
        True,
        "down_referral_share_county",
        band_only=True,
    ),
    Target(
        "inpatient in-county rate",
        "level",
        0.75,
        0.65,
        0.85,
        "Qinghai 2020 prefecture targets (Xining 65%, Haidong 75%); national goal 90%",
        False,
        "inpatient_in_county_rate",
    ),
    Target(
        "fund balance ratio",
        "level",
        0.011,
        -0.02,
        0.077,
        "NHSA bulletins: resident fund surplus 7.7% (2022), 1.1% (2023) of income",
        # fitted (space `insurance`): the share of inpatient bills inside the list was set
        # by hand to this band when the population became dynamic (commit 5f4feac), so the
        # row was never held out in fact; study insurance-2026-11-25 fits it
        True,
        "fund_balance_ratio",
        band_only=True,
    ),
)

XU_2020 = (
    "Xu, Powell-Jackson & Mills 2020, BMJ Glob Health 5:e002792 (DiD, gatekeeping pilot, "
    "17 townships, NCMS, 2012-14; p = 0.001 and 0.048, no CI in the abstract)"
)
DING_2024 = (
    "Ding & Zhou 2024, PLoS ONE 19:e0297340 (DiD, Sichuan compact county medical "
    "communities with package payment, 2019 pilot, county panel 2008-21; no CI in the abstract)"
)
TUCHENG = (
    "Xishui, Tucheng branch (docs/sources.md: Xishui): daily outpatient visits 50-60 -> about "
    "180 in four years of support by the county TCM hospital, 2020-23 (a case report, no "
    "control: no quasi-experimental estimate isolates secondment, so it is used to fit)"
)
TUCHENG_BEFORE = (
    "Xishui, Tucheng branch (docs/sources.md: Xishui): daily outpatient visits 50-60 before the "
    "support began (2020); the model's five key centres before support, mean"
)
TUCHENG_REVENUE = (
    "Xishui, Tucheng branch (docs/sources.md: Xishui): revenue ¥7.2 M (2020) -> ¥18.6 M (2023), "
    "nominal; the band is the rounding of the two figures (a case report, held out)"
)
# Xishui at full size (= research.validation.scaled("xishui", 1)): at a tenth of its
# residents each centre keeps its full staff and 2 specialists, so none ever fills up, and
# a fit there (study tucheng-keycentres) does not carry over to the county
XISHUI_CASE = (
    "county=xishui",
    "county.residents=520000",
    "county.residents_per_township=20000.0",
    "county.residents_per_village=2000.0",
    "sim.start_calendar_year=2020",
    "sim.years=4",
)
ZHANG_2022 = (
    "Zhang, Zhang, Xu, Pan, Hu, Jian & Yip 2022, Health Econ 31:1676-94 (cluster RCT of a "
    "county-hospital global budget, 56 Guizhou counties, 22 M NCMS enrollees, 2016-17, "
    "randomization inference on claims; the abstract reports a significant shift of "
    "admissions from out-of-county to county hospitals and gives no size: a sign check)"
)
GATEKEEPING = ("triage=gatekeeping",)
CONSORTIUM = ("payment=bundled", "triage=gatekeeping")

# Published effects (the studies found, and those not used as targets and why: the
# narrative of docs/validation.md, scripts/validation_report.py): the split between fitting
# and validation is declared here, before any fit. Without a published CI the band is ±25%.
EFFECTS: tuple[Target, ...] = (
    Target(
        "gatekeeping: primary-care visits",
        "effect",
        0.553,
        0.415,
        0.691,
        XU_2020,
        True,
        "primary_visits_per_capita",
        GATEKEEPING,
        relative=True,
        tolerance=0.25,
    ),
    Target(
        "gatekeeping: hospital visits",
        "effect",
        -0.239,
        -0.299,
        -0.179,
        XU_2020,
        True,
        "hospital_visits_per_capita",
        GATEKEEPING,
        relative=True,
        tolerance=0.25,
    ),
    # the trial's budget paid county hospitals more for out-of-county admissions they averted;
    # the model's consortium budget pays its members' out-of-county claims, the same motive
    # (agents/facilities.py: CountyHospital.keep_rate); two years, as the trial ran. Its
    # "shift" is read both ways: fewer admissions out of the county, and a larger share of
    # admissions in it
    Target(
        "global budget: out-of-county admissions per capita (sign)",
        "effect",
        0.0,
        0.0,
        0.0,
        ZHANG_2022,
        False,
        "out_of_county_admissions_per_capita",
        ("payment=bundled",),
        relative=True,
        direction=-1,
    ),
    Target(
        "global budget: inpatient in-county rate (sign)",
        "effect",
        0.0,
        0.0,
        0.0,
        ZHANG_2022,
        False,
        "inpatient_in_county_rate",
        ("payment=bundled",),
        direction=1,
    ),
    Target(
        "consortium + package payment: admissions per capita (sign)",
        "effect",
        0.0,
        0.0,
        0.0,
        DING_2024,
        False,
        "admission_rate",
        CONSORTIUM,
        relative=True,
        direction=1,
    ),
    Target(
        "consortium + package payment: primary-care visits per capita",
        "effect",
        0.34,
        0.255,
        0.425,
        DING_2024,
        False,
        "primary_visits_per_capita",
        CONSORTIUM,
        tolerance=0.25,
    ),
    Target(
        "consortium + package payment: visits per capita",
        "effect",
        0.434,
        0.326,
        0.543,
        DING_2024,
        False,
        "visits_per_capita",
        CONSORTIUM,
        tolerance=0.25,
    ),
)

CASES: tuple[Target, ...] = (
    # the centre's state before support: read from the baseline (paired with the arm only to
    # know which centres the secondment reaches), a level fitted with the case's effect
    Target(
        "secondment: key township daily visits before support (Xishui)",
        "effect",
        55.0,
        50.0,
        60.0,
        TUCHENG_BEFORE,
        True,
        "key_township_daily_visits_before",
        ("+experiment=xishui_reform",),
        tolerance=0.10,
        setting=XISHUI_CASE,
    ),
    Target(
        "secondment: key township visits, year 4 / before (Xishui)",
        "effect",
        180 / 55,
        180 / 60,
        180 / 50,
        TUCHENG,
        True,
        "key_township_visits_ratio",
        ("+experiment=xishui_reform",),
        tolerance=0.25,
        setting=XISHUI_CASE,
    ),
    Target(
        "secondment: key township revenue, year 4 / before (Xishui)",
        "effect",
        18.6 / 7.2,
        18.55 / 7.25,
        18.65 / 7.15,
        TUCHENG_REVENUE,
        False,  # held out: the fit uses visits only
        "key_township_revenue_ratio",
        ("+experiment=xishui_reform",),
        tolerance=0.25,
        setting=XISHUI_CASE,
    ),
)

TARGETS: tuple[Target, ...] = LEVELS + GRADIENT + EFFECTS + CASES
GROUPS = {"levels": LEVELS, "gradient": GRADIENT, "effects": EFFECTS, "cases": CASES}


def pick(names: str, table: dict[str, tuple[Any, ...]], option: str) -> tuple[Any, ...]:
    """The entries of comma-separated `names` in `table` (target groups, spaces), in order;
    an unknown name is a one-line error naming `option` and the choices."""
    from countysim.config.params import ConfigError

    out: list[Any] = []
    for name in names.split(","):
        if name not in table:
            raise ConfigError(f"{option} {name}: unknown; choose from {', '.join(table)}")
        out.extend(table[name])
    return tuple(out)


def targets_of(groups: str) -> tuple[Target, ...]:
    """The targets of comma-separated group names (levels, gradient, effects, cases)."""
    return pick(groups, GROUPS, "--targets")
