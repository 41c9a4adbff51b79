"""The fit report: one row per target (observed, band, simulated mean ± 95% CI, relative
error, pass), as data (stored with a study, read by the validation report) and as text."""

from __future__ import annotations

from collections.abc import Sequence

from countysim.research.targets import Simulated, Target


def report_rows(targets: Sequence[Target], simulated: dict[str, Simulated]) -> list[dict]:
    """One row per target: observed, band, simulated mean and CI, relative error, pass."""
    rows = []
    for t in targets:
        s = simulated[t.name]
        rows.append(
            {
                "target": t.name,
                "kind": t.kind,
                "fit": t.fit,
                "observed": t.observed,
                "low": t.low,
                "high": t.high,
                "simulated": s.mean,
                "ci95": s.half_width,
                "relative_error": (s.mean - t.observed) / t.observed if t.observed else None,
                "pass": t.passes(s.mean, s.half_width),
                "source": t.source,
                "seeds": len(s.values),
                "band_only": t.band_only,
                "direction": t.direction,
            }
        )
    return rows


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _obs(r: dict) -> str:
    return f"{_num(r['observed'])} [{_num(r['low'])}, {_num(r['high'])}]"


def observed_text(r: dict, fmt: str = "{:.3g}") -> str:
    """A row's observed figure: its value and band, or a sign check's side of zero."""
    if r.get("direction"):
        return "< 0 (sign)" if r["direction"] < 0 else "> 0 (sign)"
    return f"{fmt.format(r['observed'])} [{fmt.format(r['low'])}, {fmt.format(r['high'])}]"


def format_report(rows: Sequence[dict]) -> str:
    """The fit report as a Markdown table."""
    lines = [
        "| target | used to fit | observed [band] | simulated ± 95% CI | rel. error | pass |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        rel = "–" if r["relative_error"] is None else f"{100 * r['relative_error']:+.1f}%"
        lines.append(
            f"| {r['target']} | {'yes' if r['fit'] else 'held out'} | "
            f"{observed_text(r) if r.get('direction') else _obs(r)} | "
            f"{_num(r['simulated'])} ± "
            f"{_num(r['ci95'])} | {rel} | {'pass' if r['pass'] else 'FAIL'} |"
        )
    return "\n".join(lines)
