"""A grievance (complaint) mechanism or ombudsman channel (GIZ 2023; GIZ 2021)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class GrievanceMechanismSpec(InterventionSpec):
    type: Literal["grievance_mechanism"] = Field(description="Intervention type tag.")
    cost_per_meeting: float = field(0.005, ge=0, unit="US$ million", doc="Monthly running cost.")
    uptake: float = field(0.5, ge=0, le=1, unit="share of grievance",
                          doc="Share of grievance against the company that is brought to the channel.")
    responsiveness: float = field(0.6, ge=0, le=1, unit="share",
                                  doc="Share of complaints the company answers with a remedy.",
                                  source="GIZ 2023 (complaint mechanisms); GIZ 2021")
    remedy: float = field(0.1, ge=0, le=1, unit="share of actual impact per unit answered",
                          doc="How much an answered complaint reduces the impact complained about.")


@register(GrievanceMechanismSpec)
class GrievanceMechanism(Intervention):
    """Channels grievances before they escalate; only as good as its responsiveness.

    Answered complaints remedy part of the impact and count as good experience with the company;
    unanswered ones count as bad experience, so an unresponsive channel makes things worse.
    """

    default_participants = ("company", "community")

    def act(self, model, participants: list) -> None:
        spec = self.spec
        weight = model.p["experience_weight"]
        for community in (a for a in participants if a.kind == "community"):
            complaints = spec.uptake * community.grievance_company
            answered = complaints * spec.responsiveness
            community.actual_impact *= 1.0 - spec.remedy * answered
            model.trust_event(community.key, model.company.key, good=answered,
                              bad=complaints - answered, weight=weight)
