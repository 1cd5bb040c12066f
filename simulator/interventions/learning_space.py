"""A neutral learning space: the community of learning and practice (Cervantes 2023)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.numbers import ordered_sum
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class LearningSpaceSpec(InterventionSpec):
    type: Literal["learning_space"] = Field(description="Intervention type tag.")
    every: int = field(2, ge=1, le=120, unit="months",
                       doc="Months between workshops (Moquegua: five workshops in about a year).",
                       source="Cervantes 2023")
    cost_per_meeting: float = field(0.02, ge=0, unit="US$ million", doc="Cost of one workshop.")
    convener: str | None = Field(
        None, description="Id of the convening CSO (default: the first CSO with role 'convener').")
    co_designed: bool = Field(
        True, description="Designed with its members from the beginning (raises attendance).")
    attendance_without_codesign: float = field(
        0.6, ge=0, le=1, unit="multiplier",
        doc="Factor on the chance of attending when the space was not co-designed with its members: "
            "a space imposed from outside draws fewer of them.",
        source="modelling choice; Cervantes 2023 (co-design from the beginning)")
    attendance: float = field(0.8, ge=0, le=1, unit="probability",
                              doc="Chance a member attends a workshop when the convener is fully "
                                  "trusted and the space co-designed.", source="Cervantes 2023")
    learning_rate: float = field(0.08, ge=0, le=1, unit="share of the gap per workshop",
                                 doc="Technical (communities, CSOs, governments) and contextual (company) "
                                     "understanding gained per workshop attended, times the convener's "
                                     "legitimacy; diminishing returns. A community gains it times its "
                                     "organisation: its representatives attend, and pass on what they "
                                     "learn as far as the community's organisation carries it.",
                                 source="learning curve; Cervantes 2023")
    contact_strength: float = field(0.1, ge=0, le=1, unit="events per workshop",
                                    doc="Trust built between two members who meet in a safe space, as a "
                                        "share of a trust event.", source="Cervantes 2023 (trust building)")
    sessions_for_tie: int = field(3, ge=1, le=50, unit="workshops",
                                  doc="Workshops two members must share before an untied pair forms a new "
                                      "tie (sustained participation).", source="Cervantes 2023 (five workshops)")
    new_tie_trust: float = field(0.5, ge=0, le=1, unit="trust (0-1)", doc="Trust on a newly formed tie.")
    legitimacy_weight: float = field(0.3, ge=0, le=1, unit="events per workshop",
                                     doc="How much one workshop's experience (good or bad) moves an "
                                         "attending member's trust in the convener.",
                                     source="modelling choice; Cervantes 2023 (a convener trusted by all sides)")
    follow_through: float = field(0.95, ge=0, le=1, unit="probability",
                                  doc="Chance the follow-up agreed at a workshop (a visit, a study, an "
                                      "answer from the company or the State) arrives before the next one. "
                                      "A follow-up that does not arrive is a broken promise of the space: "
                                      "members blame the convener and tire of meetings that change nothing.",
                                  source="modelling choice; Cervantes 2023 (trust built by doing what was said)")
    steering_risk: float = field(0.02, ge=0, le=1, unit="probability per workshop",
                                 doc="Chance a workshop is seen as steered by the company or the funder; "
                                     "community members blame the convener in proportion to their "
                                     "distrust of the company.",
                                 source="modelling choice; Cervantes 2023 (the space must be neutral)")
    dominance_risk: float = field(0.05, ge=0, le=1, unit="probability per workshop",
                                  doc="Chance a workshop is dominated by one side (the company or the State "
                                      "talk, communities listen): community members blame the convener "
                                      "and no trust is built between members that day.",
                                  source="modelling choice; Cervantes 2023 (a space where all are heard)")
    fatigue_rate: float = field(0.15, ge=0, le=1, unit="share per workshop",
                                doc="How far a member's fatigue moves toward 1 at a workshop whose "
                                    "follow-up did not arrive, and back toward 0 at one whose did; "
                                    "fatigue lowers the chance of attending.",
                                source="modelling choice (participation fatigue)")
    participation_cost: float = field(0.02, ge=0, le=1, unit="resource units per workshop",
                                      doc="Organising resources a community or CSO spends to attend (time, "
                                          "travel); the same resources pay for blockades, and a member "
                                          "without them cannot attend.",
                                      source="modelling choice")

    def check_against(self, scenario, where: str) -> None:
        csos = {s.id: s for s in scenario.stakeholders if s.type == "cso"}
        if self.convener is not None:
            if self.convener not in csos:
                raise ValueError(f"{where}.convener: '{self.convener}' is not a CSO "
                                 f"in this scenario; CSOs: {', '.join(csos) or 'none'}")
        elif not any(s.role == "convener" for s in csos.values()):
            raise ValueError(f"{where} needs a convener: add a stakeholder "
                             f"with type cso and role convener, or name one with 'convener: ID'")


@register(LearningSpaceSpec)
class LearningSpace(Intervention):
    """Members listen, learn the project's technical side and each other's concerns; not a negotiation.

    Works slowly and only with sustained participation and a convener trusted by all sides. Each
    member's trust in the convener moves both ways with each workshop's experience: follow-up
    delivered or not, a session seen as steered by the company, a session one side dominated. A
    member attends, and learns, in proportion to that trust and to co-design, less as fatigue from
    meetings that change nothing grows; attending costs communities and CSOs organising resources.
    Representatives learn at the workshop and their communities learn through them, as far as the
    community's organisation carries it. Members who meet build trust, and members who meet often
    form new ties; ties fade when the meetings stop (``tie_decay``).
    """

    def __init__(self, spec: LearningSpaceSpec, model):
        super().__init__(spec, model)
        self.convener = spec.convener or next(
            a.key for a in model.csos if a.role == "convener")
        if self.convener not in self.participant_keys:
            self.participant_keys.append(self.convener)
        self.shared_sessions: dict[tuple[str, str], int] = {}
        self.fatigue: dict[str, float] = {}
        self.follow_ups_missed = 0

    def standing(self, model, key: str) -> float:
        """A member's trust in the convener; one who has not attended yet meets it as a stranger."""
        edge = model.graph.get_edge_data(key, self.convener)
        return model.p["initial_trust_default"] if edge is None else edge["trust"]

    def legitimacy(self, model, standing: dict[str, float] | None = None) -> float:
        """Members' mean trust in the convener (from ``standing`` when the workshop already read it)."""
        members = [k for k in self.participant_keys if k != self.convener]
        if standing is None:
            standing = {k: self.standing(model, k) for k in members}
        return ordered_sum(standing[k] for k in members) / len(members)

    def act(self, model, participants: list) -> None:
        spec, p = self.spec, model.p
        standing = {a.key: self.standing(model, a.key) for a in participants}  # before this workshop
        legitimacy = self.legitimacy(model, standing)
        steered, dominated, follow_up = (bool(u < risk) for u, risk in zip(
            self.rng.random(3), (spec.steering_risk, spec.dominance_risk, spec.follow_through)))
        if not follow_up:
            self.follow_ups_missed += 1
        welcome = spec.attendance * (1.0 if spec.co_designed else spec.attendance_without_codesign)
        draws = self.rng.random(len(participants))
        present = [a for a, u in zip(participants, draws)
                   if a.key == self.convener
                   or (u < welcome * standing[a.key] * (1.0 - self.fatigue.get(a.key, 0.0))
                       and self.can_afford(a))]
        self.attendance_now = len(present)
        for agent in present:
            agent.meetings_attended += 1
            if agent.key == self.convener:
                continue
            # A member meets the convener at its first workshop, as a stranger (neutral trust).
            model.add_tie(agent.key, self.convener, p["initial_trust_default"], "intervention")
            if agent.kind in ("community", "cso"):
                agent.spend(spec.participation_cost)
            self.teach(agent, spec.learning_rate * standing[agent.key], p)
            self.judge_session(model, agent, steered, dominated, follow_up)
            tired = self.fatigue.get(agent.key, 0.0)
            self.fatigue[agent.key] = tired + spec.fatigue_rate * ((0.0 if follow_up else 1.0) - tired)
            self.mark_contact(model, agent.key, self.convener)
        members = [a for a in present if a.key != self.convener]
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                self.meet(model, a.key, b.key, legitimacy, contact=not dominated)

    def can_afford(self, agent) -> bool:
        return agent.kind not in ("community", "cso") or agent.resources >= self.spec.participation_cost

    def teach(self, agent, learn: float, p) -> None:
        """Participants learn; a community learns through its representatives, as its organisation carries it."""
        if agent.kind == "company":
            if p["channel_understanding"]:
                agent.context_understanding += learn * (1.0 - agent.context_understanding)
        elif agent.kind == "community":
            agent.learn(learn * agent.organisation)
        else:
            agent.learn(learn)

    def judge_session(self, model, agent, steered: bool, dominated: bool, follow_up: bool) -> None:
        """A workshop's experience is a good or bad event for a member's trust in the convener.

        A community member also holds the others to account: the follow-up was owed by the company
        and the State, so it credits them when it arrives and costs them when it does not (half an
        event each); a workshop seen as steered confirms a distrust of the company.
        """
        weight = self.spec.legitimacy_weight
        good, bad = (1.0, 0.0) if follow_up else (0.0, 1.0)
        if agent.kind == "community":
            suspicion = 1.0 - model.trust(agent.key, model.company.key)
            if dominated:
                good, bad = 0.0, bad + 1.0
            if steered:
                bad += suspicion
                model.trust_event(agent.key, model.company.key, bad=suspicion, weight=weight)
            for owed in (model.company.key, agent.government_key) if model.p["channel_follow_up"] else ():
                model.trust_event(agent.key, owed, good=0.5 if follow_up else 0.0,
                                  bad=0.0 if follow_up else 0.5, weight=weight)
        model.trust_event(agent.key, self.convener, good=good, bad=min(1.0, bad), weight=weight)

    def meet(self, model, a: str, b: str, legitimacy: float, contact: bool) -> None:
        """Two members at the same workshop: contact trust, and a new tie after enough shared workshops."""
        spec, p = self.spec, model.p
        pair = (a, b)
        self.shared_sessions[pair] = self.shared_sessions.get(pair, 0) + 1
        if (p["channel_ties"] and not model.graph.has_edge(a, b)
                and self.shared_sessions[pair] >= spec.sessions_for_tie):
            model.add_tie(a, b, spec.new_tie_trust, "intervention")
        if contact and p["channel_contact_trust"]:
            for i, j in (pair, pair[::-1]):
                model.trust_event(i, j, good=legitimacy, weight=spec.contact_strength)
        self.mark_contact(model, a, b)

    def mark_contact(self, model, a: str, b: str) -> None:
        """Ties whose ends meet here are kept up until the workshop after next (``MiningModel.fade_ties``)."""
        until = model.steps + self.spec.every
        for i, j in ((a, b), (b, a)):
            edge = model.graph.get_edge_data(i, j)
            if edge is not None:
                edge["kept_until"] = max(edge.get("kept_until", until), until)
