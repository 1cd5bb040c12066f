"""Participatory, community- and data-based monitoring; an observatory (GIZ 2021; NIR MARS)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class ParticipatoryMonitoringSpec(InterventionSpec):
    type: Literal["participatory_monitoring"] = Field(description="Intervention type tag.")
    every: int = field(3, ge=1, le=120, unit="months", doc="Months between monitoring rounds.")
    cost_per_meeting: float = field(0.01, ge=0, unit="US$ million", doc="Cost of one monitoring round.")
    accuracy: float = field(0.5, ge=0, le=1, unit="share of the gap per round",
                            doc="How far one round moves perceived impact toward actual impact.",
                            source="GIZ 2021 (community- and data-based monitoring); NIR MARS (SEI)")
    learning_rate: float = field(0.03, ge=0, le=1, unit="share of the gap per round",
                                 doc="Technical understanding gained by taking part in a round.")
    follow_up: bool = field(True, unit="yes/no",
                            doc="The monitoring body also follows up commitments made to participants.",
                            source="Defensoría del Pueblo 2021 (follow-up bodies)")


@register(ParticipatoryMonitoringSpec)
class ParticipatoryMonitoring(Intervention):
    """Closes the gap between perceived and actual impacts, for better or worse.

    Where fears exceeded the facts, the community is reassured and trusts the company more; where
    the facts are worse than believed, the revelation costs trust. The same holds for concern about
    impacts a phase announces before they happen: it is moved toward what the plan means for the
    community (its announced impact by the community's exposure to come). With ``follow_up`` it also acts
    as a follow-up body for pending commitments owed to its participants.
    """

    default_participants = ("company", "community", "cso")

    def act(self, model, participants: list) -> None:
        spec = self.spec
        members = {a.key for a in participants}
        for community in (a for a in participants if a.kind == "community"):
            gap = community.perceived_impact - community.actual_impact
            community.perceived_impact -= spec.accuracy * gap
            community.learn(spec.learning_rate)
            model.trust_event(community.key, model.company.key, good=max(0.0, gap),
                              bad=max(0.0, -gap), weight=spec.accuracy)
            # Impacts announced but still to come: the data say what the plan means for this
            # community, so a concern beyond it is calmed and one short of it is raised.
            concern_gap = community.concern - model.heard_impact(community)
            if concern_gap != 0.0:
                community.concern -= spec.accuracy * concern_gap
                model.trust_event(community.key, model.own_company(community).key, good=max(0.0, concern_gap),
                                  bad=max(0.0, -concern_gap), weight=spec.accuracy)
        if spec.follow_up:
            for commitment in model.commitments.items:
                if commitment.kept is None and commitment.creditor in members:
                    commitment.monitored = True
