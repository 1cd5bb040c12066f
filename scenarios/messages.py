"""Pydantic's validation errors turned into one message a scenario author can act on.

Each problem becomes one line: where (``stakeholders[2] (id 'town').population``), what is wrong,
and what is allowed there, worded by ``stakesim.simulator.introspection`` from the schema itself,
plus which override (``--set``, ``--steps``) put the value there. A file with several problems
gets one message listing them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo

from stakesim.scenarios.wording import clip, clip_path, did_you_mean, listing, show
from stakesim.simulator import introspection as schema_words
from stakesim.simulator.declarations import FieldError
from stakesim.simulator.schema import Scenario

MAX_LISTED_ERRORS = 12  # beyond this a message stops helping; the rest are counted, not listed
MAX_LISTED_KEYS = 12

_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_LENGTH_ERRORS = {"too_short", "too_long", "string_too_short", "string_too_long"}
_NUMBER_LIKE = re.compile(r"[-+]?[0-9.][0-9_.:eE+-]*")


@dataclass
class Place:
    """Where a pydantic error location points, in the user's words and in the schema."""

    label: str                    # e.g. "stakeholders[2] (id 'town').population"
    location: tuple               # the location without pydantic's union-branch tags
    annotation: Any               # the schema type expected there (None if unknown)
    field: FieldInfo | None       # the field declared there, when the location ends on a key
    discriminator: str | None     # the tag key, when a tagged union is expected there


def locate(data: Any, loc: Iterable) -> Place:
    """Follow a pydantic error location through the data and the schema at once."""
    annotation: Any = Scenario
    discriminator: str | None = None
    field: FieldInfo | None = None
    node: Any = data
    label = ""
    location: list = []
    for item in loc:
        annotation, found = schema_words.unwrap(annotation)
        discriminator = found or discriminator
        members = schema_words.union_members(annotation)
        if members and isinstance(item, str):
            if not any(schema_words.is_model(m) for m in members):
                continue  # pydantic names the branch of ``int | Literal[...]`` it tried: same field
            branch = [m for m in members if item in schema_words.tags(m, discriminator)
                      or item == getattr(m, "__name__", None)]
            if branch:  # pydantic names the tagged union's branch: step into that model
                annotation, discriminator = branch[0], None
                continue
        field = None
        if isinstance(item, int):
            origin = get_origin(annotation)
            args = get_args(annotation)
            if origin is list and args:
                annotation = args[0]
            elif origin is tuple and args:
                annotation = args[0] if args[-1] is Ellipsis or item >= len(args) else args[item]
            else:
                annotation = None
            label += f"[{item}]"
            if isinstance(node, list) and 0 <= item < len(node):
                node = node[item]
                key = next((k for k in ("id", "name", "type") if isinstance(node, dict)
                            and isinstance(node.get(k), str)), None)
                if key is not None:
                    label += f" ({key} '{clip(node[key], 40)}')"
            else:
                node = None
        else:
            if schema_words.is_model(annotation) and item in annotation.model_fields:
                field = annotation.model_fields[item]
                annotation = field.annotation
                discriminator = field.discriminator if isinstance(field.discriminator, str) else None
            else:
                annotation = None
            label += ("." if label else "") + clip(item, 40)
            node = node.get(item) if isinstance(node, dict) else None
        location.append(item)
    annotation, found = schema_words.unwrap(annotation)
    return Place(label, tuple(location), annotation, field, found or discriminator)


def allowed_here(place: Place) -> str:
    """What the place accepts, in the shared words, with the unit: 'a number from 0 to 1 (unit: share)'."""
    return (schema_words.describe(place.annotation, place.field, discriminator=place.discriminator)
            + schema_words.unit_note(place.field))


def _hint(place: Place, value: Any) -> str:
    """A reason the value was read as the wrong type, when YAML's reading is the likely cause."""
    expected = place.annotation
    if expected in (int, float) and isinstance(value, str) and _NUMBER_LIKE.fullmatch(value.strip()):
        return " (text, not a number: write a number without quotes, colons or leading zeros)"
    if expected is str and value is not None and not isinstance(value, (str, dict, list, tuple, bytes)):
        return " (to give text, put it in quotes)"
    if expected is not bool and isinstance(value, bool):
        return " (YAML reads yes and on as true, no and off as false)"
    return ""


def _allowed_keys(model) -> str:
    return listing(model.model_fields, MAX_LISTED_KEYS)


def related_locations(err: dict[str, Any]) -> tuple[tuple, ...]:
    """Other fields a whole-model check depended on (``("steps",)`` for a month beyond the run)."""
    error = (err.get("ctx") or {}).get("error")
    return error.related if isinstance(error, FieldError) else ()


