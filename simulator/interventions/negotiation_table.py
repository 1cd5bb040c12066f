"""A negotiation-only dialogue table (mesa de diálogo): distributive agreements, fast."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class NegotiationTableSpec(InterventionSpec):
    type: Literal["negotiation_table"] = Field(description="Intervention type tag.")
    every: int = field(3, ge=1, le=120, unit="months", doc="Months between sessions.")
    cost_per_meeting: float = field(0.01, ge=0, unit="US$ million", doc="Cost of one session.")
    reactive: bool = field(True, unit="yes/no",
                           doc="Sit only when a community is protesting or blockading: mobilising is "
                               "what brings the company to the table.",
                           source="model brief; Defensoría del Pueblo 2021")
    commitments_per_agreement: int = field(3, ge=1, le=20, unit="commitments",
                                           doc="Commitments in one agreement with one community.")
    commitment_value: float = field(0.1, ge=0, le=1, unit="benefit index",
                                    doc="Benefit a kept commitment delivers to the community.")
    commitment_cost: float = field(2.0, ge=0, unit="US$ million",
                                   doc="What keeping one commitment costs its debtor.")
    state_share: float = field(0.725, ge=0, le=1, unit="share of commitments",
                               doc="Share of commitments that fall on the State (the rest on the company).",
                               source="Defensoría del Pueblo 2021 (72.5% on the State, 19% on companies)")
    deadline_share: float = field(0.423, ge=0, le=1, unit="share of commitments",
                                  doc="Share of commitments with a deadline.",
                                  source="Defensoría del Pueblo 2021 (57.7% without a deadline)")
    monitored_share: float = field(0.13, ge=0, le=1, unit="share of commitments",
                                   doc="Share of commitments with a follow-up body.",
                                   source="Defensoría del Pueblo 2021 (87% without follow-up)")
    deadline_months: int = field(6, ge=1, le=120, unit="months",
                                 doc="When a commitment with a deadline falls due.")
    no_deadline_months: int = field(24, ge=1, le=240, unit="months",
                                    doc="When a commitment without a deadline is judged kept or broken.")
    settlement: float = field(0.6, ge=0, le=1, unit="share of active members",
                              doc="Share of mobilised members who stand down when an agreement is signed.")
    mobilisation_reward: float = field(0.02, ge=0, le=0.5, unit="grievance units",
                                       doc="How much each agreement won by mobilising lowers members' "
                                           "thresholds: mobilising is learned to pay.",
                                       source="model brief (rewarding mobilisation)")
    agenda_threshold: float = field(0.05, ge=0, le=1, unit="share of members active",
                                    doc="Mobilised share at which a community's demands are on the agenda.")


@register(NegotiationTableSpec)
class NegotiationTable(Intervention):
    """Settles acute disputes with agreements: fast relief, with the risks the sources name.

    An agreement sends mobilised members home at once and raises hope (pending commitments count
    as credible future benefits). But commitments mostly fall on the State, mostly lack deadlines
    and follow-up, and a broken one costs three times the trust a kept one earns; and when the
    table sits because a community mobilised, that community learns that mobilising pays.
    """

    default_participants = ("company", "local_government", "community")

    def meets(self, model) -> bool:
        if not super().meets(model):
            return False
        if not self.spec.reactive:
            return True
        return any(c.protesting or c.blockading for c in model.communities
                   if c.key in self.participant_keys)

    def act(self, model, participants: list) -> None:
        spec = self.spec
        communities = [a for a in participants if a.kind == "community"]
        for community in communities:
            if community.active_share < spec.agenda_threshold:
                continue
            government = community.government_key
            debtors = self.rng.random(spec.commitments_per_agreement) < spec.state_share
            with_deadline = self.rng.random(spec.commitments_per_agreement) < spec.deadline_share
            monitored = self.rng.random(spec.commitments_per_agreement) < spec.monitored_share
            for on_state, deadline, watched in zip(debtors, with_deadline, monitored):
                model.make_commitment(
                    debtor=government if on_state else model.company.key, creditor=community.key,
                    amount=spec.commitment_value, cost=spec.commitment_cost,
                    due_in=spec.deadline_months if deadline else spec.no_deadline_months,
                    monitored=bool(watched), source=self.name)
            community.stand_down(spec.settlement, self.rng)
            if community.protesting or community.blockading:
                community.thresholds -= spec.mobilisation_reward
