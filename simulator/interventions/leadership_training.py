"""Leadership and change-agent training (MARS 2025 workshops; GIZ 2021: 1000+ change agents)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class LeadershipTrainingSpec(InterventionSpec):
    type: Literal["leadership_training"] = Field(description="Intervention type tag.")
    every: int = field(4, ge=1, le=120, unit="months", doc="Months between workshops.")
    cost_per_meeting: float = field(0.015, ge=0, unit="US$ million", doc="Cost of one workshop.")
    organisation_gain: float = field(0.05, ge=0, le=1, unit="share of the gap per workshop",
                                     doc="Strength and representativeness of community organisation gained.",
                                     source="MARS 2025; GIZ 2021 (change agents)")
    formality_gain: float = field(0.08, ge=0, le=1, unit="share of the gap per workshop",
                                  doc="Preference for formal dialogue over disruption gained: raises the "
                                      "mobilised share a blockade needs.", source="MARS 2025 (formal dialogue)")
    learning_rate: float = field(0.02, ge=0, le=1, unit="share of the gap per workshop",
                                 doc="Technical understanding gained per workshop.")


@register(LeadershipTrainingSpec)
class LeadershipTraining(Intervention):
    """Stronger, more representative community organisations that prefer formal dialogue.

    Cuts both ways: stronger organisation makes collective action easier (protests), while
    formality makes disruption (blockades) rarer.
    """

    default_participants = ("community", "cso")

    def act(self, model, participants: list) -> None:
        spec = self.spec
        for agent in participants:
            if agent.kind == "community":
                agent.organisation += spec.organisation_gain * (1.0 - agent.organisation)
                agent.formality += spec.formality_gain * (1.0 - agent.formality)
            agent.learn(spec.learning_rate)
