"""CountyModel: one Chinese county's health system, one step = one day (Mesa 3).

Residents, village doctors, township centres, county hospitals and the out-of-county
sink are Mesa agents; per-resident state is held in numpy columns owned by the model and
the daily work is vectorised over the day's episodes. The model and its defaults follow
docs/sources.md; the ODD description is in docs/odd.md.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np

from countysim.agents import (
    Consortium,
    CountyHospital,
    OutOfCountyHospital,
    Patient,
    TownshipHospital,
    VillageDoctor,
)
from countysim.agents.decisions import DECISIONS, Decisions
from countysim.care.capacity import Beds, fit_beds, outpatient_slots
from countysim.care.careseeking import CareSeeking
from countysim.care.chronic import ChronicCare
from countysim.care.delivery import deliver
from countysim.care.demand import Demand, Episodes
from countysim.care.reputation import Reputation
from countysim.care.routing import route
from countysim.care.waiting import WaitingList
from countysim.config.schema import Config
from countysim.metrics import DAYS_PER_YEAR, C, Metrics
from countysim.money.catastrophic import CatastrophicCover
from countysim.money.insurance import Insurance
from countysim.money.ledger import Ledger
from countysim.money.prices import Prices
from countysim.policies import FeeForService, NoSecondment, OpenAccess, PaymentPolicy, Policy
from countysim.world.county import COUNTY, OUT, TOWNSHIP, VILLAGE, generate
from countysim.world.lifetable import life_table, survival
from countysim.world.population import Population
from countysim.world.streams import Streams


class CountyModel(mesa.Model):
    """A county health system under a payment, a secondment and a triage policy."""

    def __init__(self, cfg: Config, policies: Sequence[Policy] | None = None) -> None:
        super().__init__(seed=cfg.seed)
        t0 = time.perf_counter()
        self.cfg = cfg
        self.streams = Streams(cfg.seed)
        pop = cfg.population
        self.life_table = life_table(
            pop.life_expectancy_male,
            pop.life_expectancy_female,
            pop.gompertz_slope,
            pop.makeham,
            pop.infant_mortality,
        )
        self.county = generate(
            cfg.county, cfg.care, self.streams["county"], survival(self.life_table)
        )
        self.residents = self.county.residents
        self.population = Population(self, cfg.population) if cfg.population.dynamic else None
        effort = cfg.providers.norm[DECISIONS.index("chronic_effort")]
        self.chronic = ChronicCare(self.residents, cfg.chronic, cfg.demand, effort)
        self.demand = Demand(self.residents, cfg.demand, self.chronic.rate_scale)
        self.prices = Prices(cfg.prices, cfg.sim.start_calendar_year)
        self.insurance = Insurance(cfg.insurance, self.prices)
        self.catastrophic = CatastrophicCover(self.residents.n, cfg.insurance)
        self.careseeking = CareSeeking(self.county, cfg.care, cfg.county.county_hospital_shares)
        self.ledger = Ledger()
        fac = self.county.facilities
        self.metrics = Metrics(cfg.sim.years, fac.n)
        self.beds = Beds(fac.beds)
        self.doctors = fac.doctors.copy()
        self.capability = fac.capability.copy()
        # what patients compare a facility's capability with (CareSeeking.utility)
        self._capability_reference = np.asarray(cfg.care.capability_reference)[fac.level]
        self.reputation = Reputation(
            cfg.care.reputation_lag_days, self.capability - self._capability_reference
        )
        self.year_claims_fen = np.zeros(4, dtype=np.int64)
        self.year_oop_fen = np.zeros(4, dtype=np.int64)
        n_cons = int(fac.consortium.max()) + 1
        self.year_claims_by_consortium = np.zeros((n_cons, 4), dtype=np.int64)
        self.day = 0
        self.waiting = WaitingList.empty()  # turned away everywhere: they try again tomorrow
        self.n_days = cfg.sim.years * DAYS_PER_YEAR
        self.policies: list[Policy] = (
            list(policies)
            if policies is not None
            else [FeeForService(), NoSecondment(), OpenAccess()]
        )
        payments = [p for p in self.policies if isinstance(p, PaymentPolicy)]
        if len(payments) != 1:
            raise ValueError(f"exactly one payment policy is required, got {len(payments)}")
        self.payment: PaymentPolicy = payments[0]
        self.fund: list[dict[str, float]] = []
        self.decisions = Decisions(cfg.providers, fac.n)
        self._create_agents()
        self.consortia: list[Consortium] = [Consortium(self, i) for i in range(n_cons)]
        for p in self.policies:
            p.setup(self)
        self.oop_table = self.insurance.expected_oop_yuan(self.reimbursement_delta)
        self.careseeking.set_prices(self.oop_table)
        self.build_seconds = time.perf_counter() - t0

    def _create_agents(self) -> None:
        """One agent per village doctor and per facility; then Patients in bulk.

        Facilities first: registering an agent one by one is slow once a million
        Patients are alive (each allocation may trigger a full garbage collection).
        """
        fac = self.county.facilities
        for f in range(fac.n):
            lv = int(fac.level[f])
            if lv == VILLAGE:
                for _ in range(max(1, round(float(fac.doctors[f])))):
                    VillageDoctor(self, f)
            elif lv == TOWNSHIP:
                TownshipHospital(self, f)
            elif lv == COUNTY:
                CountyHospital(self, f)
            else:
                OutOfCountyHospital(self, f)
        self._patients: list[Patient | None] = list(Patient.create_all(self, self.residents.n))
        # (a plain list copy of references: Mesa's registries hold the agents themselves)

    # ---- the population changes (population.py) -----------------------------------------
    def remove_patients(self, ids: np.ndarray) -> None:
        """Remove the Patient agents of residents who died (through Mesa)."""
        for i in ids.tolist():
            agent = self._patients[i]
            if agent is not None:
                agent.remove()
                self._patients[i] = None

    def add_patients(self, ids: np.ndarray) -> None:
        """A new Patient agent for each newborn's slot."""
        for i in ids.tolist():
            self._patients[i] = Patient(self, i)

    def grow_residents(self, k: int) -> None:
        """k more resident slots (more births than freed slots)."""
        self.residents.grow(k)
        self._patients.extend([None] * k)

    def _drop_waiting_of(self, born: np.ndarray) -> None:
        """Waiting episodes of residents who died leave the queue, untreated."""
        w = self.waiting.episodes
        gone = ~self.residents.alive[w.resident] | np.isin(w.resident, born)
        if gone.any():
            row = self.metrics.daily[self.day]
            row[C["waiting_in"]] += int(gone.sum())
            sev = np.bincount(w.severity[gone], minlength=4)
            row[C["untreated"]] += int(sev.sum())
            row[[C[f"untreated_sev{s}"] for s in range(4)]] += sev
            self.waiting = self.waiting.subset(~gone)

    def _advance_population(self) -> None:
        """Year start: demography, then everything that depends on who lives here."""
        assert self.population is not None
        born = self.population.advance_year()
        self._drop_waiting_of(born)
        self.chronic.refresh(self.residents, born)
        self.demand = Demand(self.residents, self.cfg.demand, self.chronic.rate_scale)
        for p in self.policies:
            p.on_population(self, born)

    @property
    def year(self) -> int:
        """Current simulated year (0-based)."""
        return min(self.day // DAYS_PER_YEAR, self.cfg.sim.years - 1)

    def active_policies(self) -> list[Policy]:
        """Policies in force this year, in order payment, secondment, triage.

        The payment policy is always in force (before its start_year it pays as
        fee-for-service); the others from the start of their start_year.
        """
        return [p for p in self.policies if p.always_on or p.active(self)]

    def policy_sum(self, hook: str) -> float:
        """Sum of a scalar hook over the active policies."""
        return float(sum(getattr(p, hook)(self) for p in self.active_policies()))

    def reimbursement_delta(
        self, level: np.ndarray, inpatient: np.ndarray, referred: np.ndarray
    ) -> np.ndarray:
        """Summed change in reimbursement share from the active policies."""
        total = np.zeros(level.shape[0])
        for p in self.active_policies():
            total = total + p.reimbursement_delta(self, level, inpatient, referred)
        return total

    def _apply_staffing(self) -> None:
        """Doctors on duty and capability today: base values plus active policies' deltas."""
        fac = self.county.facilities
        self.doctors = fac.doctors.copy()
        self.capability = fac.capability.copy()
        for p in self.active_policies():
            dd = p.doctor_delta(self)
            if dd is not None:
                self.doctors = self.doctors + dd
            dc = p.capability_delta(self)
            if dc is not None:
                self.capability = self.capability + dc
        out = fac.level == OUT  # policies never lower the out-of-county sink's capability
        self.capability[out] = np.maximum(self.capability[out], fac.capability[out])

    def _onsets(self, active: list[Policy], year: int) -> Episodes:
        """Today's episodes: onsets, policies' added episodes, minus exacerbations averted.

        One prevention uniform is drawn per episode every day, whatever the control.
        """
        ep = self.demand.draw(self.streams["onset"])
        for p in active:
            extra = p.extra_episodes(self)
            if extra is not None:
                ep = ep.concat(extra)
        gone = self.chronic.averted(ep, self.streams["prevention"].random(ep.n))
        if gone.any():
            self.metrics.add_extra(year, "averted_exacerbations", float(gone.sum()))
            ep = ep.subset(~gone)
        return ep

    def _admit_marginal(
        self, ep: Episodes, routed: Any, free_beds: np.ndarray, year: int
    ) -> Episodes:
        """Admit outpatients of severity >= 1 by their facility's `admission` decision."""
        u = self.streams["admission"].random(ep.n)
        prob = self.decisions["admission"]
        if not prob.any():
            return ep
        placed = routed.facility >= 0
        fac = np.maximum(routed.facility, 0)
        want = placed & ~ep.inpatient & ~ep.followup & (ep.severity >= 1) & (u < prob[fac])
        ok = fit_beds(want, fac, free_beds)
        if not ok.any():
            return ep
        free_beds -= np.bincount(routed.facility[ok], minlength=free_beds.shape[0])
        self.metrics.add_marginal(year, self.county.facilities.level[routed.facility[ok]])
        return Episodes(ep.resident, ep.severity, ep.inpatient | ok, ep.followup)

    def _facilities_decide(self) -> None:
        """Every `providers.decision_interval_days`: each kind of facility revises its decisions."""
        interval = self.cfg.providers.decision_interval_days
        if self.day % interval == 0:
            if self.day > 0:
                self.chronic.decay(interval)
            stake = self.payment.stake(self)
            for kind in (VillageDoctor, TownshipHospital, CountyHospital):
                kind.decide(self, self.agents_by_type[kind], stake)

    def step(self) -> None:
        """Simulate one day, in this order.

        0. First day of a year: demography from year 1 on (ageing, deaths, births,
           migration; policies' on_population); residents, enrolment and catchments
           recorded; claim totals reset; prices and catastrophic threshold at the calendar
           year's level; every policy's on_year_start (the payment policy books the fund's
           income); the expected out-of-pocket table is refreshed.
        1. Active policies' on_day hooks; every `providers.decision_interval_days` chronic
           control decays and each facility agent moves its decisions by its margins;
           doctors on duty and capability for today.
        2. Beds: today's discharges and scheduled transfers; new episodes arise among
           residents (onset stream), active policies may add some (extra_episodes), and
           chronic patients' condition control averts some exacerbations (chronic.py; one
           prevention uniform per episode is drawn every day); yesterday's queue joins them.
        3. Each episode ranks its candidate facilities (care-seeking utility, choice stream;
           patients see each facility's capability above its level's base, through
           word of mouth's lag, reputation.py; policies' utility_delta); a migrant away
           from home can only go out of county.
        4. Routing: capacity (slots, beds), capability referrals up (providers' `keep`
           added to capability), referrals asked for at the own township centre
           (policies' referral_requests), turn-aways; an episode placed nowhere waits for
           tomorrow up to `care.max_wait_days` (keeping its referral), then goes
           untreated; facilities' `admission` decision admits outpatients where a bed is free.
        5. Care delivered: stays, down-referral (down_referral_delta), outcomes -> trust.
        6. Claims settled: reimbursement by level and referral, out-of-pocket rest,
           catastrophic cover; policies' on_claims; occupied bed-days counted.
        7. Last day of a year: every policy's on_year_end (the payment policy books claims
           and settles); the books close; decisions, chronic control, bed occupancy,
           demography and policies' yearly metrics recorded.
        """
        year, doy = divmod(self.day, DAYS_PER_YEAR)
        if doy == 0:
            if year > 0 and self.population is not None:
                self._advance_population()
            self.metrics.residents[year] = int(self.residents.alive.sum())
            self.metrics.enrolled[year] = int(self.residents.enrolled.sum())
            self.metrics.fac_catchment[year], self.metrics.fac_catchment_minutes[year] = (
                self.county.catchments()
            )
            self.year_claims_fen[:] = 0
            self.year_claims_by_consortium[:] = 0
            self.year_oop_fen[:] = 0
            self.prices.set_year(year)
            self.catastrophic.new_year(self.prices.level, self.residents.n)
            for p in self.policies:
                p.on_year_start(self)
            self.oop_table = self.insurance.expected_oop_yuan(self.reimbursement_delta)
            # patients weigh out-of-pocket cost in price-year yuan: incomes are assumed
            # to grow with prices (prices.growth_per_year), so no money illusion
            self.careseeking.set_prices(self.oop_table / self.prices.level)
        active = self.active_policies()
        for p in active:
            p.on_day(self)
        self._facilities_decide()
        self._apply_staffing()
        fac = self.county.facilities
        self.metrics.fac_doctor_days[year] += np.where(np.isfinite(self.doctors), self.doctors, 0.0)

        self.beds.advance(self.day)
        ep, waited, held = self.waiting.join(self._onsets(active, year))  # yesterday's too
        cand = self.careseeking.candidates(ep)
        gain = self.reputation.update(self.capability - self._capability_reference)
        util = self.careseeking.utility(
            ep, self.streams["choice"], gain if gain.any() else None, cand
        )
        for p in active:
            du = p.utility_delta(self, ep)
            if du is not None:
                util += du
        elsewhere = self._elsewhere(ep, util)
        keep_cap = self.capability + self.decisions["keep"]
        slots = outpatient_slots(self.doctors, fac.level, self.cfg.care.outpatients_per_doctor_day)
        free_beds = self.beds.free()
        asked = [r for p in active if (r := p.referral_requests(self, ep, util)) is not None]
        ask = np.logical_or.reduce(asked) & ~held if asked else None
        on_request = min((p.refers_on_request(self) for p in active), default=1.0)
        routed = route(
            ep,
            cand,
            util,
            self.careseeking.col_level,
            fac.level,
            keep_cap,
            slots,
            free_beds,
            self.streams["capacity"],
            self.cfg.care.max_turnaways,
            ask,
            on_request,
            held,
        )
        ep = self._admit_marginal(ep, routed, free_beds, year)
        waits = (routed.facility < 0) & (waited < self.cfg.care.max_wait_days)
        self.waiting = WaitingList(ep.subset(waits), waited[waits] + 1, routed.referred[waits])
        claims = deliver(self, ep, routed, elsewhere, waited, waits)
        for p in active:
            p.on_claims(self, claims)
        self.metrics.fac_bed_days[year] += self.beds.occupied

        if doy == DAYS_PER_YEAR - 1:
            for p in self.policies:
                p.on_year_end(self)
            for name, values in self.decisions.values.items():
                self.metrics.fac_decisions[name][year] = values
            self.fund.append(self.payment.fund_summary(self, year))
            extra = self.metrics.yearly_extra[year]
            extra["chronic_control"] = self.chronic.mean_control()
            fac = self.county.facilities
            extra.update(self.metrics.bed_occupancy(year, fac.level, fac.beds))
            if self.population is not None:
                extra.update(self.population.yearly_metrics())
            for p in self.policies:
                extra.update(p.yearly_metrics(self))
        self.day += 1
        if self.day >= self.n_days:
            self.running = False

    def _elsewhere(self, ep: Episodes, util: np.ndarray) -> np.ndarray:
        """Migrants' episodes away from home: only the out-of-county column remains."""
        if self.population is None:
            return np.zeros(ep.n, dtype=bool)
        away = self.population.treated_elsewhere(
            ep.resident, self.streams["migration"].random(ep.n)
        )
        util[away, :-1] = -np.inf
        return away

    def run(self, progress: Any = None) -> None:
        """Step through every day of the configured years (progress: optional callback)."""
        while self.running:
            self.step()
            if progress is not None:
                progress(self.day)

    def release(self) -> None:
        """Drop Mesa's class-level id counter for this model (it leaks across runs)."""
        mesa.Agent._ids.pop(self, None)


__all__ = ["CountyModel", "COUNTY", "TOWNSHIP"]
