"""The dashboard's levers: each one a Mesa user parameter and a Hydra override.

A lever's default is read from the config files (so the page starts where `countysim`
starts); a lever's range is the range the page offers, and anything else a user sets
is checked by the config's own validation, whose one-line error the page shows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from countysim.config.compose import compose_config
from countysim.config.params import ConfigError

COUNTIES = ("default", "luxian", "xishui", "suixi", "wuxi", "ningxiang")
SPLITS = {  # county : township : village shares of a bundled surplus
    "6:3:1": [0.6, 0.3, 0.1],
    "5:3:2": [0.5, 0.3, 0.2],
    "4:4:2": [0.4, 0.4, 0.2],
    "7:2:1": [0.7, 0.2, 0.1],
    "5:4:1": [0.5, 0.4, 0.1],
}
BASELINE = {"payment": "fee_for_service", "secondment": "none", "triage": "open_access"}


@dataclass(frozen=True)
class Lever:
    """One control on the page: its widget, label and the config key it sets."""

    name: str
    label: str
    kind: str  # "Select", "SliderInt", "SliderFloat" or "Checkbox" (Mesa's UserInputs)
    key: str | None = None  # dotted config key; None: handled by `overrides`
    values: tuple[str, ...] = ()
    lo: float = 0.0
    hi: float = 1.0
    step: float = 1.0
    needs: tuple[str, str] | None = None  # (group, option) under which the lever applies


LEVERS = (
    Lever("county", "County preset", "Select", values=COUNTIES),
    Lever("residents_k", "Residents (thousands)", "SliderInt", lo=10, hi=400, step=10),
    Lever("years", "Years to simulate", "SliderInt", "sim.years", lo=1, hi=10),
    Lever("start_year", "Calendar year of year 0", "SliderInt", "sim.start_calendar_year",
          lo=2018, hi=2026),
    Lever("reform_year", "Reform starts in year", "SliderInt", lo=0, hi=9),
    Lever("payment", "Payment", "Select", values=("fee_for_service", "bundled", "dip")),
    Lever("prepay_share", "Prepaid share (bundled)", "SliderFloat", "payment.prepay_share",
          lo=0.80, hi=1.00, step=0.01, needs=("payment", "bundled")),
    Lever("surplus_split", "Surplus split county:township:village", "Select",
          values=tuple(SPLITS), needs=("payment", "bundled")),
    Lever("secondment", "Secondment", "Select", values=("none", "rotation")),
    Lever("specialists", "Specialists per township", "Select",
          "secondment.specialists_per_township", values=("auto", "1", "2", "3", "4", "6"),
          needs=("secondment", "rotation")),
    Lever("targets", "Secondment targets", "Select", "secondment.targets",
          values=("all", "sub_centres", "by_consortium"), needs=("secondment", "rotation")),
    Lever("triage", "Triage", "Select", values=("open_access", "gatekeeping")),
    Lever("bypass_penalty", "Bypass penalty (share)", "SliderFloat", "triage.bypass_penalty",
          lo=0.0, hi=0.40, step=0.01, needs=("triage", "gatekeeping")),
    Lever("level_step", "Reimbursement step per level", "SliderFloat", "triage.level_step",
          lo=0.0, hi=0.20, step=0.01, needs=("triage", "gatekeeping")),
    Lever("contract_coverage", "Family-doctor contract coverage", "SliderFloat",
          "triage.contract_coverage", lo=0.0, hi=1.0, step=0.05, needs=("triage", "gatekeeping")),
    Lever("seed", "Seed", "SliderInt", "seed", lo=0, hi=99),
    Lever("compare", "Compare with fee-for-service baseline", "Checkbox"),
)  # fmt: skip
BY_NAME = {lever.name: lever for lever in LEVERS}


@lru_cache(maxsize=1)
def defaults() -> dict[str, Any]:
    """Every lever's default, read from the config files (composed with each option on)."""
    cfg, choices = compose_config(())
    on, _ = compose_config(["payment=bundled", "secondment=rotation", "triage=gatekeeping"])
    split = [float(x) for x in on.payment.surplus_split]
    split_name = next((k for k, v in SPLITS.items() if v == split), next(iter(SPLITS)))
    return {  # countysim-dashboard --county/--residents-k set the first two (serve.py)
        "county": os.environ.get("COUNTYSIM_DASHBOARD_COUNTY", choices.get("county", "default")),
        # 100k residents: a month in about 0.1 s on one core
        "residents_k": int(os.environ.get("COUNTYSIM_DASHBOARD_RESIDENTS_K", "100")),
        "years": 5,
        "start_year": int(cfg.sim.start_calendar_year),
        "reform_year": 0,
        "payment": choices["payment"],
        "prepay_share": float(on.payment.prepay_share),
        "surplus_split": split_name,
        "secondment": choices["secondment"],
        "specialists": str(on.secondment.specialists_per_township),
        "targets": str(on.secondment.targets),
        "triage": choices["triage"],
        "bypass_penalty": float(on.triage.bypass_penalty),
        "level_step": float(on.triage.level_step),
        "contract_coverage": float(on.triage.contract_coverage),
        "seed": int(cfg.seed),
        "compare": False,
    }


