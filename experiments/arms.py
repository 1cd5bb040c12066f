"""Arms of a comparison: the scenario as it is (``baseline``) or with interventions added.

An arm name is ``baseline`` or intervention kinds joined by ``+`` (``learning_space+negotiation_table``);
each kind is added with its default settings. Every arm is re-validated as a whole scenario, so an
intervention the scenario cannot host (a learning space without a convener) fails here, before any
run, with a message that names the arm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from pydantic import ValidationError

from stakesim.scenarios.loader import ScenarioError, validate
from stakesim.simulator.schema import Scenario
from stakesim.simulator.interventions import KINDS, InterventionSpec, default_spec

BASELINE = "baseline"
DEFAULT_ARMS = ("baseline", "learning_space", "negotiation_table", "learning_space+negotiation_table")


class ArmError(ValueError):
    """A bad ``--arms`` value or an arm the scenario cannot host; the message says which and why."""


@dataclass(frozen=True)
class Arm:
    """One arm: a name and the intervention specs it adds to the scenario (none for baseline)."""

    name: str
    added: tuple[InterventionSpec, ...] = ()

    @property
    def is_baseline(self) -> bool:
        return not self.added

    def describe(self) -> str:
        """Plain words for reports: what this arm changes."""
        if self.is_baseline:
            return "the scenario as it is (no intervention added)"
        return "adds " + " and ".join(f"{spec.label} (default settings)" if _is_default(spec)
                                      else f"{spec.label} ({_non_default(spec)})" for spec in self.added)


def _non_default(spec: InterventionSpec) -> str:
    default = default_spec(spec.type).model_dump()
    changed = {k: v for k, v in spec.model_dump().items() if default.get(k) != v}
    return ", ".join(f"{k}={v}" for k, v in changed.items())


def _is_default(spec: InterventionSpec) -> bool:
    return spec.model_dump() == default_spec(spec.type).model_dump()


def parse_arms(text: str) -> list[Arm]:
    """Turn ``baseline,learning_space,a+b`` into arms with default specs; reject bad names."""
    names = [part.strip() for part in text.split(",")]
    if not text.strip():
        raise ArmError("--arms is empty; give at least one arm, e.g. "
                       f"--arms {','.join(DEFAULT_ARMS)}")
    arms: list[Arm] = []
    seen: dict[frozenset[str], str] = {}
    for position, name in enumerate(names, start=1):
        if not name:
            raise ArmError(f"--arms: arm {position} is empty (two commas in a row or a trailing "
                           f"comma?) in '{text}'")
        kinds = [k.strip() for k in name.split("+")]
        if any(not k for k in kinds):
            raise ArmError(f"--arms: arm '{name}' has an empty part around '+'")
        if kinds == [BASELINE]:
            key: frozenset[str] = frozenset()
        else:
            if BASELINE in kinds:
                raise ArmError(f"--arms: arm '{name}' combines 'baseline' with interventions; "
                               f"'baseline' is an arm of its own (the scenario as it is)")
            unknown = [k for k in kinds if k not in KINDS]
            if unknown:
                raise ArmError(f"--arms: unknown intervention '{unknown[0]}' in arm '{name}'; "
                               f"an arm is 'baseline' or kinds joined by '+'; kinds: {', '.join(KINDS)}")
            repeated = sorted({k for k in kinds if kinds.count(k) > 1})
            if repeated:
                raise ArmError(f"--arms: arm '{name}' lists {', '.join(repeated)} more than once")
            key = frozenset(kinds)
        if key in seen:
            same = "" if seen[key] == name else f" (the same set of interventions as '{seen[key]}')"
            raise ArmError(f"--arms: arm '{name}' is given twice{same}")
        seen[key] = name
        name = BASELINE if not key else "+".join(kinds)
        arms.append(Arm(name, tuple(default_spec(k) for k in kinds if k != BASELINE)))
    return arms


ARM_SETTING = "arms."  # a setting of an arm's intervention: arms.<kind>.<field>


def is_arm_setting(path: str) -> bool:
    return path.startswith(ARM_SETTING)


def check_arm_setting(path: str, value: Any, arms: Iterable[Arm]) -> str | None:
    """What is wrong with an ``arms.<kind>.<field>`` setting and value, or None when it is fine."""
    parts = path.split(".")
    if len(parts) != 3:
        return "an arm setting is written arms.<intervention>.<field>, e.g. arms.learning_space.follow_through"
    _, kind, name = parts
    if kind not in KINDS:
        return f"unknown intervention '{kind}'; interventions: {', '.join(KINDS)}"
    if not any(spec.type == kind for arm in arms for spec in arm.added):
        return f"no arm of this experiment has {kind}; add an arm with it or remove the setting"
    fields = type(default_spec(kind)).model_fields
    if name not in fields or name == "type":
        return f"{kind} has no field '{name}'; its fields: {', '.join(f for f in fields if f != 'type')}"
    try:
        default_spec(kind, **{name: value})
    except ValidationError as exc:
        return f"{kind}.{name} refuses {value!r}: {exc.errors(include_url=False)[0]['msg']}"
    return None


def with_settings(arm: Arm, settings: Mapping[str, Any]) -> Arm:
    """The arm with ``arms.<kind>.<field>`` settings applied to its interventions of that kind.

    Settings for kinds the arm does not have are left out: a baseline arm stays the baseline, so
    a design over a learning space's settings still pairs every point with the same baseline.
    """
    by_kind: dict[str, dict[str, Any]] = {}
    for path, value in settings.items():
        _, kind, name = path.split(".")
        by_kind.setdefault(kind, {})[name] = value
    added = []
    for spec in arm.added:
        update = by_kind.get(spec.type)
        added.append(type(spec).model_validate({**spec.model_dump(), **update}) if update else spec)
    return Arm(arm.name, tuple(added))


def arm_scenario(scenario: Scenario, arm: Arm) -> Scenario:
    """The scenario with the arm's interventions added, validated as a whole (cross-checks included)."""
    if arm.is_baseline:
        return scenario
    data = scenario.model_copy(update={"interventions": [*scenario.interventions, *arm.added]}).model_dump()
    try:
        return validate(data, f"arm '{arm.name}'")
    except ScenarioError as exc:
        raise ArmError(f"{exc}{_hint(scenario, arm)}") from None


def _hint(scenario: Scenario, arm: Arm) -> str:
    existing = {iv.label for iv in scenario.interventions}
    clash = [spec.label for spec in arm.added if spec.label in existing]
    if clash:
        return (f" (scenario '{scenario.name}' already has {', '.join(clash)}, so its baseline includes "
                f"it; to compare with and without it, remove it from the scenario file)")
    return ""


def arm_scenarios(scenario: Scenario, arms: list[Arm]) -> dict[str, Scenario]:
    """Every arm's scenario, keyed by arm name, in the order given; fails on the first bad arm."""
    return {arm.name: arm_scenario(scenario, arm) for arm in arms}
