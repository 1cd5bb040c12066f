"""A negotiation-only dialogue table (mesa de diálogo): distributive agreements, fast."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from stakesim.simulator.declarations import field
from stakesim.simulator.interventions.base import Intervention, InterventionSpec, register


class NegotiationTableSpec(InterventionSpec):
    type: Literal["negotiation_table"] = Field(description="Intervention type tag.")
    every: int = field(3, ge=1, le=120, unit="months", doc="Months between sessions while a table sits.")
    cost_per_meeting: float = field(0.01, ge=0, unit="US$ million", doc="Cost of one session.")
    reactive: bool = field(True, unit="yes/no",
                           doc="Sit when a dispute is on the agenda (a community protesting or "
                               "blockading): mobilising is what brings the company to the table. "
                               "If no, a preventive table sits by schedule with every community.",
                           source="model brief; Defensoría del Pueblo 2021")
    agenda_threshold: float = field(0.05, ge=0, le=1, unit="share of members active",
                                    doc="Mobilised share at which a community's demands are on the "
                                        "agenda of a reactive table that sits.")
    agreement_chance: float = field(0.5, ge=0, le=1, unit="probability per session",
                                    doc="Chance a session signs an agreement with a calm community on "
                                        "the agenda that trusts the other signatories at 0.5. It scales "
                                        "with that trust (doubled at full trust, nil at none), and "
                                        "pressure adds to it: a protest as much as trust 0.25, a "
                                        "blockade as much as trust 0.5 (the company wants it lifted).",
                                    source="modelling choice (agreements need trust; pressure brings concessions)")
    time_limit: int = field(30, ge=1, le=240, unit="months",
                            doc="A sitting closes after this long even without agreement.",
                            source="Defensoría del Pueblo 2021 via issue: tables last 2.6 years on average")
    reopen_after: int = field(12, ge=0, le=240, unit="months",
                              doc="Months a closed table waits before a new sitting can open.")
    commitments_per_agreement: int = field(3, ge=1, le=20, unit="commitments",
                                           doc="Commitments in the package signed with one community.")
    commitment_value: float = field(0.1, ge=0, le=1, unit="benefit index",
                                    doc="Benefit a kept commitment delivers to the community, when its "
                                        "debtor can fund it in full.")
    cost_per_benefit: float = field(5.0, ge=0, unit="US$ million per benefit unit per 1,000 members",
                                    doc="What delivering one unit of benefit index to 1,000 members "
                                        "costs its debtor (a lasting work: water, a school, a road).",
                                    source="modelling choice: about 4 years of full services")
    state_budget_share: float = field(0.5, ge=0, le=1, unit="share of balance",
                                      doc="Share of its unspent balance a government can set aside at "
                                          "one signing; a commitment it cannot fund in full is "
                                          "scaled down to what it can.",
                                      source="modelling choice (commitments sized to the debtor's means)")
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
    mobilisation_reward: float = field(0.1, ge=0, le=1, unit="share of the distance to the floor",
                                       doc="How much each agreement won by mobilising lowers members' "
                                           "thresholds toward 'lesson_floor': mobilising is learned "
                                           "to pay, with saturation, and the lesson fades.",
                                       source="model brief (rewarding mobilisation)")


@register(NegotiationTableSpec)
class NegotiationTable(Intervention):
    """Settles disputes with agreements, sitting as episodes: fast relief, with the risks the sources name.

    A sitting opens when a dispute is on the agenda (or, for a preventive table, by schedule),
    meets every ``every`` months, and at each session may sign a package with each community on
    its agenda (more likely the more that community trusts the other signatories). It closes when
    every community on the agenda has signed or at its time limit; a community left without
    agreement withdraws trust from the company and its government. Commitments are sized to their
    debtor's means: a government sets their cost aside from its balance (competing with services),
    the company pays from its resources. An agreement sends mobilised members home and raises hope;
    won by mobilising, it teaches that mobilising pays.
    """

    default_participants = ("company", "local_government", "community")

    def __init__(self, spec: NegotiationTableSpec, model):
        super().__init__(spec, model)
        self.open_since: int | None = None
        self.closed_at: int | None = None
        self.agenda: list[str] = []  # communities on this sitting's agenda, in scenario order
        self.signed: set[str] = set()
        self.sittings = 0
        self.agreements = 0
        self.failures = 0  # communities a sitting closed on without agreement

    def communities(self, model) -> list:
        return [a for a in self.participants(model) if a.kind == "community"]

    def disputes(self, model) -> list[str]:
        """Communities whose demands are on the agenda now: mobilised beyond the agenda threshold."""
        return [c.key for c in self.communities(model)
                if c.protesting or c.blockading or c.active_share >= self.spec.agenda_threshold]

    def step(self, model) -> None:
        if not self.is_active(model):
            if self.open_since is not None:
                self.close(model)
            return
        if self.open_since is None:
            if not self.open(model):
                return
        elif self.spec.reactive:  # communities that mobilise while it sits join the agenda
            self.agenda += [k for k in self.disputes(model) if k not in self.agenda]
        months_open = model.steps - self.open_since
        if months_open % self.spec.every == 0:
            self.hold_meeting(model)
        if all(k in self.signed for k in self.agenda) or months_open + 1 >= self.spec.time_limit:
            self.close(model)

    def open(self, model) -> bool:
        """Open a sitting if one is due; returns whether one is open."""
        if self.closed_at is not None and model.steps - self.closed_at < self.spec.reopen_after:
            return False
        if self.spec.reactive:
            if not any(c.protesting or c.blockading for c in self.communities(model)):
                return False
            agenda = self.disputes(model)
        else:
            agenda = [c.key for c in self.communities(model)]
        if not agenda:
            return False
        self.open_since, self.agenda, self.signed = model.steps, agenda, set()
        self.sittings += 1
        return True

    def close(self, model) -> None:
        for key in self.agenda:
            if key not in self.signed:
                self.failures += 1
                community = model.stakeholders[key]
                for other in (model.company.key, community.government_key):
                    model.trust_event(key, other, bad=model.p["failed_table_blame"])
        self.open_since, self.closed_at = None, model.steps

    def act(self, model, participants: list) -> None:
        waiting = [k for k in self.agenda if k not in self.signed]
        # Who sits at this session: the communities still waiting for an agreement, the company
        # and those communities' governments.
        self.attendance_now = len(waiting) + 1 + len({model.stakeholders[k].government_key for k in waiting})
        for key in self.agenda:
            if key in self.signed:
                continue
            community = model.stakeholders[key]
            trust = 0.5 * (model.trust(key, model.company.key) + model.trust(key, community.government_key))
            pressure = 1.0 if community.blockading else 0.5 if community.protesting else 0.0
            if self.rng.random() < min(1.0, self.spec.agreement_chance * (2.0 * trust + pressure)):
                self.sign(model, community)

    def sign(self, model, community) -> None:
        """Sign a package with one community: commitments sized to each debtor's means."""
        spec, p = self.spec, model.p
        government = model.stakeholders[community.government_key]
        signatories = (government.key, model.company.key)
        n = spec.commitments_per_agreement
        on_state = self.rng.random(n) < spec.state_share
        with_deadline = self.rng.random(n) < spec.deadline_share
        monitored = self.rng.random(n) < spec.monitored_share
        full_cost = spec.commitment_value * spec.cost_per_benefit * community.population / 1000.0
        state_budget = spec.state_budget_share * government.balance
        company_budget = model.company.resources
        made = 0
        for state, deadline, watched in zip(on_state, with_deadline, monitored):
            budget = state_budget if state else company_budget
            cost = min(full_cost, budget)
            scale = cost / full_cost if full_cost > 0 else 1.0
            if scale <= 0.0:
                continue  # the debtor promises nothing it cannot fund
            if state:
                state_budget -= cost
            else:
                company_budget -= cost
            debtor = government.key if state else model.company.key
            model.make_commitment(
                debtor=debtor, creditor=community.key, amount=spec.commitment_value * scale, cost=cost,
                due_in=spec.deadline_months if deadline else spec.no_deadline_months,
                monitored=bool(watched), source=self.name,
                cosigners=tuple(k for k in signatories if k != debtor))
            made += 1
        if made == 0:
            return  # nobody could fund anything: no agreement; the community stays on the agenda
        self.signed.add(community.key)
        self.agreements += 1
        model.commitments.sign_agreement()
        mobilised = community.protesting or community.blockading
        # Drawn even when the channel is off, so a knockout leaves the table's other draws unchanged.
        community.stand_down(spec.settlement if p["channel_settlement"] else 0.0, self.rng)
        if mobilised and p["channel_mobilisation_lesson"]:
            community.learn_lesson(spec.mobilisation_reward)
