"""Overrides: set one value of raw scenario data by a dotted path, as ``--set PATH=VALUE`` does.

A path is keys, list indices, or list items named by their ``id``, ``name`` or (when only one
item has it) ``type``, joined by dots: ``parameters.trust_loss_rate``,
``stakeholders.municipality.capacity``, ``project.phases.construction.duration``,
``interventions.learning_space.every``, ``ties.0.trust``. A value given as text is read as YAML
by the same safe loader as scenario files; a value given as a Python object is used as it is.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from stakesim.scenarios.errors import ScenarioError
from stakesim.scenarios.wording import clip, did_you_mean, listing, show
from stakesim.scenarios.yaml_reader import read_value
from stakesim.simulator.introspection import number_text

INDEX = re.compile(r"-?[0-9]+")  # a list index: ASCII digits only ('²' and '--1' are not indices)
MAX_INDEX_DIGITS = 18
EXAMPLE = "for example parameters.trust_loss_rate=0.4 or stakeholders.municipality.capacity=0.8"
_UNSET: Any = object()


def describe_assignment(path: str, value: Any) -> str:
    """``path=value`` as a user would type it on the command line (for messages and provenance)."""
    return f"{path}={value_text(value)}"


def value_text(value: Any) -> str:
    """A Python value in YAML's words, on one line: 0.4, true, null, [a, b], {key: value}."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return show(value)
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, str):
        return clip(value)
    try:
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
        return clip(text.removesuffix("...").strip())
    except (yaml.YAMLError, RecursionError, ValueError):
        return show(value)


def _item_label(item: Any) -> str | None:
    """How a list item is named in a path: its id, else its name, else its type."""
    if isinstance(item, dict):
        for key in ("id", "name", "type"):
            value = item.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                return clip(str(value), 40)
    return None


def _step_into(node: Any, key: str, where: str) -> tuple[Any, Any]:
    """Return (container, index) for ``key`` inside ``node``; list items by index, id or name.

    A list item may also be named by its ``type`` when no other item has that type, so
    ``interventions.learning_space.every=2`` works for a scenario with one learning space.
    """
    if isinstance(node, dict):
        return node, key
    if isinstance(node, list):
        labels = [label for label in map(_item_label, node) if label is not None]
        allowed = f"allowed: an index from 0 to {len(node) - 1}" if node else "the list is empty"
        if labels:
            allowed += f", or one of: {listing(labels)}"
        if INDEX.fullmatch(key):
            if len(key.lstrip("-")) > MAX_INDEX_DIGITS:
                raise ScenarioError(f"{where} has {len(node)} items, so index {clip(key)} is out of "
                                    f"range; {allowed}")
            index = int(key)
            if not -len(node) <= index < len(node):
                raise ScenarioError(f"{where} has {len(node)} items, so index {index} is out of range; "
                                    f"{allowed}")
            return node, index % len(node)
        for i, item in enumerate(node):
            if isinstance(item, dict) and key in (item.get("id"), item.get("name")):
                return node, i
        typed = [i for i, item in enumerate(node) if isinstance(item, dict) and item.get("type") == key]
        if len(typed) == 1:
            return node, typed[0]
        if typed:
            raise ScenarioError(f"{where} has {len(typed)} items of type '{key}'; name one: {allowed}")
        raise ScenarioError(f"{where} has no item with id or name '{clip(key)}'"
                            f"{did_you_mean(key, labels)}; {allowed}")
    raise ScenarioError(f"{where} is a single value ({show(node)}), not a section, so it has no "
                        f"'{clip(key)}'")


def split_path(path: str) -> list[str]:
    """The keys of a dotted path; an empty path or an empty part is a ScenarioError (unprefixed)."""
    keys = [k.strip() for k in path.strip().split(".")]
    if any(not k for k in keys):
        raise ScenarioError(f"the path before '=' is empty or has an empty part; PATH is keys, ids "
                            f"or indices joined by dots, {EXAMPLE}")
    return keys


def parse_assignment(assignment: str, label: str = "--set") -> tuple[str, Any]:
    """``"PATH=VALUE"`` -> ``(PATH, value read as YAML)``; a bad one is a ScenarioError naming it."""
    where = f"{label} '{clip(assignment)}'"
    if not isinstance(assignment, str):
        raise ScenarioError(f"{label} {show(assignment)}: expected text PATH=VALUE, {EXAMPLE}")
    if "=" not in assignment:
        raise ScenarioError(f"{where}: expected PATH=VALUE, {EXAMPLE}")
    path, _, raw = assignment.partition("=")
    try:
        split_path(path)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    return path.strip(), read_value(raw, where, path.strip())


def set_path(data: dict[str, Any], path: str, value: Any, where: str) -> tuple:
    """Set ``value`` at the dotted ``path`` of raw scenario data, in place; return its location.

    The location is the keys and indices reached, e.g. ``("stakeholders", 1, "capacity")``.
    ``where`` names the override in messages (``--set 'PATH=VALUE'``). Sections the data leaves
    out (or leaves empty) are created on the way.
    """
    if not isinstance(path, str):
        raise ScenarioError(f"{where}: the path must be text such as parameters.trust_loss_rate, "
                            f"got {show(path)}")
    try:
        keys = split_path(path)
    except ScenarioError as exc:
        raise ScenarioError(f"{where}: {exc}") from None
    node: Any = data
    location: list = []
    for depth, key in enumerate(keys):
        here = clip(".".join(keys[:depth])) or "the top level"
        try:
            container, index = _step_into(node, key, here)
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        location.append(index)
        if depth == len(keys) - 1:
            container[index] = value
        else:
            if isinstance(container, dict) and container.get(index) is None:
                if INDEX.fullmatch(keys[depth + 1]):  # an item of a list the data does not have
                    section = clip(".".join(keys[:depth + 1]))
                    raise ScenarioError(f"{where}: {section} is empty, so it has no item "
                                        f"{clip(keys[depth + 1])}; set the whole list instead, e.g. "
                                        f"{section}=[{{...}}]")
                container[index] = {}  # a section the file leaves out (or leaves empty)
            node = container[index]
    return tuple(location)


def apply_override(data: dict[str, Any], assignment: str, value: Any = _UNSET, *,
                   label: str = "--set") -> tuple:
    """Apply ``"dotted.path=value"`` (value read as YAML), or ``(path, value)``, to raw data in place.

    List items are reached by index or by their ``id`` or ``name``, so
    ``stakeholders.municipality.capacity=0.8`` and ``project.phases.construction.duration=12`` work.
    Returns the location set, as keys and indices.
    """
    if value is _UNSET:
        path, value = parse_assignment(assignment, label)
        where = f"{label} '{clip(assignment)}'"
    else:
        path = assignment
        where = f"{label} '{clip(describe_assignment(path, value) if isinstance(path, str) else show(path))}'"
    return set_path(data, path, value, where)
