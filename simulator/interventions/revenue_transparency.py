"""Revenue transparency at regional level, EITI-style (GIZ 2021; GIZ 2023)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class RevenueTransparencySpec(InterventionSpec):
    type: Literal["revenue_transparency"] = Field(description="Intervention type tag.")
    every: int = field(6, ge=1, le=120, unit="months", doc="Months between published reports.")
    cost_per_meeting: float = field(0.02, ge=0, unit="US$ million", doc="Cost of one report cycle.")
    integrity_gain: float = field(0.05, ge=0, le=1, unit="share of the gap per report",
                                  doc="Integrity gained per published report (less leakage).",
                                  source="GIZ 2021 (EITI at regional level)")
    report_weight: float = field(1.0, ge=0, le=3, unit="events per report",
                                 doc="How much a published report moves communities' trust in government.")


@register(RevenueTransparencySpec)
class RevenueTransparency(Intervention):
    """Published revenue accounts: less leakage, and trust in government that follows the facts.

    A report showing revenue invested builds trust; one showing revenue leaked costs it.
    """

    default_participants = ("local_government", "company", "community", "cso")

    def act(self, model, participants: list) -> None:
        spec = self.spec
        keys = {a.key for a in participants}
        for government in (a for a in participants if a.kind == "local_government"):
            government.integrity += spec.integrity_gain * (1.0 - government.integrity)
            handled = government.invested_now + government.leaked_now
            leaked_share = government.leaked_now / handled if handled > 0 else 0.0
            for community in model.communities:
                if community.key in keys and community.government_key == government.key:
                    model.trust_event(community.key, government.key, good=1.0 - leaked_share,
                                      bad=leaked_share, weight=spec.report_weight * model.p["experience_weight"])
