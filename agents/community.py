"""A community: a population of members, not one mind."""

from __future__ import annotations

import operator
from functools import reduce

import numpy as np

from stakesim.agents.base import Stakeholder


def ordered_sum(values) -> float:
    """Left-to-right float sum, as ``sum`` before Python 3.12 (see ``stakesim.simulator.numbers``, a layer above)."""
    return reduce(operator.add, values, 0.0)


class Community(Stakeholder):
    """Holds its members' expectations, sensitivities, thresholds and mobilisation as arrays.

    Grievance follows Epstein (2002): hardship x (1 - legitimacy), where hardship comes from the
    expectation gap and perceived impacts and legitimacy from trust in whoever is blamed.
    Mobilisation is a threshold process over members (Granovetter 1978) with hysteresis: an active
    member stays active until its grievance falls well below its threshold, a margin that fatigue
    (organising resources spent on blockades) wears down.
    """

    kind = "community"

    def __init__(self, model, spec):
        super().__init__(model, spec)
        rng = model.rng
        n = spec.population
        p = model.p
        self.population: int = n
        self.understanding = spec.technical_understanding
        self.impact_bias = spec.impact_bias
        self.base_exposure: float = spec.exposure  # its own exposure, where a phase names no other
        self.exposure: float = spec.exposure  # exposure to the current phase's impact
        self.exposure_ahead: float = spec.exposure  # its largest exposure in this phase and those to come
        self.resettlement_rate: float = 0.0  # impact units a month the current phase adds to it alone
        # Concern about impacts the project announces before they happen (impact units, 0-1).
        self.concern: float = 0.0
        self.organisation: float = spec.organisation
        self.government_key: str | None = spec.government
        self.expectations = np.clip(rng.normal(spec.expectation, spec.expectation_sd, n), 0.0, 1.0)
        self.sensitivity = np.clip(rng.normal(1.0, spec.sensitivity_sd, n), 0.0, None)
        self.base_thresholds = np.clip(rng.normal(p["threshold_mean"], p["threshold_sd"], n), 0.0, 1.0)
        self.thresholds = self.base_thresholds.copy()
        self.active = rng.random(n) < spec.initial_mobilised
        self.grievance = np.zeros(n)
        # Community-level state, in the units of docs/ODD.md.
        self.actual_impact = spec.initial_impact
        self.perceived_impact = spec.initial_impact
        self.jobs = 0.0  # benefit index from jobs and procurement this month
        self.services = 0.0  # benefit index from public services this month
        # Benefit index delivered by kept commitments, by debtor: who delivered is who gets credit.
        self.delivered_by: dict[str, float] = {}
        # Benefit index of commitments owed to it and still pending, by debtor.
        self.promised_by: dict[str, float] = {}
        # Its record with each debtor: [commitments kept, commitments broken].
        self.record: dict[str, list[int]] = {}
        self.formality = 0.0  # preference for formal dialogue over disruption (0-1)
        self.leak_signal = 0.0  # leaked revenue noticed, relative to service need
        self.grievance_company = 0.0
        self.grievance_government = 0.0
        self.gap_blamed_on_company = 0.0  # mean expectation gap blamed on the company (0-1)
        self.gap_blamed_on_government = 0.0
        self.protesting = False
        self.blockading = False

    # ----------------------------------------------------------------- derived state
    @property
    def benefits(self) -> float:
        s = self.model.p["service_share"]
        return min(1.0, (1.0 - s) * self.jobs + s * self.services + self.agreement_benefit)

    def benefits_without(self, debtor: str) -> float:
        """Benefits other than what ``debtor``'s kept commitments delivered (each capped at 1 on its own)."""
        s = self.model.p["service_share"]
        others = self.agreement_benefit - self.delivered_by.get(debtor, 0.0)
        return min(1.0, (1.0 - s) * self.jobs + s * self.services + others)

    @property
    def agreement_benefit(self) -> float:
        return ordered_sum(self.delivered_by.values())

    @property
    def promised(self) -> float:
        return ordered_sum(self.promised_by.values())

    def credibility(self, debtor: str) -> float:
        """How much a promise from ``debtor`` is counted on: its record of kept commitments, with a prior."""
        p = self.model.p
        kept, broken = self.record.get(debtor, (0, 0))
        weight = p["credibility_prior_weight"]
        if kept + broken + weight == 0:
            return p["promise_credibility"]
        return (kept + weight * p["promise_credibility"]) / (kept + broken + weight)

    def hope(self) -> float:
        """Benefits still to come, as counted on: pending promises by their debtors' credibility."""
        if not self.model.p["channel_hope"]:
            return 0.0
        return min(1.0, ordered_sum(self.credibility(d) * amount for d, amount in self.promised_by.items()))

    @property
    def expectation(self) -> float:
        return float(np.add.reduce(self.expectations) / self.expectations.size)  # ndarray.mean's arithmetic

    @property
    def active_share(self) -> float:
        return np.count_nonzero(self.active) / self.active.size

    @property
    def service_need(self) -> float:
        """US$ million per month that would meet this community's full expectation of services."""
        return self.model.p["service_cost"] * self.population / 1000.0

    # ----------------------------------------------------------------- submodels
    def shock_expectations(self, shock: float) -> None:
        """A phase's arrival moves expectations; understanding tempers a rise, not a fall."""
        if shock > 0:
            shock *= 1.0 - self.understanding
        self.expectations = np.clip(self.expectations + shock, 0.0, 1.0)

    def adapt_expectations(self) -> None:
        """Expectations move toward what arrives, faster the better the project is understood."""
        rate = self.model.p["expectation_adaptation_rate"] * self.understanding
        self.expectations += rate * (self.benefits - self.expectations)

    def accumulate_impact(self, phase_impact: float, context_harm: float, own: float = 0.0) -> None:
        """Impact recovers a little and accumulates this phase's, by exposure, plus context harm and
        ``own``: an impact on this community alone (its resettlement)."""
        p = self.model.p
        self.actual_impact *= 1.0 - p["impact_recovery_rate"]
        added = self.actual_impact + phase_impact * self.exposure + context_harm
        if own:
            added += own
        self.actual_impact = min(1.0, added)

    def anticipate(self, heard: float, trust_company: float) -> None:
        """Concern about impacts announced before they happen moves toward what is heard, as seen
        through what is not understood.

        ``heard`` is the announced impact as it would reach this community. The part not understood
        carries distrust of the company that announces it (``concern_distrust``) and the community's
        own ``impact_bias``, which can deflate as well as inflate; understanding removes both, so
        learning can raise a concern as well as calm it (as ``perceive`` does for perceived impact).
        """
        if heard == 0.0 and self.concern == 0.0:
            return
        p = self.model.p
        understood = self.understanding if p["channel_perception"] else self.initial_understanding
        bias = p["concern_distrust"] * (1.0 - trust_company) + self.impact_bias
        target = min(1.0, max(0.0, heard * (1.0 + bias * (1.0 - understood))))
        self.concern += p["perception_rate"] * (target - self.concern)

    @property
    def felt_impact(self) -> float:
        """The impact members feel or fear: perceived impact, or concern about announced impacts
        where that is larger (the impact to come and the impact felt are the same impact)."""
        return max(self.perceived_impact, self.concern)

    def update_grievance(self, trust_company: float, trust_government: float, presence: float) -> None:
        """Epstein's grievance, split by whom the hardship is blamed on.

        The share of the expectation gap that is about missing services is blamed on the
        government in proportion to its presence; where the state is absent, the company takes the
        blame for it too (the unbalanced relation of Cervantes 2023).
        """
        p = self.model.p
        s = p["service_share"]
        hope = self.hope()
        # The same operations, element by element, as the plain formulas, with the steps that
        # cannot change a number left out: subtracting a hope of 0, and scaling by 1 when no
        # member's grievance is above the cap (x - 0.0 and x * 1.0 are x, to the last bit).
        gap = self.expectations - self.benefits
        if hope != 0.0:
            gap -= hope
        np.maximum(0.0, gap, out=gap)
        service_shortfall = s * (1.0 - self.services)
        jobs_shortfall = (1.0 - s) * (1.0 - self.jobs)
        total = service_shortfall + jobs_shortfall
        gov_share = (service_shortfall / total if total > 0 else s) * presence
        weighted_gap = p["gap_weight"] * gap
        hardship_company = (p["impact_weight"] * self.felt_impact * self.sensitivity
                            + weighted_gap * (1.0 - gov_share))
        hardship_government = weighted_gap * gov_share
        hardship_government += p["impact_weight"] * self.leak_signal
        mean_gap = float(np.add.reduce(gap) / gap.size)
        self.gap_blamed_on_company = mean_gap * (1.0 - gov_share)
        self.gap_blamed_on_government = mean_gap * gov_share
        against_company = hardship_company
        against_company *= 1.0 - trust_company
        against_government = hardship_government
        against_government *= 1.0 - trust_government
        total = against_company + against_government
        # Grievance is capped at 1; its two parts are scaled together so they still add up to it.
        over = total > 1.0
        if over.any():
            scale = np.where(over, 1.0 / np.maximum(total, 1e-12), 1.0)
            against_company, against_government = against_company * scale, against_government * scale
            total = against_company + against_government
        self.grievance = np.minimum(total, 1.0, out=total)
        self.grievance_company = float(np.add.reduce(against_company) / against_company.size)
        self.grievance_government = float(np.add.reduce(against_government) / against_government.size)

    def mobilise(self, presence: float) -> None:
        """Members turn active when grievance minus risk plus peer pull beats their threshold."""
        p = self.model.p
        # Lessons such as "mobilising pays" fade: thresholds drift back to the members' own.
        self.thresholds += p["lesson_fading"] * (self.base_thresholds - self.thresholds)
        risk = p["deterrence"] * presence
        peer = p["peer_influence"] * self.organisation * self.active_share
        net = self.grievance - risk + peer
        # Hysteresis, worn down by fatigue: the margin shrinks as organising resources run out.
        staying = net > self.thresholds - p["demobilisation_margin"] * self.resources
        joining = net > self.thresholds
        self.active = np.where(self.active, staying, joining)

    def act(self, can_blockade: bool) -> None:
        """Turn mobilisation into conflict events, within the community's organising resources."""
        p = self.model.p
        share = self.active_share
        self.protesting = bool(share >= p["protest_threshold"])
        self.blockading = bool(can_blockade and share >= p["blockade_threshold"] * (1.0 + self.formality)
                               and self.resources >= p["blockade_resource_cost"])
        if self.blockading:
            self.spend(p["blockade_resource_cost"])
        else:
            self.resources = min(1.0, self.resources + p["resource_recovery"])

    def stand_down(self, share: float, rng) -> None:
        """A settlement sends home a share of the mobilised members, drawn at random."""
        self.active &= rng.random(self.population) >= share

    def learn_lesson(self, strength: float) -> None:
        """A lesson such as 'mobilising pays' lowers thresholds toward a floor: it saturates.

        Each lesson closes ``strength`` of the distance to the floor, a declared share of each
        member's own threshold; ``lesson_fading`` in ``mobilise`` brings thresholds back.
        """
        floor = self.model.p["lesson_floor"] * self.base_thresholds
        self.thresholds -= strength * np.maximum(self.thresholds - floor, 0.0)

    def licence_score(self, trust_company: float) -> float:
        """Boutilier & Thomson's licence as a number: trust in the company among the unmobilised."""
        return trust_company * (1.0 - self.active_share)

    def keep_probability(self) -> float:
        return self.model.p["community_keep_probability"]
