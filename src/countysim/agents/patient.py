"""Patient: every resident of the county, a thin Mesa agent over the model's arrays.

Per-resident state lives in numpy columns owned by the model (`model.residents`); a
Patient is a view at index `idx`, so the daily work runs vectorised over the day's
episodes and never loops over residents in Python.
"""

from __future__ import annotations

import gc
import itertools
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

import mesa
from mesa.agent import AgentSet

from countysim.config.schema import AGE_BANDS, LEVELS
from countysim.world.county import CHRONIC_BITS

if TYPE_CHECKING:
    from countysim.model import CountyModel

CHRONIC_NAMES = ("hypertension", "diabetes", "copd", "stroke")


def _weak_add_all(registry: weakref.WeakKeyDictionary, agents: Sequence[mesa.Agent]) -> None:
    """registry.update(dict.fromkeys(agents)), with the weak references made in C.

    WeakKeyDictionary.update sets one key at a time in Python (about 0.8 s per million);
    this builds the same `data` entries (a weak reference with the dictionary's removal
    callback -> None) through map(). Falls back to update() if the internals differ.
    """
    data, remove = getattr(registry, "data", None), getattr(registry, "_remove", None)
    if not isinstance(data, dict) or remove is None:
        registry.update(dict.fromkeys(agents))
        return
    data.update(zip(map(weakref.ref, agents, itertools.repeat(remove)), itertools.repeat(None)))


class Patient(mesa.Agent):
    """A resident of the county (index `idx` into the model's resident arrays)."""

    model: CountyModel

    def __init__(self, model: CountyModel, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    @property
    def age(self) -> int:
        """Age in years."""
        return int(self.model.residents.age[self.idx])

    @property
    def age_band(self) -> str:
        """Age band label."""
        return AGE_BANDS[int(self.model.residents.age_band[self.idx])]

    @property
    def sex(self) -> str:
        """'male' or 'female'."""
        return "male" if self.model.residents.male[self.idx] else "female"

    @property
    def village(self) -> int:
        """Home village (= facility id of its village clinic)."""
        return int(self.model.residents.village[self.idx])

    @property
    def chronic_conditions(self) -> list[str]:
        """Names of the chronic conditions this resident has."""
        bits = int(self.model.residents.chronic[self.idx])
        return [n for n, b in zip(CHRONIC_NAMES, CHRONIC_BITS, strict=True) if bits & b]

    @property
    def enrolled(self) -> bool:
        """Enrolled in the resident medical insurance scheme."""
        return bool(self.model.residents.enrolled[self.idx])

    @property
    def trust(self) -> dict[str, float]:
        """Trust (0-1) in each level of care, learnt from own outcomes."""
        row = self.model.residents.trust[self.idx]
        return {lvl: float(row[i]) for i, lvl in enumerate(LEVELS)}

    @classmethod
    def create_all(cls, model: CountyModel, n: int) -> list[Patient]:
        """Create one Patient per resident in bulk (gc paused, registration batched);
        returns them in resident order (they are also in model.agents_by_type[Patient]).

        Equivalent to calling Patient(model, i) for i in range(n), which costs several
        seconds per million residents; this fills Mesa's registries directly.
        """
        counter = mesa.Agent._ids[model]
        start = next(counter)
        enabled = gc.isenabled()
        gc.disable()
        try:
            new = object.__new__
            agents: list[Patient] = []
            append = agents.append
            for i in range(n):
                a = new(cls)
                a.__dict__ = {"model": model, "unique_id": start + i, "pos": None, "idx": i}
                append(a)
            mesa.Agent._ids[model] = itertools.count(start + n)
            model._agents.update(dict.fromkeys(agents))
            agentset = AgentSet([], random=model.random)
            _weak_add_all(agentset._agents, agents)
            model._agents_by_type[cls] = agentset
            _weak_add_all(model._all_agents._agents, agents)
        finally:
            if enabled:
                gc.enable()
        return agents