def explain(data: dict[str, Any], err: dict[str, Any]) -> tuple[tuple, str]:
    """One pydantic error as (location without branch tags, 'where: what is wrong; allowed: ...')."""
    kind, loc = err["type"], tuple(err["loc"])
    value = err.get("input")
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "extra_forbidden":
        owner = locate(data, loc[:-1])
        key = clip(loc[-1], 40)
        where = f"{owner.label}: unknown key" if owner.label else "unknown top-level key"
        text = f"{where} '{key}'"
        if schema_words.is_model(owner.annotation):
            allowed = list(owner.annotation.model_fields)
            text += f"{did_you_mean(loc[-1], allowed)}; allowed keys: {_allowed_keys(owner.annotation)}"
        return owner.location + (loc[-1],), text
    error = (err.get("ctx") or {}).get("error")
    if kind == "value_error" and isinstance(error, FieldError):  # a whole-model check names its field
        place = locate(data, loc + error.loc)
        problem = clip(error.problem, 400)
        return place.location, f"{place.label}: {problem}" if place.label else problem
    place = locate(data, loc)
    where = place.label
    if kind == "missing" and loc and isinstance(loc[-1], int):  # a fixed-length list is short
        whole = locate(data, loc[:-1])
        return whole.location, f"{whole.label}: too few items; it must be {allowed_here(whole)}"
    if kind == "missing":
        section = locate(data, loc[:-1]).label or "the top level"
        text = f"{section}: missing required key '{loc[-1]}'"
        if place.annotation is not None:
            text += f"; it must be {allowed_here(place)}"
        return place.location, text
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        key = place.discriminator or str((err.get("ctx") or {}).get("discriminator", "type")).strip("'")
        tags = [str(t) for m in schema_words.union_members(place.annotation) for t in schema_words.tags(m, key)]
        if kind == "union_tag_invalid":
            given = value.get(key) if isinstance(value, dict) and key in value else str(err["ctx"]["tag"])
            problem = (f"unknown {key} {show(given)}{did_you_mean(given, tags)}" if isinstance(given, str)
                       else f"'{key}' is {show(given)}")
        else:
            problem = f"missing required key '{key}'" if isinstance(value, dict) else \
                f"expected a mapping with a '{key}' key, got {show(value)}"
        return place.location, f"{where}: {problem}; allowed {key}s: {', '.join(tags)}"
    if kind in ("value_error", "assertion_error"):  # the schema's own checks word their message
        return place.location, f"{where}: {clip(msg, 400)}" if where else clip(msg, 400)
    if place.annotation is None:  # not in the schema: pydantic's words are the best we have
        shown = "" if "input" not in err else f" (got {show(value)})"
        return place.location, f"{where}: {msg}{shown}" if where else f"{msg}{shown}"
    allowed = allowed_here(place)
    if schema_words.union_members(place.annotation):  # each branch of ``int | Literal[...]`` reports alike
        return place.location, f"{where}: expected {allowed}, got {show(value)}{_hint(place, value)}"
    if kind == "literal_error":
        problem = f"{show(value)} is not allowed{did_you_mean(value, schema_words.literal_values(place.annotation))}"
    elif kind in _RANGE_ERRORS:
        problem = f"{show(value)} is out of range"
    elif kind in _LENGTH_ERRORS:
        length = (err.get("ctx") or {}).get("actual_length")
        problem = f"has {length} items" if length is not None else f"{show(value)} has the wrong length"
    elif kind == "string_pattern_mismatch":
        problem = f"{show(value)} is not allowed"
    elif kind == "finite_number":
        problem = f"{show(value)} is not a finite number"
    else:  # a value of the wrong type
        return place.location, f"{where}: expected {allowed}, got {show(value)}{_hint(place, value)}"
    return place.location, f"{where}: {problem}; allowed: {allowed}"


def override_note(location: tuple, overrides: dict[tuple, str], related: Iterable[tuple] = ()) -> str:
    """Which override put the offending value there, or changed the section or scenario around it.

    ``overrides`` maps each location an override set to how it is named (``--set 'a.b=1'``,
    ``--steps=10``); ``related`` are other locations the failed check read.
    """
    notes = []
    for target, name in overrides.items():
        section = target[:-1]
        if location[:len(target)] == target:
            notes.append(f"value from {name}")
        elif (target[:len(location)] == location or (section and location[:len(section)] == section)
              or any(target[:len(r)] == r or r[:len(target)] == target for r in related)):
            notes.append(f"after {name}")
    return f" ({'; '.join(notes)})" if notes else ""


def format_validation_error(path: Path | str, data: dict[str, Any], error: ValidationError,
                            overrides: dict[tuple, str] | None = None) -> str:
    """One message for all of a scenario's errors: its origin, then each field, problem and allowed values.

    ``overrides`` maps the locations overrides assigned to their names (``--set 'PATH=VALUE'``),
    so a bad value that came from the command line says so.
    """
    lines: list[str] = []
    for err in error.errors(include_url=False):
        location, text = explain(data, err)
        line = text + override_note(location, overrides or {}, related_locations(err))
        if line not in lines:  # a scalar union reports each branch; they explain the same field
            lines.append(line)
    head = f"{clip_path(path)}: invalid scenario"
    if len(lines) == 1:
        return f"{head}: {lines[0]}"
    shown = lines[:MAX_LISTED_ERRORS]
    more = len(lines) - len(shown)
    tail = [f"  ... and {more} more"] if more else []
    return "\n".join([f"{head} ({len(lines)} problems):", *(f"  - {line}" for line in shown), *tail])
