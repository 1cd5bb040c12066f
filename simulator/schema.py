"""What a scenario file may contain, as pydantic models.

Each field carries its unit, range, default and reason once, here; the loader, the CLI and
``docs/parameters.md`` read them from these models. Unknown keys are rejected everywhere.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, create_model, model_validator

from stakesim.simulator.declarations import (  # noqa: F401  (re-exported: other modules import them from here)
    CSO_ROLES,
    ID_PATTERN,
    PHASES,
    STAKEHOLDER_TYPES,
    TIE_KINDS,
    FieldError,
    Strict,
    clip,
    field,
    listing,
)
from stakesim.simulator.interventions import InterventionSpecUnion
from stakesim.simulator.parameters import PARAMETERS


# --------------------------------------------------------------------------- stakeholders
class StakeholderSpec(Strict):
    id: str = Field(pattern=ID_PATTERN, description="Unique id, used by ties and interventions.")
    name: str | None = Field(None, description="Display name.")


class CompanySpec(StakeholderSpec):
    type: Literal["company"] = Field(description="Stakeholder type tag.")
    context_understanding: float = field(
        0.3, ge=0, le=1, unit="0-1",
        doc="How well the company understands the local context; low values turn local hiring "
            "and contracting into harm.", source="Cervantes 2023")
    reliability: float = field(
        0.6, ge=0, le=1, unit="probability",
        doc="Chance the company keeps an unmonitored commitment when it falls due.",
        source="Defensoría del Pueblo 2021 (unmonitored commitments often not kept)")
    local_content: float = field(
        0.6, ge=0, le=1, unit="share",
        doc="Share of a phase's jobs and procurement that goes to local communities.")
    communication: float = field(
        0.3, ge=0, le=1, unit="0-1",
        doc="How much technical information the company shares; drives natural learning.")
    resources: float = field(
        2000.0, ge=0, unit="US$ million",
        doc="Money available for delays, agreements and interventions.")


class LocalGovernmentSpec(StakeholderSpec):
    type: Literal["local_government"] = Field(description="Stakeholder type tag.")
    capacity: float = field(
        0.3, ge=0, le=1, unit="0-1",
        doc="Capacity to turn revenue into services.", source="Cervantes 2023 (low capacity)")
    integrity: float = field(
        0.6, ge=0, le=1, unit="0-1",
        doc="Resistance to leakage of unspent revenue.", source="Cervantes 2023 (corruption)")
    presence: float = field(
        0.4, ge=0, le=1, unit="0-1",
        doc="State presence in the project's area: the share of expected public services the state "
            "delivers before any mining revenue; it also decides how much of a services shortfall "
            "is blamed on the state rather than the company, and the risk of mobilising. "
            "0 is an absent state.",
        source="Cervantes 2023 (absent state)")
    revenue_share: float = field(
        1.0, ge=0, le=1, unit="share",
        doc="Share of the project's revenue transfers (royalties, canon) this government receives.")
    budget: float = field(0.0, ge=0, unit="US$ million", doc="Unspent balance at the start.")


class CommunitySpec(StakeholderSpec):
    type: Literal["community"] = Field(description="Stakeholder type tag.")
    population: int = field(
        500, ge=1, le=100_000, unit="members",
        doc="Members simulated individually (vectorised): attitudes and thresholds per member.")
    expectation: float = field(
        0.5, ge=0, le=1, unit="benefit index (0-1)",
        doc="Mean expectation of benefits (jobs, income, services) at the start.",
        source="Cervantes 2023 (high expectations)")
    expectation_sd: float = field(
        0.1, ge=0, le=0.5, unit="benefit index", doc="Spread of members' expectations.")
    technical_understanding: float = field(
        0.2, ge=0, le=1, unit="0-1",
        doc="Understanding of the project's technical side (water, tailings, installation).",
        source="Cervantes 2023 (technical complexity)")
    exposure: float = field(
        1.0, ge=0, le=1, unit="0-1",
        doc="How exposed the community is to the project's physical impacts (water, land).")
    impact_bias: float = field(
        0.0, ge=-3, le=3, unit="share of actual impact",
        doc="How far the community's uninformed view of the project's impacts is off, besides the "
            "distrust that complexity seeds: negative for impacts it underestimates (invisible, "
            "slow or played down, such as groundwater drawdown), positive for impacts it fears "
            "beyond what they are. Understanding removes the bias either way, so learning can "
            "raise a perceived impact as well as lower it.",
        source="modelling choice; Cervantes 2023 (technical complexity, information asymmetry)")
    sensitivity_sd: float = field(
        0.2, ge=0, le=1, unit="multiplier sd",
        doc="Spread of members' sensitivity to impacts around 1 (e.g. water-dependent herders).")
    organisation: float = field(
        0.5, ge=0, le=1, unit="0-1",
        doc="Strength and representativeness of community organisation; scales the collective "
            "step (peer influence).", source="GIZ 2021 (change agents)")
    resources: float = field(
        1.0, ge=0, le=1, unit="resource units (0-1)", doc="Organising resources (time, money).")
    initial_impact: float = field(
        0.0, ge=0, le=1, unit="impact units (0-1)",
        doc="Impact already accumulated when the simulation starts (a project already under way); "
            "perceived impact starts at the same level.")
    initial_mobilised: float = field(
        0.0, ge=0, le=1, unit="share of members",
        doc="Share of members already mobilised at the start (a conflict already under way).")
    government: str | None = Field(
        None, description="Id of the local government that serves it (default: the first).")


class CSOSpec(StakeholderSpec):
    type: Literal["cso"] = Field(description="Stakeholder type tag.")
    role: Literal[CSO_ROLES] = field("ngo", unit="role", doc="What kind of organisation it is.")  # type: ignore[valid-type]
    understanding: float = field(
        0.5, ge=0, le=1, unit="0-1", doc="Understanding of the project and its context.")
    resources: float = field(1.0, ge=0, le=1, unit="resource units (0-1)", doc="Time to take part.")


Stakeholder = Annotated[
    Union[CompanySpec, LocalGovernmentSpec, CommunitySpec, CSOSpec], Field(discriminator="type")
]


# --------------------------------------------------------------------------- project
class PhaseSpec(Strict):
    name: Literal[PHASES] = Field(description="Which life-cycle phase.")  # type: ignore[valid-type]
    duration: int = field(12, ge=1, le=600, unit="months", doc="Length of the phase if undisturbed.")
    impact: float = field(
        0.0, ge=0, le=0.2, unit="impact units per month",
        doc="Physical impact (water, land) added each month to exposed communities.")
    jobs: float = field(
        0.0, ge=0, le=1, unit="benefit index",
        doc="Jobs and procurement offered, as a share of what a community could expect.")
    revenue: float = field(
        0.0, ge=0, unit="US$ million per month", doc="Revenue transferred to local governments.")
    complexity: float = field(
        0.0, ge=0, le=1, unit="0-1", doc="Technical complexity of what happens in this phase.")
    expectation_shock: float = field(
        0.0, ge=-1, le=1, unit="benefit index",
        doc="Change in expectations when the phase starts, before understanding tempers it.")
    announced_impact: float = field(
        0.0, ge=0, le=1, unit="impact units (0-1)",
        doc="Impact the project's plan announces while this phase lasts, before it happens (a lake "
            "to be drained, a river to be diverted, as heard in the environmental assessment's "
            "hearings). Each community forms a concern from it, scaled by its largest exposure in "
            "the phases to come and biased by its distrust of the company where it does not "
            "understand; concern enters grievance like a perceived impact, before any actual "
            "impact. 0 announces nothing.",
        source="modelling choice (opposition often peaks in permitting, over impacts still to "
               "come); Siegrist & Cvetkovich 2000")
    exposure: dict[str, Annotated[float, Field(ge=0, le=1)]] = field(
        {}, unit="0-1, by community id",
        doc="Exposure of named communities to this phase's physical impact, in place of their own "
            "`exposure`: a community beside a haul road can be exposed only in operation (its "
            "`exposure` 0, and `exposure: {haul_road_community: 1.0}` on the operation phase). "
            "Keys are ids of communities; the others keep their own exposure.",
        source="modelling choice: each phase's works (pit, plant, haul road, pumping) reach "
               "different communities")
    resettlement: dict[str, Annotated[float, Field(ge=0, le=1)]] = field(
        {}, unit="impact units (0-1) in all, by community id",
        doc="An impact on one community in this phase besides the phase's own, such as its "
            "resettlement (physical or economic displacement, land lost): the impact units given "
            "are added to that community's actual impact alone, evenly over the months the phase "
            "runs (not in months it is blockaded). Keys are ids of communities.",
        source="IFC 2012 (Performance Standard 5: displacement as an impact on the displaced)")


class ProjectSpec(Strict):
    name: str = Field("mining project", description="Display name of the project.")
    mineral: str = Field("copper", description="What is mined (a label; no mechanism depends on it).")
    phases: list[PhaseSpec] = Field(min_length=1, description="The life cycle, in order; each phase at most once.")
    delay_cost_per_month: float = field(
        80.0, ge=0, unit="US$ million per month",
        doc="What a month of blockade costs the company.",
        source="Davis & Franks 2014 (US$20M per week for a world-class mine)")

    @model_validator(mode="after")
    def _phases_in_order(self):
        names = [p.name for p in self.phases]
        order = [PHASES.index(n) for n in names]
        if order != sorted(order) or len(set(names)) != len(names):
            raise FieldError(("phases",), f"phases must appear at most once each and in life-cycle "
                                          f"order ({', '.join(PHASES)}); got {listing(names)}")
        return self


# --------------------------------------------------------------------------- ties
class TieSpec(Strict):
    source: str = Field(description="Id of the stakeholder whose trust this is.")
    target: str = Field(description="Id of the stakeholder trusted.")
    trust: float = field(0.5, ge=0, le=1, unit="trust (0-1)", doc="Source's trust in target.")
    kind: Literal[TIE_KINDS] = Field("existing", description="What kind of tie: existing, formal or created by an intervention.")  # type: ignore[valid-type]
    mutual: bool = Field(True, description="Also add the reverse tie with the same trust.")


class RandomTiesSpec(Strict):
    between: list[str] = Field(
        min_length=2, max_length=2,
        description="Two stakeholder types or CSO roles; each pair of matching stakeholders is tied "
                    "with the given probability (drawn from the model's seeded generator).")
    probability: float = field(0.3, ge=0, le=1, unit="probability", doc="Chance of each tie.")
    trust: float = field(0.5, ge=0, le=1, unit="trust (0-1)", doc="Mean trust on generated ties.")
    trust_sd: float = field(0.1, ge=0, le=0.5, unit="trust", doc="Spread of generated trust.")
    kind: Literal[TIE_KINDS] = Field("existing", description="What kind of tie the generated ties are.")  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _known_kinds(self):
        allowed = set(STAKEHOLDER_TYPES) | set(CSO_ROLES)
        for i, name in enumerate(self.between):
            if name not in allowed:
                raise FieldError(("between", i), f"'{clip(name)}' is not a stakeholder type or CSO role; "
                                                 f"allowed: {', '.join(sorted(allowed))}")
        return self


# --------------------------------------------------------------------------- parameters
def _parameter_fields():
    fields = {}
    for p in PARAMETERS.values():
        kind = int if p.integer else float
        fields[p.name] = (kind | None, Field(None, ge=p.low, le=p.high,
                                             description=f"{p.doc} Unit: {p.unit}.",
                                             json_schema_extra={"unit": p.unit, "source": p.source}))
    return fields


ParametersSpec = create_model("ParametersSpec", __base__=Strict, **_parameter_fields())


# --------------------------------------------------------------------------- scenario
class Scenario(Strict):
    name: str = Field(description="Short name, used in results and reports.")
    description: str = Field("", description="One or two sentences shown by `stakesim scenarios`.")
    steps: int | None = field(
        None, ge=1, le=2400, unit="months",
        doc="Months to simulate (default: the sum of the phase durations).")
    parameters: ParametersSpec = Field(  # type: ignore[valid-type]
        default_factory=ParametersSpec, description="Global parameters that differ from their defaults.")
    project: ProjectSpec = Field(description="The mining project and its life cycle.")
    stakeholders: list[Stakeholder] = Field(
        min_length=2, description="Company, local governments, communities and CSOs (one company).")
    ties: list[TieSpec] = Field(default_factory=list, description="Explicit ties of the relationship graph.")
    random_ties: list[RandomTiesSpec] = Field(
        default_factory=list, description="Ties generated from the run's seed between types or roles.")
    interventions: list[InterventionSpecUnion] = Field(  # type: ignore[valid-type]
        default_factory=list, description="Interventions present in every run of this scenario.")

    @model_validator(mode="after")
    def _consistent(self):
        self._check_stakeholders()
        self._check_phases()
        self._check_ties()
        self._check_interventions()
        return self

    def _check_stakeholders(self) -> None:
        first: dict[str, int] = {}
        for i, s in enumerate(self.stakeholders):
            if s.id in first:
                raise FieldError(("stakeholders", i, "id"),
                                 f"stakeholder ids must be unique; '{clip(s.id)}' is already the id of "
                                 f"stakeholders[{first[s.id]}]")
            first[s.id] = i
        companies = [i for i, s in enumerate(self.stakeholders) if s.type == "company"]
        if len(companies) > 1:
            named = listing(self.stakeholders[i].id for i in companies)
            raise FieldError(("stakeholders", companies[1], "type"),
                             f"exactly one stakeholder of type 'company' is needed "
                             f"(found {len(companies)}: {named})")
        types = [s.type for s in self.stakeholders]
        if not companies:
            raise FieldError(("stakeholders",), "exactly one stakeholder of type 'company' is needed "
                                                "(found 0)")
        if "community" not in types:
            raise FieldError(("stakeholders",), "at least one stakeholder of type 'community' is needed")
        if "local_government" not in types:
            raise FieldError(("stakeholders",), "at least one stakeholder of type 'local_government' is "
                                                "needed (an absent state is a government with presence 0)")
        governments = [s.id for s in self.stakeholders if s.type == "local_government"]
        for i, s in enumerate(self.stakeholders):
            if s.type == "community" and s.government is not None and s.government not in governments:
                raise FieldError(("stakeholders", i, "government"),
                                 f"'{clip(s.government)}' is not the id of a local_government in this "
                                 f"scenario; known: {listing(governments)}")
        total_share = sum(s.revenue_share for s in self.stakeholders if s.type == "local_government")
        if total_share > 1.0 + 1e-9:
            raise FieldError(("stakeholders",), f"the local governments' revenue_share values add up "
                                                f"to {total_share:g}; they may add up to at most 1")

    def _check_phases(self) -> None:
        """Phases name communities in ``exposure`` and ``resettlement``: each must be one."""
        kinds = {s.id: s.type for s in self.stakeholders}
        communities = [s.id for s in self.stakeholders if s.type == "community"]
        for i, phase in enumerate(self.project.phases):
            for name in ("exposure", "resettlement"):
                for key in getattr(phase, name):
                    if kinds.get(key) == "community":
                        continue
                    what = (f"'{clip(key)}' is a {kinds[key]}, not a community" if key in kinds else
                            f"no community has id '{clip(key)}'")
                    raise FieldError(("project", "phases", i, name, key),
                                     f"{what}; the keys of {name} are community ids: {listing(communities)}")

    def _check_ties(self) -> None:
        ids = [s.id for s in self.stakeholders]
        known = set(ids)
        first: dict[tuple[str, str], int] = {}
        for i, tie in enumerate(self.ties):
            for end in ("source", "target"):
                ref = getattr(tie, end)
                if ref not in known:
                    raise FieldError(("ties", i, end), f"no stakeholder has id '{clip(ref)}'; known ids: "
                                                       f"{listing(ids)}")
            if tie.source == tie.target:
                raise FieldError(("ties", i), f"a stakeholder cannot be tied to itself ('{clip(tie.source)}')")
            pair = (tie.source, tie.target)
            if pair in first:
                raise FieldError(("ties", i), f"the tie {clip(tie.source, 40)} -> {clip(tie.target, 40)} is already given "
                                              f"as ties[{first[pair]}]; give each tie once")
            first[pair] = i

    def _check_interventions(self) -> None:
        first: dict[str, int] = {}
        for i, iv in enumerate(self.interventions):
            if iv.label in first:
                raise FieldError(("interventions", i, "name"),
                                 f"intervention names must be unique; '{clip(iv.label)}' is already the name "
                                 f"of interventions[{first[iv.label]}] (give each a distinct 'name')")
            first[iv.label] = i
        for i, iv in enumerate(self.interventions):
            check_intervention(self, iv, f"interventions[{i}] ({iv.label})", loc=("interventions", i))

    @property
    def months(self) -> int:
        return self.steps if self.steps is not None else sum(p.duration for p in self.project.phases)

    def parameter_values(self) -> dict[str, float]:
        """Every global parameter: the scenario's value where it sets one, else the default."""
        values = {name: p.default for name, p in PARAMETERS.items()}
        values.update(self.parameters.model_dump(exclude_none=True))
        return values


