"""Load a scenario: from a built-in name, a file, a Scenario or raw data, with overrides, validated.

``load_scenario`` is the one door every front end uses (the CLI, the library API, the tests), so
a value is checked the same way wherever it comes from: a file, ``--set``, a mapping of overrides
or the number of months to run. Every failure is a ``ScenarioError`` whose one message names the
file (or option), the field and what is allowed; the CLI prints it and exits with code 2.

The other jobs live in their own modules (``files``, ``yaml_reader``, ``overrides``, ``messages``);
the names other modules have imported from here are still importable from here.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from stakesim.scenarios.errors import ScenarioError, ScenarioWarning
from stakesim.scenarios.files import BUILTIN_PACKAGE, builtin_names, builtin_path, resolve_path
from stakesim.scenarios.messages import MAX_LISTED_ERRORS, format_validation_error, override_note
from stakesim.scenarios.overrides import apply_override, describe_assignment, parse_assignment, set_path
from stakesim.scenarios.wording import clip, clip_path, show
from stakesim.scenarios.yaml_reader import MAX_DEPTH, read_yaml
from stakesim.simulator.schema import Scenario, planned_phase_starts

ScenarioSource = str | Path | Scenario | Mapping[str, Any]
"""A built-in scenario's name, a path to a YAML file, a Scenario, or raw scenario data."""

Overrides = Iterable[str] | Mapping[str, Any] | None
"""``["PATH=VALUE", ...]`` (values read as YAML) or ``{"PATH": value, ...}`` (values as they are)."""


# --------------------------------------------------------------------------- raw data
def _plain_copy(value: Any, origin: str, depth: int = 0, active: frozenset[int] = frozenset()) -> Any:
    """A copy of raw data (tuples become lists) that refuses cycles and very deep nesting."""
    if isinstance(value, Mapping) or isinstance(value, (list, tuple)):
        if depth >= MAX_DEPTH:
            raise ScenarioError(f"{origin}: the data is nested more than {MAX_DEPTH} levels deep; "
                                f"a scenario needs only a few levels")
        if id(value) in active:
            raise ScenarioError(f"{origin}: the data contains itself (a mapping or list inside itself)")
        inner = active | {id(value)}
        if isinstance(value, Mapping):
            return {key: _plain_copy(item, origin, depth + 1, inner) for key, item in value.items()}
        return [_plain_copy(item, origin, depth + 1, inner) for item in value]
    return value


def _raw(source: Any) -> tuple[str, dict[str, Any], Scenario | None]:
    """(how the source is named in messages, its raw data to change, the Scenario if one was given)."""
    if isinstance(source, Scenario):
        return f"scenario '{clip(source.name, 40)}'", source.model_dump(), source
    if isinstance(source, Mapping):
        origin = "<scenario data>"
        return origin, _plain_copy(source, origin), None
    if isinstance(source, (str, Path)):
        path = resolve_path(source)
        return clip_path(path), read_yaml(path), None
    raise TypeError(f"a scenario is a built-in name, a path, a Scenario or a mapping of scenario data, "
                    f"not {type(source).__name__}")


def _override_items(overrides: Overrides, label: str) -> list[tuple[str, Any, str]]:
    """Overrides as (path, value, how to name it), whichever form they came in."""
    if overrides is None:
        return []
    if isinstance(overrides, Mapping):
        return [(path, value, f"{label} '{clip(describe_assignment(path, value) if isinstance(path, str) else show(path))}'")
                for path, value in overrides.items()]
    if isinstance(overrides, str):
        overrides = [overrides]
    items = []
    for assignment in overrides:
        path, value = parse_assignment(assignment, label)
        items.append((path, value, f"{label} '{clip(assignment)}'"))
    return items


def _steps_value(steps: Any) -> Any:
    """A whole number of another integer type (numpy's) as int; anything else as given, for the schema."""
    if not isinstance(steps, (bool, int)) and hasattr(type(steps), "__index__"):
        return operator.index(steps)
    return steps


# --------------------------------------------------------------------------- validating
def _warn_unreached(scenario: Scenario, origin: str, assigned: dict[tuple, str]) -> None:
    """Warn about an intervention whose start phase the run never reaches, even without delays."""
    starts = planned_phase_starts(scenario.project)
    for i, iv in enumerate(scenario.interventions):
        if isinstance(iv.start, str) and starts.get(iv.start, 0) > scenario.months:
            note = override_note(("steps",), assigned)
            warnings.warn(
                f"{origin}: interventions[{i}] ({iv.label}).start: phase '{iv.start}' is planned to "
                f"start in month {starts[iv.start]}, after the last simulated month ({scenario.months})"
                f"{note}, so this intervention never runs; run more months or start it earlier",
                ScenarioWarning, stacklevel=4)


def _validate(data: dict[str, Any], origin: str, assigned: dict[tuple, str]) -> Scenario:
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(origin, data, exc, assigned)) from None
    except RecursionError:
        raise ScenarioError(f"{origin}: the data is nested too deeply to check") from None
    _warn_unreached(scenario, origin, assigned)
    return scenario


def validate(data: dict[str, Any], origin: Path | str = "<scenario>") -> Scenario:
    """Raw scenario data to a Scenario; ``origin`` names the file (or source) in the error message."""
    return _validate(data, clip_path(origin), {})


def load_scenario(source: ScenarioSource, overrides: Overrides = (), steps: int | None = None, *,
                  steps_label: str = "steps", override_label: str = "--set") -> Scenario:
    """Read a scenario, apply overrides and the number of months, and validate the result.

    ``source`` is a built-in scenario's name, a path to a YAML file, a ``Scenario`` or a mapping of
    raw scenario data (copied, never changed). ``overrides`` are ``"PATH=VALUE"`` strings (values
    read as YAML) or a mapping ``{PATH: value}``; ``steps``, when given, is set at ``steps``
    after them, so it is checked like any value (1 to 2400 months, interventions' months within
    the run). Messages name an override as ``{override_label} 'PATH=VALUE'`` and the months as
    ``{steps_label}=N`` (the CLI passes ``"--steps"``). A start phase the run never reaches is a
    ``ScenarioWarning``.
    """
    origin, data, given = _raw(source)
    assigned: dict[tuple, str] = {}
    try:
        for path, value, name in _override_items(overrides, override_label):
            assigned[set_path(data, path, _plain_copy(value, name), name)] = name
    except ScenarioError as exc:
        raise ScenarioError(f"{origin}: {exc}") from None
    if steps is not None:
        steps = _steps_value(steps)
        data["steps"] = steps
        assigned[("steps",)] = f"{steps_label}={show(steps)}"
    if given is not None and not assigned:
        return given
    return _validate(data, origin, assigned)


def dump_scenario(scenario: Scenario) -> str:
    """YAML that loads back to an equal scenario (every value written out, defaults included)."""
    return yaml.safe_dump(scenario.model_dump(mode="json", exclude_none=True), sort_keys=False,
                          allow_unicode=True)


__all__ = [
    "BUILTIN_PACKAGE", "MAX_LISTED_ERRORS", "Overrides", "ScenarioError", "ScenarioSource",
    "ScenarioWarning", "apply_override", "builtin_names", "builtin_path", "dump_scenario",
    "format_validation_error", "load_scenario", "read_yaml", "resolve_path", "validate",
]