def check(levers: dict[str, Any]) -> None:
    """Raise ConfigError (one line, naming the lever and its range) for a value off the page."""
    unknown = sorted(set(levers) - set(BY_NAME))
    if unknown:
        raise ConfigError(f"unknown lever(s) {unknown}: choose from {sorted(BY_NAME)}")
    for name, value in levers.items():
        lever = BY_NAME[name]
        if lever.kind == "Select" and str(value) not in lever.values:
            raise ConfigError(f"{name} = {value!r}: must be one of {', '.join(lever.values)}")
        if lever.kind.startswith("Slider") and not lever.lo <= float(value) <= lever.hi:
            raise ConfigError(f"{name} = {value}: must be in [{lever.lo:g}, {lever.hi:g}]")
    years = int(levers.get("years", defaults()["years"]))
    reform = int(levers.get("reform_year", 0))
    if reform >= years:
        raise ConfigError(f"reform_year = {reform}: must be below years ({years})")


def overrides(levers: dict[str, Any], baseline: bool = False) -> list[str]:
    """Hydra overrides of a lever setting; `baseline`: the same county, fee-for-service arm."""
    lv = {**defaults(), **levers}
    check(levers)
    groups = {g: (BASELINE[g] if baseline else str(lv[g])) for g in BASELINE}
    out = [
        f"county={lv['county']}",
        *(f"{g}={option}" for g, option in groups.items()),
        "sim.progress=false",
    ]
    # a preset's own size unless the slider is moved off it would hide the scale: always set
    out.append(f"county.residents={int(lv['residents_k']) * 1000}")
    for g in BASELINE:
        out.append(f"{g}.start_year={int(lv['reform_year'])}")
    for lever in LEVERS:
        if lever.needs is not None and groups[lever.needs[0]] != lever.needs[1]:
            continue
        value = lv[lever.name]
        if lever.name == "surplus_split":
            out.append(f"payment.surplus_split=[{','.join(repr(x) for x in SPLITS[value])}]")
        elif lever.key is not None:
            out.append(f"{lever.key}={value}")
    return out


def model_params() -> dict[str, Any]:
    """The levers as Mesa SolaraViz `model_params` (user inputs with today's defaults)."""
    out: dict[str, Any] = {}
    for lever in LEVERS:
        spec: dict[str, Any] = {"type": lever.kind, "label": lever.label}
        spec["value"] = defaults()[lever.name]
        if lever.kind == "Select":
            spec["values"] = list(lever.values)
        elif lever.kind.startswith("Slider"):
            integer = lever.kind == "SliderInt"
            spec.update(
                min=int(lever.lo) if integer else lever.lo,
                max=int(lever.hi) if integer else lever.hi,
                step=int(lever.step) if integer else lever.step,
            )
        out[lever.name] = spec
    return out
