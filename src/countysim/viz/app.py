"""The countysim dashboard: Mesa's SolaraViz page over a Dashboard model (viz extra).

    countysim-dashboard --county xishui --residents-k 100     # or: solara run countysim.viz.app

The sidebar holds Mesa's controls (Reset, ▶ run, Step = one calendar month) and the
levers (levers.py); a changed lever applies on Reset. ▶ runs the months in a background
thread (Mesa's threaded task), so the page stays live while a year runs. Each browser tab
has its own model (made inside the page, not at module level).
"""

from __future__ import annotations

import pandas as pd
import solara
from mesa.visualization import SolaraViz

from countysim.viz import panels
from countysim.viz.levers import BASELINE, LEVERS, model_params
from countysim.viz.session import Dashboard

LEVEL_ORDER = ["county", "township", "village", "out of county"]


def status(model: Dashboard) -> None:
    """What is simulated, how far, how fast, and the last month's numbers (or the error)."""
    if model.error is not None:
        solara.Error(f"Not started: {model.error}")
        return
    lv = model.levers
    h = model.history()
    arms = " vs ".join(model.arms)
    lines = [
        f"County {lv['county']}, {lv['residents_k']}k residents, seed {lv['seed']}; arms: {arms}",
        f"Build {model.build_seconds:.1f} s",
    ]
    if h.empty:
        lines.append("Simulated through: nothing yet (press Step or ▶)")
    else:
        last = h[h.arm == "package"].iloc[-1]
        speed = model.months / model.compute_seconds if model.compute_seconds else float("nan")
        lines += [
            f"Simulated through: {last['calendar']} ({model.months} months, {speed:.1f} months/s)",
            f"Last month, package: in-county {100 * last['in_county_rate']:.1f}%, "
            f"inpatient in-county {100 * last['inpatient_in_county_rate']:.1f}%, "
            f"primary care {100 * last['primary_care_share']:.1f}%, "
            f"fund projected {last['fund_projected_yuan'] / 1e6:+.2f} M¥",
        ]
    if not model.running and not h.empty:
        lines.append("Run complete: Reset to start again")
    lines.append("Levers in force (a changed lever applies on Reset): " + in_force(model))
    with solara.Card("Status", classes=["countysim-status"]):
        for line in lines:
            solara.Text(line, style={"display": "block"})


def in_force(model: Dashboard) -> str:
    """The lever values the arms were built with, those of the chosen options only."""
    groups = {g: str(model.levers[g]) for g in BASELINE}
    shown = []
    for lever in LEVERS:
        if lever.needs is not None and groups[lever.needs[0]] != lever.needs[1]:
            continue
        if lever.name not in ("county", "residents_k", "seed"):
            shown.append(f"{lever.name}={model.levers[lever.name]}")
    return ", ".join(shown)


def rates(model: Dashboard) -> None:
    """In-county rates and primary-care share by month."""
    solara.FigureMatplotlib(panels.rates_figure(model.history()), format="png")


def fund(model: Dashboard) -> None:
    """Fund balance: projected and closed."""
    solara.FigureMatplotlib(panels.fund_figure(model.history()), format="png")


def difference(model: Dashboard) -> None:
    """Package minus baseline (compare mode)."""
    solara.FigureMatplotlib(panels.difference_figure(model.difference()), format="png")


def county_map(model: Dashboard) -> None:
    """The county's facilities by travel time; colour chosen on the panel."""
    colour, set_colour = solara.use_state("occupancy")
    solara.ToggleButtonsSingle(value=colour, values=list(panels.COLOUR_BY), on_value=set_colour)
    table = model.tables.get("package")
    solara.FigureMatplotlib(panels.map_figure(model.layout, table, colour), format="png")


def facility_table(model: Dashboard) -> None:
    """Volumes and net income by facility (villages summed), this year so far."""
    table = model.tables.get("package")
    if table is None:
        solara.Text("The facility table fills in after the first month")
        return
    villages = table[table.level == "village"]
    summed = pd.DataFrame(
        [
            {
                "facility": f"{len(villages)} village clinics",
                "level": "village",
                **villages[["visits_per_day", "visits_this_year", "revenue_yuan"]].sum(),
                "net_income_yuan": villages["net_income_yuan"].sum(),
            }
        ]
    )
    shown = pd.concat([table[table.level != "village"], summed], ignore_index=True)
    shown["level"] = pd.Categorical(shown["level"], LEVEL_ORDER, ordered=True)
    shown = shown.sort_values(["level", "facility"])
    cols = ["facility", "level", "visits_per_day", "visits_this_year", "admissions_this_year",
            "occupancy", "kept_share", "revenue_yuan", "net_income_yuan"]  # fmt: skip
    out = shown[cols].round({"visits_per_day": 1, "occupancy": 3, "kept_share": 3})
    out = out.round({"revenue_yuan": 0, "net_income_yuan": 0})
    solara.Text("Facilities this year so far (package arm; net income before settlement)")
    solara.DataFrame(out, items_per_page=12)


COMPONENTS = [
    (status, 0),
    (rates, 0),
    (fund, 0),
    (difference, 0),
    (county_map, 0),
    (facility_table, 0),
]


@solara.component
def Page() -> None:  # noqa: N802 (the name `solara run` looks for)
    """One model per browser tab; the model replaced by Reset is released."""
    first = solara.use_memo(lambda: Dashboard(), [])
    model: solara.Reactive[Dashboard] = solara.use_reactive(first)
    solara.use_effect(lambda: model.value.release, [model.value])
    SolaraViz(
        model,
        components=COMPONENTS,
        model_params=model_params(),
        name="countysim: a county's health system under its levers",
        play_interval=20,
    )
