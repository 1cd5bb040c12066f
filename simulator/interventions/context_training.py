"""Company context training and ESG standard alignment (NIR MARS; Cervantes 2023)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class ContextTrainingSpec(InterventionSpec):
    type: Literal["context_training"] = Field(description="Intervention type tag.")
    every: int = field(3, ge=1, le=120, unit="months", doc="Months between training rounds.")
    cost_per_meeting: float = field(0.02, ge=0, unit="US$ million", doc="Cost of one training round.")
    context_gain: float = field(0.08, ge=0, le=1, unit="share of the gap per round",
                                doc="Context understanding the company gains per round.",
                                source="Cervantes 2023 (companies misread the context)")
    reliability_gain: float = field(0.03, ge=0, le=1, unit="share of the gap per round",
                                    doc="Reliability gained per round by aligning with ESG standards.",
                                    source="NIR MARS (regional alignment of ESG standards)")


@register(ContextTrainingSpec)
class ContextTraining(Intervention):
    """The company learns the place: local hiring stops doing harm, commitments are kept more often."""

    default_participants = ("company",)

    def act(self, model, participants: list) -> None:
        spec = self.spec
        for company in (a for a in participants if a.kind == "company"):
            company.context_understanding += spec.context_gain * (1.0 - company.context_understanding)
            company.reliability += spec.reliability_gain * (1.0 - company.reliability)
