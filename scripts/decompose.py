"""Decompose each policy's effect into its mechanisms: switch one off at a time.

For each package: effect = package - fee-for-service baseline; a mechanism's contribution
= effect - (the effect with that mechanism off): the part of the effect that vanishes
without it. A policy's own mechanism is switched off in the package only; a provider
response (a decision kept at its clinical norm) is switched off in both arms, so that what
remains is the effect without that response anywhere. Every difference is paired on the
same seed (common random numbers) and averaged over seeds (mean ± 95% t-interval when
seeds > 1). Contributions need not add up to the effect: mechanisms interact.

    python scripts/decompose.py                       # default: 100k residents, 2 years, 3 seeds
    python scripts/decompose.py --residents 20000 --seeds 2 --years 1 --packages bundled
    python scripts/decompose.py --write docs/decomposition.md --readme README.md

Outcomes are the last simulated year's.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import stats

from countysim.agents.decisions import ProviderConfig
from countysim.research.readers import YEARLY_DERIVED
from countysim.results.docblocks import write_block
from countysim.run import run

OUTCOMES = {
    "total_cost_yuan": ("total cost of care", 1e6, "¥M"),
    "inpatient_in_county_rate": ("inpatient in-county rate", 0.01, "pp"),
    "primary_care_share": ("primary-care share", 0.01, "pp"),
    "fund_balance_ratio": ("fund balance ratio", 0.01, "pp"),
    "consortium_balance_yuan": ("consortium balance", 1e6, "¥M"),
    "primary_visits_per_capita": ("primary-care visits per capita", 1.0, "visits"),
}

# providers' decisions: sensitivity index zeroed keeps that decision at its clinical norm
_SENS = ProviderConfig().sensitivity


def _without(i: int) -> list[str]:
    s = list(_SENS)
    s[i] = 0.0
    return [f"providers.sensitivity=[{','.join(str(x) for x in s)}]"]


PROVIDERS = {
    "providers' admission decisions": _without(0),
    "providers' keep-or-refer decisions": _without(1),
    "providers' down-referral decisions": _without(2),
    "providers' chronic-care effort": _without(3),
}

GATEKEEPING: dict[str, list[str]] = {
    "reimbursement level step": ["triage.level_step=0"],
    "bypass penalties and hassle (and so the referrals asked for)": [
        "triage.bypass_penalty=0",
        "triage.out_of_county_penalty=0",
        "triage.bypass_disutility=0",
    ],
    "down-referral protocol floor": ["triage.down_referral_share=0"],
    "contract follow-ups above the ordinary 2.5 a year": ["triage.contract_followups_per_year=2.5"],
    "contracted follow-ups pulled to primary care": ["triage.contract_primary_utility=0"],
}

PACKAGES: dict[str, tuple[list[str], dict[str, list[str]]]] = {
    "bundled": (["payment=bundled"], PROVIDERS),
    "dip": (["payment=dip"], PROVIDERS),
    "gatekeeping": (["triage=gatekeeping"], {**GATEKEEPING, **PROVIDERS}),
    # Ding & Zhou 2024's arm (research/targets.py CONSORTIUM): which mechanisms make its
    # primary-care visits per capita (held out, docs/validation.md)
    "consortium": (["payment=bundled", "triage=gatekeeping"], {**GATEKEEPING, **PROVIDERS}),
    "rotation": (
        ["secondment=rotation", "secondment.targets=sub_centres"],
        {
            "specialists' presence (capability on their days)": [
                "secondment.presence_capability=0"
            ],
            "skill transfer to township staff": ["secondment.skill_transfer_rate=0"],
            **PROVIDERS,
        },
    ),
}


def _last(overrides: list[str]) -> dict[str, float]:
    return _last_cached(tuple(overrides))


@functools.cache
def _last_cached(overrides: tuple[str, ...]) -> dict[str, float]:
    """Last-year outcomes of one run (each distinct run once: baselines are shared)."""
    yearly = run(list(overrides), save=False).yearly
    last = int(yearly["year"].max())
    row = yearly.loc[yearly["year"] == last].iloc[0]
    return {
        k: float(YEARLY_DERIVED[k](yearly, last)) if k in YEARLY_DERIVED else float(row[k])
        for k in OUTCOMES
    }


def _summary(diffs: np.ndarray, scale: float) -> str:
    mean = float(diffs.mean()) / scale
    if diffs.size < 2:
        return f"{mean:+.2f}"
    half = float(stats.t.ppf(0.975, diffs.size - 1) * diffs.std(ddof=1) / np.sqrt(diffs.size))
    return f"{mean:+.2f} ± {half / scale:.2f}"


def decompose(
    packages: Sequence[str], residents: int, years: int, seeds: int
) -> list[tuple[str, str, dict[str, str]]]:
    """Rows (package, line, outcome -> 'mean ± half-width' in the outcome's unit)."""
    base = [f"county.residents={residents}", f"sim.years={years}", "sim.progress=false"]
    rows = []
    baseline = [_last([*base, f"seed={s}"]) for s in range(seeds)]
    for name in packages:
        pkg, mechanisms = PACKAGES[name]
        full = [_last([*base, *pkg, f"seed={s}"]) for s in range(seeds)]
        effect = [{k: f[k] - b[k] for k in OUTCOMES} for f, b in zip(full, baseline, strict=True)]
        lines = {"effect (package - fee-for-service)": effect}
        for mech, off in mechanisms.items():
            both = all(o.startswith("providers.") for o in off)
            without = []
            for s in range(seeds):
                pkg_off = _last([*base, *pkg, *off, f"seed={s}"])
                base_off = _last([*base, *off, f"seed={s}"]) if both else baseline[s]
                without.append({k: pkg_off[k] - base_off[k] for k in OUTCOMES})
            lines[mech] = [
                {k: e[k] - w[k] for k in OUTCOMES} for e, w in zip(effect, without, strict=True)
            ]
        for line, diffs in lines.items():
            cells = {}
            for k, (_, scale, _) in OUTCOMES.items():
                cells[k] = _summary(np.array([d[k] for d in diffs]), scale)
            rows.append((name, line, cells))
            print(f"{name:12s} {line:50s} " + "  ".join(cells.values()), file=sys.stderr)
    return rows


def markdown(rows: list[tuple[str, str, dict[str, str]]], cmd: str) -> str:
    """The table as markdown."""
    head = " | ".join(f"{label} ({unit})" for label, _, unit in OUTCOMES.values())
    out = [
        "Generated by `" + cmd + "`. First line of each package: its effect against "
        "fee-for-service; other lines: the part of that effect which vanishes when one "
        "mechanism is switched off (effect − effect without it; a provider response is "
        "switched off in both arms, a policy's own mechanism in the package), paired on "
        "seeds, mean ± 95% t-interval half-width; last simulated year. Mechanisms interact, "
        "so lines need not add up to the effect. No policy sets provider behaviour: the "
        "providers' lines are facilities' own responses to the margins the package gives "
        "them (docs/odd.md). Units: ¥M for money, percentage points for rates, "
        "visits a year for visits per capita.",
        "",
        f"| package | line | {head} |",
        "|---|---|" + "---|" * len(OUTCOMES),
    ]
    for pkg, line, cells in rows:
        out.append(f"| {pkg} | {line} | " + " | ".join(cells.values()) + " |")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--packages", nargs="+", default=list(PACKAGES), choices=list(PACKAGES))
    p.add_argument("--residents", type=int, default=100_000)
    p.add_argument("--years", type=int, default=2)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--write", type=Path, default=None, help="write the markdown table here")
    p.add_argument("--readme", type=Path, default=None, help="write README's summary block")
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    rows = decompose(a.packages, a.residents, a.years, a.seeds)
    minutes = (time.perf_counter() - t0) / 60
    cmd = (
        f"python scripts/decompose.py --residents {a.residents} --years {a.years} "
        f"--seeds {a.seeds} --packages {' '.join(a.packages)}"
    )
    text = markdown(rows, cmd)
    print(text)
    if a.write is not None:
        write_block(a.write, "decomposition", text)
    if a.readme is not None:
        write_block(a.readme, "decomposition-summary", summary(rows, a, minutes))
    return 0


def _cell(
    rows: list[tuple[str, str, dict[str, str]]],
    pkg: str,
    line: str,
    out: str,
    cur: str = "",
    digits: int = 1,
) -> str:
    """The mean of one cell, signed before any currency sign, with a true minus sign."""
    cells = next(c for p, ln, c in rows if p == pkg and ln.startswith(line))
    v = float(cells[out].split(" ± ")[0])
    return f"{'−' if v < 0 else '+'}{cur}{abs(v):.{digits}f}"


def summary(
    rows: list[tuple[str, str, dict[str, str]]], a: argparse.Namespace, minutes: float
) -> str:
    """README's sentence on the decomposition, from its rows."""
    c, f, v = "total_cost_yuan", "fund_balance_ratio", "primary_visits_per_capita"
    consortium = ""
    if any(p == "consortium" for p, _, _ in rows):
        consortium = (
            f"; the consortium arm's {_cell(rows, 'consortium', 'effect', v, digits=2)} "
            "primary-care visits per capita (Ding & Zhou 2024: +0.34, held out) are "
            f"{_cell(rows, 'consortium', 'bypass', v, digits=2)} from the bypass penalties and "
            "hassle with the referral consultations they bring, "
            f"{_cell(rows, 'consortium', 'contract follow-ups', v, digits=2)} from the contract "
            "follow-ups and "
            f"{_cell(rows, 'consortium', 'reimbursement level', v, digits=2)} from the level step"
        )
    return (
        "Each effect by mechanism: [docs/decomposition.md](docs/decomposition.md) "
        f"({a.residents:,} residents, {a.years} years, {a.seeds} seeds; {minutes:.0f} min: "
        f"rotation's {_cell(rows, 'rotation', 'effect', c, '¥')} M total cost splits into the "
        f"specialists' presence, {_cell(rows, 'rotation', 'specialists', c, '¥')} M, and the skill "
        f"left behind, {_cell(rows, 'rotation', 'skill', c, '¥')} M; gatekeeping's "
        f"{_cell(rows, 'gatekeeping', 'effect', f)} points of fund balance into the bypass "
        f"penalties and hassle with the referrals they make patients ask for, "
        f"{_cell(rows, 'gatekeeping', 'bypass', f)}, and the level step, "
        f"{_cell(rows, 'gatekeeping', 'reimbursement level', f)}{consortium}).\n"
    )


if __name__ == "__main__":
    raise SystemExit(main())
