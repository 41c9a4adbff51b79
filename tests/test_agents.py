"""Every resident is a Patient agent; facilities are agents viewing the model's arrays."""

from __future__ import annotations

import numpy as np

from countysim.agents import (
    CountyHospital,
    OutOfCountyHospital,
    Patient,
    TownshipHospital,
    VillageDoctor,
)


def test_agent_types_and_counts(tiny):
    model = tiny("sim.years=1")
    by_type = model.agents_by_type
    c = model.county
    assert len(by_type[Patient]) == model.residents.n == 5000
    assert len(by_type[TownshipHospital]) == c.n_townships == 2
    assert [h.name for h in by_type[CountyHospital]] == ["people's hospital", "TCM hospital"]
    assert len(by_type[OutOfCountyHospital]) == 1
    assert len(by_type[VillageDoctor]) >= c.n_villages
    assert {d.clinic for d in by_type[VillageDoctor]} == set(range(c.n_villages))
    ids = [a.unique_id for a in model.agents]
    assert len(ids) == len(set(ids))
    model.release()


def test_patient_is_a_view_over_resident_arrays(tiny):
    model = tiny("sim.years=1", "seed=2")
    patients = list(model.agents_by_type[Patient])
    p = patients[123]
    r = model.residents
    assert p.idx == 123 and p.age == int(r.age[123]) and p.village == int(r.village[123])
    assert p.sex in ("male", "female") and isinstance(p.enrolled, bool)
    assert set(p.trust) == {"village", "township", "county", "out_of_county"}
    with_chronic = [q for q in patients if q.chronic_conditions]
    assert with_chronic and all(q.age >= 15 for q in with_chronic)
    before = dict(p.trust)
    model.run()
    # trust is learnt: somebody's trust moved away from the initial values
    initial = np.asarray(model.cfg.care.initial_trust, dtype=np.float32)
    moved = (r.trust != initial).any(axis=1).sum()
    assert moved > 0 and isinstance(before["village"], float)


def test_facility_accounts_visible_through_agents(tiny):
    model = tiny("sim.years=1", "seed=3")
    model.run()
    county = list(model.agents_by_type[CountyHospital])[0]
    assert county.visits_this_year > 0 and county.revenue_this_year_yuan > 0
    assert county.beds > 0 and county.doctors > 0
