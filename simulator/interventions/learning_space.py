"""A neutral learning space: the community of learning and practice (Cervantes 2023)."""

from __future__ import annotations

import itertools
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
                                 doc="Technical (communities, CSOs) and contextual (company) "
                                     "understanding gained per workshop attended; diminishing returns.",
                                 source="learning curve; Cervantes 2023")
    contact_strength: float = field(0.1, ge=0, le=1, unit="events per workshop",
                                    doc="Trust built between two members who meet in a safe space, as a "
                                        "share of a trust event.", source="Cervantes 2023 (trust building)")
    sessions_for_tie: int = field(3, ge=1, le=50, unit="workshops",
                                  doc="Workshops two members must share before an untied pair forms a new "
                                      "tie (sustained participation).", source="Cervantes 2023 (five workshops)")
    new_tie_trust: float = field(0.5, ge=0, le=1, unit="trust (0-1)", doc="Trust on a newly formed tie.")

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

    Works slowly and only with sustained participation and a convener trusted by all sides:
    attendance and every effect scale with the convener's legitimacy, the participants' mean trust
    in the convener. Effects are understanding (hence more realistic expectations and perceptions),
    trust between those who meet, and new ties between members who had no relation; they persist
    after the workshops stop.
    """

    def __init__(self, spec: LearningSpaceSpec, model):
        super().__init__(spec, model)
        self.convener = spec.convener or next(
            a.key for a in model.csos if a.role == "convener")
        if self.convener not in self.participant_keys:
            self.participant_keys.append(self.convener)
        self.shared_sessions: dict[tuple[str, str], int] = {}

    def legitimacy(self, model) -> float:
        members = [k for k in self.participant_keys if k != self.convener]
        return ordered_sum(model.trust(k, self.convener) for k in members) / len(members)

    def act(self, model, participants: list) -> None:
        spec = self.spec
        if self.meetings == 1:  # at the first workshop everyone meets the convener; strangers start neutral
            for key in self.participant_keys:
                if key != self.convener:
                    model.add_tie(key, self.convener, model.p["initial_trust_default"], "intervention")
        legitimacy = self.legitimacy(model)
        chance = spec.attendance * legitimacy * (1.0 if spec.co_designed else spec.attendance_without_codesign)
        draws = self.rng.random(len(participants))
        present = [a for a, u in zip(participants, draws) if u < chance or a.key == self.convener]
        learn = spec.learning_rate * legitimacy
        for agent in present:
            agent.meetings_attended += 1
            if agent.kind == "company":
                agent.context_understanding += learn * (1.0 - agent.context_understanding)
            elif agent.kind == "local_government":
                agent.understanding += learn * (1.0 - agent.understanding)
            else:
                agent.learn(learn)
            if agent.key != self.convener:
                model.trust_event(agent.key, self.convener, good=legitimacy, weight=spec.contact_strength)
        for a, b in itertools.combinations([a for a in present if a.key != self.convener], 2):
            pair = (a.key, b.key)
            self.shared_sessions[pair] = self.shared_sessions.get(pair, 0) + 1
            if not model.graph.has_edge(a.key, b.key) and self.shared_sessions[pair] >= spec.sessions_for_tie:
                model.add_tie(a.key, b.key, spec.new_tie_trust, "intervention")
            for i, j in (pair, pair[::-1]):
                model.trust_event(i, j, good=legitimacy, weight=spec.contact_strength)
