"""The model's global parameters, each declared once.

The scenario schema, the CLI's ``--set``, the browser sliders and ``docs/parameters.md`` all read
this table, so a parameter's range, unit and reason cannot drift apart between them.
Per-stakeholder and per-phase inputs live in the scenario schema (``simulator/schema.py``), where
each field carries the same metadata.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Parameter:
    name: str
    default: float
    low: float
    high: float
    unit: str
    doc: str
    source: str = "modelling choice"
    group: str = "general"
    integer: bool = False

    def check(self, value: float) -> None:
        if not (self.low <= value <= self.high):
            raise ValueError(f"{self.name} must be in [{self.low}, {self.high}] ({self.unit}), got {value}")


def _p(*args, **kwargs) -> Parameter:
    return Parameter(*args, **kwargs)


_DECLARED = [
    # --- trust -----------------------------------------------------------------------------
    _p("trust_gain_rate", 0.10, 0.0, 1.0, "share of the distance to full trust, per event",
       "How much one positive event (a kept commitment, a month of good experience at full "
       "strength) moves trust up.", "Pant & Yu 2025 (gain 0.10 per event)", "trust"),
    _p("trust_loss_rate", 0.30, 0.0, 1.0, "share of current trust, per event",
       "How much one negative event (a broken commitment, a blockade) moves trust down. "
       "Larger than the gain rate: trust is lost faster than built.",
       "Slovic 1993 (asymmetry principle); Pant & Yu 2025 (loss 0.30, ratio about 3)", "trust"),
    _p("experience_weight", 0.15, 0.0, 1.0, "events per month",
       "How many 'events' one month of full-strength everyday experience (benefits, impacts, "
       "services) counts as; discrete events (commitments, blockades) count as one.",
       "modelling choice: monthly experience is weaker than a discrete event", "trust"),
    _p("initial_trust_community_company", 0.40, 0.0, 1.0, "trust (0-1)",
       "A community's trust in the company when the scenario gives no tie.",
       "modelling choice: wary neutrality at a project's arrival (Cervantes 2023)", "trust"),
    _p("initial_trust_community_government", 0.35, 0.0, 1.0, "trust (0-1)",
       "A community's trust in the local government when the scenario gives no tie.",
       "modelling choice: low trust in an often absent state (Cervantes 2023)", "trust"),
    _p("initial_trust_default", 0.50, 0.0, 1.0, "trust (0-1)",
       "Trust on any other implicit tie (company-government, government-community, ...).",
       "modelling choice: neutral", "trust"),
    _p("expectation_floor", 0.05, 0.001, 1.0, "benefit index (0-1)",
       "Smallest expectation that a month's benefits are measured against when a community judges "
       "its experience with the company: a community expecting almost nothing is not fully "
       "satisfied by almost nothing, and the ratio stays finite.",
       "modelling choice (a floor on the satisfaction ratio)", "trust"),
    _p("trusted_tie_threshold", 0.60, 0.0, 1.0, "trust (0-1)",
       "Trust at or above which a tie counts as 'trusted' in graph measures.",
       "modelling choice: above approval (Boutilier & Thomson 2011)", "trust"),
    # --- perception and diffusion ------------------------------------------------------------
    _p("perception_rate", 0.20, 0.0, 1.0, "share per month",
       "How fast a stakeholder's perceived impact moves toward what its information suggests.",
       "modelling choice", "perception"),
    _p("distrust_amplification", 1.0, 0.0, 5.0, "multiplier",
       "How much a project's technical complexity, not understood, inflates perceived impact "
       "above actual impact: 'a seed of distrust that germinates over time'.",
       "Cervantes 2023 (technical complexity)", "perception"),
    _p("concern_distrust", 1.0, 0.0, 5.0, "multiplier",
       "How much distrust of the company inflates a community's concern about the impacts a phase "
       "announces, in the part it does not understand: at trust t and understanding u the concern "
       "aimed at is the announced impact times 1 + (concern_distrust * (1 - t) + impact_bias) * "
       "(1 - u). Less trust in the company and less understanding, more concern; understanding "
       "removes the bias either way.",
       "Siegrist & Cvetkovich 2000 (trust lowers perceived risk most where knowledge is low); "
       "Slovic 1993", "perception"),
    _p("influence_rate", 0.10, 0.0, 0.5, "share per month",
       "Bounded-confidence influence: how far a stakeholder moves toward a trusted neighbour's "
       "perception each month.", "Deffuant et al. 2000", "perception"),
    _p("confidence_bound", 0.30, 0.0, 1.0, "perception units (0-1)",
       "Neighbours whose perception differs by more than this do not influence.",
       "Deffuant et al. 2000; Hegselmann & Krause 2002", "perception"),
    _p("influence_trust_threshold", 0.50, 0.0, 1.0, "trust (0-1)",
       "Only neighbours trusted at least this much influence perceptions.",
       "modelling choice: agents are moved only by those they trust", "perception"),
    _p("peer_learning_rate", 0.02, 0.0, 0.5, "share of the understanding gap per month",
       "How fast a community learns from the neighbours it trusts (at least "
       "'influence_trust_threshold') who understand the project better, weighted by that trust: "
       "information passes along trusted ties, so a community tied to a bridge learns from it.",
       "modelling choice; Cervantes 2023 (change agents, bridges between sectors)", "perception"),
    # --- expectations and learning --------------------------------------------------------------
    _p("expectation_adaptation_rate", 0.05, 0.0, 1.0, "share per month at full understanding",
       "How fast members' expectations move toward the benefits that actually arrive; scaled by "
       "technical understanding, so communities that do not understand a project keep unrealistic "
       "expectations.", "learning curve; Cervantes 2023 (high expectations)", "expectations"),
    _p("natural_learning_rate", 0.01, 0.0, 0.2, "share of the gap per month",
       "Technical understanding gained each month without any intervention, from the company's "
       "ordinary communication; diminishing returns.", "learning curve (diminishing returns)",
       "expectations"),
    # --- grievance and mobilisation ----------------------------------------------------------
    _p("gap_weight", 1.0, 0.0, 3.0, "hardship per unit of expectation gap",
       "Weight of the expectation gap (expected minus received benefits) in hardship.",
       "Epstein 2002 (hardship); Cervantes 2023 (expectations)", "mobilisation"),
    _p("impact_weight", 1.0, 0.0, 3.0, "hardship per unit of perceived impact",
       "Weight of perceived impacts (water, land) in hardship.", "Epstein 2002 (hardship)",
       "mobilisation"),
    _p("service_share", 0.5, 0.0, 1.0, "share of expectations",
       "Share of what communities expect that is public services (education, health) rather than "
       "jobs and income. Where the state is absent this share is blamed on the company.",
       "Cervantes 2023 (absent state, expectations of services)", "mobilisation"),
    _p("deterrence", 0.25, 0.0, 1.0, "grievance units",
       "Net risk of mobilising where the state is fully present (Epstein's arrest risk); scaled "
       "by the government's presence.", "Epstein 2002 (net risk)", "mobilisation"),
    _p("threshold_mean", 0.35, 0.0, 1.0, "grievance units",
       "Mean of members' mobilisation thresholds.", "Epstein 2002; Granovetter 1978",
       "mobilisation"),
    _p("threshold_sd", 0.10, 0.0, 0.5, "grievance units",
       "Spread of members' thresholds (normal, clipped to [0, 1]).", "Granovetter 1978",
       "mobilisation"),
    _p("peer_influence", 0.30, 0.0, 1.0, "grievance units per share active",
       "How much the share of members already mobilised lowers the bar for the rest: the "
       "collective step.", "Granovetter 1978 (threshold models of collective behaviour)",
       "mobilisation"),
    _p("demobilisation_margin", 0.15, 0.0, 1.0, "grievance units",
       "An active member stays active until grievance falls this far below its threshold: "
       "mobilisation is sticky.", "modelling choice (pattern 7)", "mobilisation"),
    _p("lesson_fading", 0.03, 0.0, 1.0, "share per month",
       "How fast a learned change in members' thresholds (for example 'mobilising pays', taught by "
       "concessions won under pressure) fades back to their own thresholds.", "modelling choice",
       "mobilisation"),
    _p("lesson_floor", 0.5, 0.0, 1.0, "share of a member's own threshold",
       "Lowest a learned lesson (such as 'mobilising pays') can push a member's threshold, as a "
       "share of its own threshold: each new lesson lowers the threshold by a share of the distance "
       "to this floor, so the lesson saturates.", "modelling choice (saturating learning)",
       "mobilisation"),
    _p("protest_threshold", 0.08, 0.0, 1.0, "share of members active",
       "A community protests in a month when at least this share of its members is mobilised.",
       "modelling choice", "mobilisation"),
    _p("blockade_threshold", 0.20, 0.0, 1.0, "share of members active",
       "A community blockades the project when at least this share is mobilised and it has the "
       "resources.", "modelling choice", "mobilisation"),
    _p("blockade_resource_cost", 0.10, 0.0, 1.0, "resource units per blockade month",
       "What a month of blockade costs a community's organising resources.", "modelling choice",
       "mobilisation"),
    _p("resource_recovery", 0.03, 0.0, 1.0, "resource units per month",
       "How fast a community's organising resources replenish (up to 1).", "modelling choice",
       "mobilisation"),
    # --- impacts ------------------------------------------------------------------------------
    _p("impact_recovery_rate", 0.02, 0.0, 1.0, "share per month",
       "Share of accumulated actual impact that the environment recovers each month; small, so "
       "impacts build up over the life cycle.", "Cervantes 2023 (cumulative change)", "impacts"),
    _p("context_harm", 0.02, 0.0, 0.5, "impact units per month per unit of local jobs",
       "Harm done by local hiring and contracting when the company misreads the context "
       "(scaled by one minus the company's context understanding).",
       "Cervantes 2023 (good practices can do harm)", "impacts"),
    # --- revenue and government -------------------------------------------------------------------
    _p("investment_rate", 0.15, 0.0, 1.0, "share of balance per month at full capacity",
       "Share of the government's unspent balance turned into services each month, times "
       "capacity.", "Cervantes 2023 (low capacity to invest)", "government"),
    _p("leakage_rate", 0.10, 0.0, 1.0, "share of balance per month",
       "Share of the unspent balance that leaks each month at zero integrity and zero capacity; "
       "scaled by (1 - integrity) and (1 - capacity): idle money invites corruption.",
       "Cervantes 2023 (money and low capacity invite corruption)", "government"),
    _p("leak_visibility", 0.5, 0.0, 1.0, "share",
       "Share of leaked revenue that communities notice.", "modelling choice", "government"),
    _p("service_cost", 0.10, 0.001, 5.0, "US$ million per 1,000 members per month",
       "Spending that meets a community's full expectation of services.", "modelling choice",
       "government"),
    # --- commitments ---------------------------------------------------------------------------------
    _p("community_keep_probability", 0.8, 0.0, 1.0, "probability",
       "Chance a community keeps a commitment it owes when it falls due (before monitoring). "
       "No built-in intervention makes communities debtors today; declared so one that does "
       "cannot rely on a hidden number.", "modelling choice", "commitments"),
    _p("cso_keep_probability", 0.8, 0.0, 1.0, "probability",
       "Chance a civil-society organisation keeps a commitment it owes when it falls due "
       "(before monitoring).", "modelling choice", "commitments"),
    _p("promise_credibility", 0.5, 0.0, 1.0, "share",
       "How much of a pending commitment's benefit a community already counts on: a promise "
       "narrows the expectation gap until it falls due.", "modelling choice", "commitments"),
    _p("agreement_benefit_persistence", 1.0, 0.0, 1.0, "share per month",
       "Share of a kept commitment's benefit still felt a month later. Delivered works (a water "
       "system, a school) last: at 1 they lower grievance for good, and relief fades only as "
       "expectations adapt to them.",
       "modelling choice", "commitments"),
    _p("monitoring_effect", 0.5, 0.0, 1.0, "share of the remaining chance",
       "How much a follow-up body raises the chance a commitment is kept.",
       "Defensoría del Pueblo 2021, Report 187 (87% of commitments without follow-up)", "commitments"),
    _p("credibility_prior_weight", 2.0, 0.0, 50.0, "commitments",
       "How many commitments' worth of record the prior credibility of a debtor ('promise_credibility') "
       "counts for: a community counts on a new promise by the share of that debtor's past "
       "commitments to it that were kept, starting from the prior.",
       "modelling choice (a beta prior on the debtor's record)", "commitments"),
    _p("cosigner_blame", 0.3, 0.0, 1.0, "events per broken commitment",
       "Trust a community withdraws from the other signatories of an agreement when one debtor "
       "breaks a commitment in it, as a share of the event that hits the debtor.",
       "modelling choice; Defensoría del Pueblo 2021 (tables are signed by the State and the company together)",
       "commitments"),
    _p("failed_table_blame", 0.5, 0.0, 1.0, "events",
       "Trust a community withdraws from the company and its government when a dialogue table "
       "closes without an agreement with it.", "modelling choice (frustrated dialogue)", "commitments"),
    _p("tie_decay", 0.01, 0.0, 0.5, "share of trust per month",
       "How much trust a tie built by an intervention loses in a month in which its two ends did "
       "not meet: ties fade without contact (half-life about 6 years at 0.01).",
       "modelling choice (ties need maintenance)", "trust"),
    # --- social licence and suspension ---------------------------------------------------------------
    _p("suspension_months", 12, 1, 120, "months",
       "Consecutive months of 'withdrawal' after which the project is suspended.",
       "modelling choice", "licence", integer=True),
]

# --- channels: switches for knockouts and decomposition ------------------------------------------
# Each switch turns one causal channel off (0) or on (1), in the baseline and in every intervention
# alike, so "how much of an intervention's effect runs through channel X" is the difference
# between its effect with the channel on and off (``stakesim decompose``).
CHANNELS = {
    "understanding": "Learning of any kind (workshops, peers, the company's communication) raises "
                     "understanding.",
    "perception": "Understanding corrects perceived impacts toward actual impacts, in either direction "
                  "(off: perception keeps the bias of the understanding a stakeholder started with).",
    "contact_trust": "Members who meet in a learning space build trust in each other.",
    "ties": "A learning space creates new ties between members who had none.",
    "follow_up": "The follow-up a learning space agrees moves its members' trust in the company and the "
                 "State (credit when it arrives, blame when it does not).",
    "agreements_delivered": "Kept commitments deliver their benefit to the community.",
    "hope": "Pending commitments count, by their debtor's credibility, as benefits to come.",
    "settlement": "Signing an agreement sends a share of the mobilised members home.",
    "mobilisation_lesson": "An agreement won by mobilising lowers members' thresholds (mobilising pays).",
}
for _name, _doc in CHANNELS.items():
    _DECLARED.append(_p(f"channel_{_name}", 1, 0, 1, "switch (1 on, 0 off)", _doc,
                        "knockout switch for pattern tests and decomposition", "channels", integer=True))

PARAMETERS: dict[str, Parameter] = {p.name: p for p in _DECLARED}

DEFAULTS: dict[str, float] = {p.name: p.default for p in _DECLARED}


def resolve(overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Defaults with overrides applied and checked; unknown names are an error."""
    values = dict(DEFAULTS)
    for name, value in (overrides or {}).items():
        if name not in PARAMETERS:
            raise KeyError(f"unknown parameter {name!r}")
        PARAMETERS[name].check(value)
        values[name] = value
    return values
