"""Local-government capacity building: training officials, state presence (GIZ 2021; GIZ 2023)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class CapacityBuildingSpec(InterventionSpec):
    type: Literal["capacity_building"] = Field(description="Intervention type tag.")
    every: int = field(3, ge=1, le=120, unit="months", doc="Months between training rounds.")
    cost_per_meeting: float = field(0.03, ge=0, unit="US$ million", doc="Cost of one training round.")
    capacity_gain: float = field(0.05, ge=0, le=1, unit="share of the gap per round",
                                 doc="Capacity gained per round; diminishing returns.",
                                 source="GIZ 2021 (350 officials trained)")
    presence_gain: float = field(0.02, ge=0, le=1, unit="share of the gap per round",
                                 doc="State presence gained per round (services reach further).",
                                 source="Cervantes 2023 (absent state)")


@register(CapacityBuildingSpec)
class CapacityBuilding(Intervention):
    """More of the revenue becomes services and less leaks, because capacity rises."""

    default_participants = ("local_government",)

    def act(self, model, participants: list) -> None:
        spec = self.spec
        for government in (a for a in participants if a.kind == "local_government"):
            government.capacity += spec.capacity_gain * (1.0 - government.capacity)
            government.presence += spec.presence_gain * (1.0 - government.presence)
