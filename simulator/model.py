"""The Mesa model: stakeholders on a trust graph over a mining project's life cycle, stepped monthly."""

from __future__ import annotations

import mesa
import numpy as np

from stakesim.agents import AGENT_CLASSES, CSO, Community, Company, LocalGovernment
from stakesim.simulator.schema import Scenario, check_intervention
from stakesim.simulator import graph as trust_graph
from stakesim.simulator import licence
from stakesim.simulator.commitments import Commitment, CommitmentLedger
from stakesim.simulator.interventions import build_intervention
from stakesim.simulator.lifecycle import Project
from stakesim.simulator.parameters import PARAMETERS
from stakesim.simulator.metrics import make_datacollector
from stakesim.simulator.numbers import array_sum, ordered_sum


class MiningModel(mesa.Model):
    """One run of one scenario with one seed.

    A run is a pure function of (scenario, parameters, seed): every random draw comes from
    generators seeded from ``seed``: ``self.rng`` (Mesa's, for initialisation),
    ``self.commitment_rng`` and one stream per intervention, kept apart so arms that share a seed
    share their draws. With no seed, fresh entropy is drawn once and kept in ``self.seed``, so
    every run can be repeated. Global parameters may be given by name as keywords
    (``MiningModel(scenario, seed=1, trust_loss_rate=0.4)``), as Mesa's ``batch_run`` and
    SolaraViz pass them; ``stakesim.MiningModel`` also takes scenario names, paths and overrides.
    """

    def __init__(self, scenario: Scenario, seed: int | None = None, rng=None, **parameters):
        seed = resolve_seed(seed, rng)
        super().__init__(rng=seed)
        if parameters:
            scenario = with_parameters(scenario, parameters)
        # Not ``self.scenario``: newer Mesa (3.5+) defines ``Model.scenario`` for its own use.
        self.scenario_spec = scenario
        self.seed = seed
        # Entropy for the run's secondary streams (commitments, interventions): derived from the
        # seed, so arms sharing a seed share these draws too (common random numbers).
        self.seed_entropy = seed
        self.commitment_rng = np.random.default_rng([self.seed_entropy, 1])
        self.p: dict[str, float] = scenario.parameter_values()
        self.project = Project(scenario.project)
        self.months = scenario.months

        self.stakeholders: dict[str, mesa.Agent] = {}
        for spec in scenario.stakeholders:
            self.stakeholders[spec.id] = AGENT_CLASSES[spec.type](self, spec)
        self.company: Company = next(a for a in self.stakeholders.values() if isinstance(a, Company))
        self.governments: list[LocalGovernment] = list(self.agents_by_type.get(LocalGovernment, []))
        self.communities: list[Community] = list(self.agents_by_type.get(Community, []))
        self.csos: list[CSO] = list(self.agents_by_type.get(CSO, []))
        for community in self.communities:
            community.government_key = community.government_key or self.governments[0].key
        for agent in self.stakeholders.values():
            agent.initial_understanding = agent.understanding
        self._node_order = list(self.stakeholders)

        self.graph = trust_graph.build_graph(scenario, self.p, self.rng)
        self.commitments = CommitmentLedger()
        self.blockade_now = False
        self.licence_score = self._licence_score()
        self.withdrawal_months = 0
        self.intervention_cost_now = 0.0
        self.intervention_cost_total = 0.0
        # Revenue the governments did not receive this month because the project was stopped.
        self.revenue_forgone_now = 0.0
        self._revenue_shares = ordered_sum(g.revenue_share for g in self.governments)
        # One row per intervention meeting (step, intervention, kind, attendance, agreements, cost)
        # and one per chance event; both are run outputs (docs/ODD.md, section 8).
        self.intervention_log: list[dict] = []
        self.event_log: list[dict] = []
        self.datacollector = make_datacollector()
        self.project_phase_started(self.project.phase)
        self.interventions: list = []
        for spec in scenario.interventions:
            self.add_intervention(spec)

    # ------------------------------------------------------------------ the schedule
    def step(self) -> None:
        """One month, in the order of the ODD's process overview."""
        self.intervention_cost_now = 0.0
        if self.project.advance(blocked=self.blockade_now):
            self.project_phase_started(self.project.phase)
        self.deliver_benefits_and_revenue()
        for intervention in list(self.interventions):
            intervention.step(self)
        self.accumulate_impacts_and_perceive()
        self.spread_perceptions()
        self.learn_from_peers()
        self.grieve_and_mobilise()
        self.settle_commitments()
        self.learn_from_experience()
        self.update_social_licence()
        self.datacollector.collect(self)
        if self.steps >= self.months:
            self.running = False

    def run(self) -> "MiningModel":
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------------ submodels
    def project_phase_started(self, phase) -> None:
        """A phase's arrival: expectations shocked, each community's exposure to it (and its largest
        in the phases to come, for concern about announced impacts), any impact on it alone."""
        ahead = self.project.spec.phases[self.project.phase_index:]
        for community in self.communities:
            community.shock_expectations(phase.expectation_shock)
            key, own = community.key, community.base_exposure
            community.exposure = phase.exposure.get(key, own)
            community.exposure_ahead = max(later.exposure.get(key, own) for later in ahead)
            community.resettlement_rate = phase.resettlement.get(key, 0.0) / phase.duration

    def deliver_benefits_and_revenue(self) -> None:
        """Jobs from the company, revenue to governments, services from invested revenue, delay costs."""
        conditions = self.project.conditions
        if self.project.blocked:
            self.company.bear_delay(self.scenario_spec.project.delay_cost_per_month)
        self.revenue_forgone_now = self.project.forgone_revenue() * self._revenue_shares
        jobs = self.company.jobs_offered(conditions.jobs)
        for government in self.governments:
            government.manage_revenue(conditions.revenue * government.revenue_share)
        served: dict[str, int] = {}  # members each government serves
        for community in self.communities:
            served[community.government_key] = served.get(community.government_key, 0) + community.population
        for community in self.communities:
            government = self.stakeholders[community.government_key]
            share = community.population / served[government.key]
            need = community.service_need
            community.jobs = jobs
            community.services = min(1.0, government.presence + government.invested_now * share / need)
            # Leakage noticed, as a share of the money that should be serving the community: small
            # leaks from a large, well-spent budget matter little; large leaks from idle money a lot.
            leaked, invested = government.leaked_now * share, government.invested_now * share
            community.leak_signal = self.p["leak_visibility"] * leaked / (leaked + invested + need)
            persistence = self.p["agreement_benefit_persistence"]
            if persistence != 1.0:
                for debtor in community.delivered_by:
                    community.delivered_by[debtor] *= persistence
            community.learn(self.p["natural_learning_rate"] * self.company.communication)
            community.adapt_expectations()

    def accumulate_impacts_and_perceive(self) -> None:
        conditions = self.project.conditions
        harm = self.company.context_harm(self.company.jobs_offered(conditions.jobs))
        running = self.project.active
        announced = self.announced_impact()
        for community in self.communities:
            community.accumulate_impact(conditions.impact, harm, community.resettlement_rate if running else 0.0)
            community.perceive(community.actual_impact, conditions.complexity)
            if announced or community.concern:  # nothing announced and no concern: nothing to form
                community.anticipate(announced * community.exposure_ahead,
                                     self.trust(community.key, self.own_company(community).key))
        impacts = [c.actual_impact for c in self.communities]
        mean_impact = array_sum(impacts) / len(impacts)  # np.mean's arithmetic, without its overhead
        for agent in [self.company, *self.governments, *self.csos]:
            agent.perceive(mean_impact, conditions.complexity)

    def spread_perceptions(self) -> None:
        agents = [self.stakeholders[k] for k in self._node_order]
        values = np.array([a.perceived_impact for a in agents])
        values = trust_graph.diffuse(self.graph, self._node_order, values, self.p)
        for agent, value in zip(agents, values.tolist()):
            if value < 0.0:  # np.clip(values, 0, 1), value by value (NaN and -0.0 kept, as np.clip keeps them)
                value = 0.0
            elif value > 1.0:
                value = 1.0
            if not isinstance(agent, Company):  # the company knows its own impacts
                agent.perceived_impact = value

    def learn_from_peers(self) -> None:
        """Communities learn from the neighbours they trust who understand the project better.

        Information passes along trusted ties: each community closes ``peer_learning_rate`` of the
        trust-weighted mean gap to its trusted neighbours' understanding (those at or above
        ``influence_trust_threshold``), so a tie to a bridge (a CSO, a convener, a trusted company)
        is a source of understanding. Computed from the month's starting values, then applied.
        """
        rate = self.p["peer_learning_rate"]
        if rate == 0.0 or not self.p["channel_understanding"]:
            return
        threshold = self.p["influence_trust_threshold"]
        gains = []
        for community in self.communities:
            own = community.understanding
            pairs = [(data["trust"], self.stakeholders[other].understanding)
                     for other, data in trust_graph.ties_from(self.graph, community.key).items()
                     if data["trust"] >= threshold]
            weight = ordered_sum(t for t, _ in pairs)
            pull = ordered_sum(t * max(0.0, u - own) for t, u in pairs)
            gains.append(rate * pull / weight if weight > 0 else 0.0)
        for community, gain in zip(self.communities, gains):
            community.understanding = min(1.0, community.understanding + gain)

    def grieve_and_mobilise(self) -> None:
        can_blockade = not (self.project.suspended or self.project.finished)
        for community in self.communities:
            government = self.stakeholders[community.government_key]
            community.update_grievance(self.trust(community.key, self.company.key),
                                       self.trust(community.key, government.key),
                                       government.presence)
            community.mobilise(government.presence)
            community.act(can_blockade)
        self.blockade_now = any(c.blockading for c in self.communities)

    def settle_commitments(self) -> None:
        """Commitments falling due are kept or broken; each is a trust event for the creditor.

        A debtor keeps a commitment when it is willing (its keep probability, raised by monitoring)
        and has the money: a government pays from what it set aside when it signed, a company from
        its resources. A kept commitment credits its debtor and delivers its benefit; a broken one
        costs trust in the debtor and, by ``cosigner_blame``, in the agreement's other signatories.
        """
        for commitment in self.commitments.due(self.steps):
            debtor = self.stakeholders[commitment.debtor]
            creditor = self.stakeholders[commitment.creditor]
            chance = debtor.keep_probability()
            if commitment.monitored:
                chance += self.p["monitoring_effect"] * (1.0 - chance)
            willing = bool(self.commitment_rng.random() < chance)
            if isinstance(debtor, LocalGovernment):
                self.commitments.settle(commitment, willing and commitment.reserved >= commitment.cost)
                debtor.settle_reserved(commitment.reserved, keep=commitment.kept)
            else:
                self.commitments.settle(commitment, willing and debtor.resources >= commitment.cost)
                if commitment.kept:
                    debtor.spend(commitment.cost)
            if isinstance(creditor, Community):
                self._settle_with_community(creditor, commitment)
            if commitment.kept:
                self.trust_event(creditor.key, debtor.key, good=1.0)
            else:
                self.trust_event(creditor.key, debtor.key, bad=1.0)
                for cosigner in commitment.cosigners:
                    self.trust_event(creditor.key, cosigner, bad=self.p["cosigner_blame"])

    def _settle_with_community(self, community: Community, commitment: Commitment) -> None:
        debtor = commitment.debtor
        community.promised_by[debtor] = max(0.0, community.promised_by.get(debtor, 0.0) - commitment.amount)
        record = community.record.setdefault(debtor, [0, 0])
        record[0 if commitment.kept else 1] += 1
        if commitment.kept and self.p["channel_agreements_delivered"]:
            room = max(0.0, 1.0 - community.agreement_benefit)
            community.delivered_by[debtor] = community.delivered_by.get(debtor, 0.0) + min(commitment.amount, room)

    def learn_from_experience(self) -> None:
        """Everyday experience moves trust a little each month, losses faster than gains."""
        w = self.p["experience_weight"]
        company = self.company.key
        for community in self.communities:
            gov = self.stakeholders[community.government_key]
            from_state = community.delivered_by.get(gov.key, 0.0)  # credited to the State, not the company
            met = min(1.0, community.benefits_without(gov.key) / max(community.expectation, self.p["expectation_floor"]))
            self.trust_event(community.key, company, good=met * (1.0 - community.perceived_impact),
                             bad=min(1.0, community.perceived_impact + community.gap_blamed_on_company),
                             weight=w)
            self.trust_event(community.key, gov.key, good=min(1.0, community.services + from_state),
                             bad=min(1.0, community.leak_signal + community.gap_blamed_on_government),
                             weight=w)
            unrest = community.active_share
            for other in (company, gov.key):
                self.trust_event(other, community.key, good=1.0 - unrest, bad=unrest, weight=w)
                if community.blockading:
                    self.trust_event(other, community.key, bad=1.0)
        self.fade_ties()

    def fade_ties(self) -> None:
        """Ties built by an intervention lose trust once their two ends stop meeting.

        An intervention that brings two members together keeps their tie up until its meeting
        after next (``kept_until``); a tie whose ends miss that fades each month after.
        """
        decay = self.p["tie_decay"]
        if decay == 0.0:
            return
        for data in trust_graph.edge_data(self.graph):
            if data["kind"] == "intervention" and data.get("kept_until", -1) < self.steps:
                data["trust"] *= 1.0 - decay

    def update_social_licence(self) -> None:
        self.licence_score = self._licence_score()
        if licence.level(self.licence_score) == "withdrawal" and self.project.active:
            self.withdrawal_months += 1
        elif licence.level(self.licence_score) != "withdrawal":
            self.withdrawal_months = 0
        if self.withdrawal_months >= self.p["suspension_months"]:
            self.project.suspend(self.steps)

    # ------------------------------------------------------------------ helpers for interventions
    def own_company(self, community: Community) -> Company:
        """The company whose project affects ``community`` (the one company of the scenario)."""
        return self.company

    def own_government(self, community: Community) -> LocalGovernment:
        """The local government that serves ``community``."""
        return self.stakeholders[community.government_key]

    def announced_impact(self) -> float:
        """The impact the project's plan announces this month: the current phase's, while the
        project is neither suspended nor finished."""
        project = self.project
        return 0.0 if project.suspended or project.finished else project.phase.announced_impact

    def heard_impact(self, community: Community) -> float:
        """The announced impact as it would reach ``community``: by its largest exposure to come."""
        return self.announced_impact() * community.exposure_ahead

    def trust(self, i: str, j: str) -> float:
        return trust_graph.trust(self.graph, i, j)

    def trust_event(self, i: str, j: str, good: float = 0.0, bad: float = 0.0, weight: float = 1.0) -> None:
        trust_graph.update_trust(self.graph, i, j, good, bad, self.p, weight)

    def make_commitment(self, debtor: str, creditor: str, amount: float, cost: float,
                        due_in: int, monitored: bool, source: str = "agreement",
                        cosigners: tuple[str, ...] = ()) -> Commitment:
        """Record a commitment; a government debtor sets its cost aside from its balance now."""
        creditor_agent = self.stakeholders[creditor]
        if isinstance(creditor_agent, Community):
            creditor_agent.promised_by[debtor] = creditor_agent.promised_by.get(debtor, 0.0) + amount
        debtor_agent = self.stakeholders[debtor]
        reserved = debtor_agent.set_aside(cost) if isinstance(debtor_agent, LocalGovernment) else 0.0
        return self.commitments.make(Commitment(debtor, creditor, amount, cost, self.steps,
                                                self.steps + due_in, monitored, source,
                                                tuple(cosigners), reserved, debtor_type=debtor_agent.kind))

    def add_tie(self, i: str, j: str, trust_value: float, kind: str) -> bool:
        return trust_graph.add_tie(self.graph, i, j, trust_value, kind)

    def add_intervention(self, spec) -> None:
        """Add an intervention, also mid-run (the browser view switches them on and off)."""
        if any(iv.name == spec.label for iv in self.interventions):
            raise ValueError(f"an intervention named {spec.label!r} is already in this model")
        check_intervention(self.scenario_spec, spec, f"intervention '{spec.label}'")
        self.interventions.append(build_intervention(spec, self))

    def remove_intervention(self, name: str) -> None:
        """Remove an intervention; what it built (understanding, ties, commitments) stays."""
        before = len(self.interventions)
        self.interventions = [iv for iv in self.interventions if iv.name != name]
        if len(self.interventions) == before:
            raise KeyError(f"no intervention named {name!r} in this model")

    def pay_intervention(self, amount: float) -> None:
        self.intervention_cost_now += amount
        self.intervention_cost_total += amount

    def _licence_score(self) -> float:
        # np.average's arithmetic (products, their sum over the summed weights), without its overhead.
        weights = [float(c.population) for c in self.communities]
        company = self.company.key
        weighted = [c.licence_score(self.trust(c.key, company)) * w for c, w in zip(self.communities, weights)]
        return array_sum(weighted) / array_sum(weights)