def check_intervention(scenario: Scenario, iv, where: str, loc: tuple | None = None) -> None:
    """Checks an intervention against the scenario it runs in: participants, schedule, own needs.

    ``where`` names the intervention in messages; ``loc``, when given, is its location in the
    scenario (``("interventions", 2)``), so a failure names the exact field as a ``FieldError``.
    """
    def fail(key: tuple, problem: str, related: tuple[tuple, ...] = ()):
        if loc is not None:
            return FieldError(loc + key, problem, related)
        return ValueError(f"{where}{''.join(f'.{k}' for k in key)}: {problem}")

    selectors = set()
    for s in scenario.stakeholders:
        selectors.update({s.id, s.type})
        if s.type == "cso":
            selectors.add(s.role)
    for selector in iv.participants:
        if selector not in selectors:
            raise fail(("participants",), f"'{clip(selector)}' is not a stakeholder type, CSO role or id in "
                                            f"this scenario; allowed: {listing(sorted(selectors))}")
    if isinstance(iv.start, int) and isinstance(iv.end, int) and iv.end < iv.start:
        raise fail(("end",), f"end (month {iv.end}) is before start (month {iv.start})")
    if isinstance(iv.start, str) and isinstance(iv.end, str) and PHASES.index(iv.end) < PHASES.index(iv.start):
        raise fail(("end",), f"end phase '{iv.end}' comes before start phase '{iv.start}'")
    phases = [p.name for p in scenario.project.phases]
    for end in ("start", "end"):
        when = getattr(iv, end)
        if isinstance(when, str) and when not in phases:
            raise fail((end,), f"phase '{when}' is not in this project's life cycle ({', '.join(phases)})")
        if isinstance(when, int) and not 1 <= when <= scenario.months:
            raise fail((end,), f"month {when} is outside the simulated months 1-{scenario.months}",
                       related=(("steps",),) if scenario.steps is not None else (("project", "phases"),))
    iv.check_against(scenario, where)


def planned_phase_starts(project: ProjectSpec) -> dict[str, int]:
    """The month each phase starts in when nothing delays the project (month 1 is the first)."""
    starts: dict[str, int] = {}
    month = 1
    for phase in project.phases:
        starts[phase.name] = month
        month += phase.duration
    return starts