def resolve_seed(seed, rng=None) -> int:
    """The whole-number seed a run uses: ``seed``, or ``rng`` as Mesa 3.4+ names it, or fresh entropy.

    A ``numpy.random.Generator`` given as ``rng`` yields one draw from it, so a caller's own
    seeded generator still gives repeatable runs.
    """
    if seed is not None and rng is not None:
        raise ValueError("give either seed or rng, not both")
    value = seed if seed is not None else rng
    if value is None:
        return int(np.random.SeedSequence().entropy % MAX_SEED)
    if isinstance(value, np.random.Generator):
        return int(value.integers(MAX_SEED))
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < MAX_SEED:
        raise ValueError(f"a seed must be a whole number from 0 to 2**63 - 1, got {value!r}")
    return int(value)


MAX_SEED = 2**63  # seeds fit a signed 64-bit column in every results table


def with_parameters(scenario: Scenario, parameters: dict) -> Scenario:
    """The scenario with global parameters set by name, checked by the schema (ranges included)."""
    unknown = sorted(set(parameters) - set(PARAMETERS))
    if unknown:
        raise TypeError(f"unknown global parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMETERS)}")
    given = {name: value.item() if isinstance(value, np.generic) else value  # numpy scalars from sweeps
             for name, value in parameters.items()}
    values = {**scenario.parameters.model_dump(exclude_none=True), **given}
    return scenario.model_copy(update={"parameters": type(scenario.parameters).model_validate(values)})
