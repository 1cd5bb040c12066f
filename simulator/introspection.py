"""What the schema's fields accept, read from the pydantic types once, in words everyone shares.

Error messages (``stakesim.scenarios.messages``), ``docs/parameters.md`` (``stakesim.docgen``) and
any view that builds controls from the schema (sliders need a field's bounds and unit) read field
types through this module, so a range is worded the same everywhere: "a number from 0 to 1".

Two choices are left to the caller, as parameters rather than separate walkers:

- how a nested model is named (``model_name``): spelled out as "a mapping with the keys ..." (the
  default, for messages), or by a name such as ``PhaseSpec`` (the docs, which have a table per model);
- how literal values and key names are marked up (``code``): plain, or in Markdown backticks.

The unit is not part of the description: the docs print it in a column of its own, and messages
append ``unit_note(field)``.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from stakesim.simulator.declarations import PATTERN_WORDS, listing

CONSTRAINTS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")
MAX_KEYS = 12  # a mapping's keys listed in a description; past this they are counted


# --------------------------------------------------------------------------- reading types
def _strip(annotation: Any) -> tuple[Any, str | None, dict[str, Any]]:
    """Strip ``Annotated`` and ``Optional``; return the type, a union discriminator and constraints."""
    discriminator = None
    limits: dict[str, Any] = {}
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *metadata = get_args(annotation)
            for meta in metadata:
                if isinstance(getattr(meta, "discriminator", None), str):
                    discriminator = meta.discriminator
                limits.update(_limits_of(getattr(meta, "metadata", None) or [meta]))
            annotation = base
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation, discriminator, limits
            annotation = members[0]
        else:
            return annotation, discriminator, limits


def _limits_of(metadata) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for meta in metadata:
        for name in CONSTRAINTS:
            value = getattr(meta, name, None)
            if value is not None:
                found[name] = value
    return found


def unwrap(annotation: Any) -> tuple[Any, str | None]:
    """Strip ``Annotated`` and ``Optional``; return the annotation and any union discriminator."""
    annotation, discriminator, _ = _strip(annotation)
    return annotation, discriminator


def is_optional(annotation: Any) -> bool:
    """True when ``None`` is allowed (``X | None``), looking through ``Annotated``."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def union_members(annotation: Any) -> list[Any]:
    """The members of a union (without ``None``), or [] when the annotation is not a union."""
    annotation, _ = unwrap(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return []


def tags(model: Any, discriminator: str | None = None) -> tuple:
    """The values of a model's tag field (``type: Literal[...]``, or the named discriminator)."""
    if not is_model(model):
        return ()
    info = model.model_fields.get(discriminator or "type")
    if info is None:
        return ()
    annotation, _ = unwrap(info.annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def literal_values(annotation: Any) -> tuple:
    """The allowed values of a ``Literal`` (through Annotated and Optional), else ()."""
    annotation, _ = unwrap(annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a type refers to, through lists, unions and Annotated."""
    if is_model(annotation):
        return [annotation]
    if get_origin(annotation) is Literal:
        return []
    return [m for arg in get_args(annotation) for m in models_in(arg)]


def constraints(field: FieldInfo | None) -> dict[str, Any]:
    """A field's bounds, lengths and pattern (``ge``, ``gt``, ``le``, ``lt``, ``min_length``, ...)."""
    if field is None:
        return {}
    return {**_strip(field.annotation)[2], **_limits_of(field.metadata)}


def _extra(field: FieldInfo | None, key: str) -> str:
    extra = field.json_schema_extra if field is not None and isinstance(field.json_schema_extra, dict) else {}
    return str(extra.get(key) or "")


def unit(field: FieldInfo | None) -> str:
    """The unit a field declares ("" when it declares none)."""
    return _extra(field, "unit")


def source(field: FieldInfo | None) -> str:
    """Where a field's default comes from ("" when it says nothing)."""
    return _extra(field, "source")


def unit_note(field: FieldInfo | None) -> str:
    """`` (unit: months)``, for a message; "" when the field declares no unit."""
    found = unit(field)
    return f" (unit: {found})" if found else ""


class _Required:
    """The default of a field a scenario must give."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def default_value(field: FieldInfo) -> Any:
    """The value a field takes when a scenario leaves it out (``REQUIRED`` when it is required)."""
    if field.is_required():
        return REQUIRED
    if field.default_factory is not None:
        return field.default_factory()
    return field.default


@dataclass(frozen=True)
class NumberRange:
    """What a control for a numeric field needs: bounds (None when open), whole numbers or not, unit."""

    low: float | None
    high: float | None
    integer: bool
    unit: str
    low_inclusive: bool = True
    high_inclusive: bool = True


def number_range(field: FieldInfo) -> NumberRange | None:
    """The bounds of a numeric field (``int``, ``float``, optional or not); None for other fields."""
    annotation, _ = unwrap(field.annotation)
    if annotation not in (int, float):
        return None
    limits = constraints(field)
    low = limits.get("ge", limits.get("gt"))
    high = limits.get("le", limits.get("lt"))
    return NumberRange(low, high, annotation is int, unit(field), "gt" not in limits, "lt" not in limits)


# --------------------------------------------------------------------------- wording
def number_text(value: Any) -> str:
    """A bound or value as a reader writes it: 1 rather than 1.0, 0.5, 100000."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def range_words(limits: dict[str, Any]) -> str:
    """Bounds in words: 'from 0 to 1', 'of at least 0', 'above 0 and below 1'; '' when unbounded."""
    low = ("ge", limits["ge"]) if "ge" in limits else ("gt", limits["gt"]) if "gt" in limits else None
    high = ("le", limits["le"]) if "le" in limits else ("lt", limits["lt"]) if "lt" in limits else None
    if low and high and low[0] == "ge" and high[0] == "le":
        return f"from {number_text(low[1])} to {number_text(high[1])}"
    words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
    text = " and ".join(f"{words[bound[0]]} {number_text(bound[1])}" for bound in (low, high) if bound)
    return f"of {text}" if text.startswith("at ") else text  # "a number of at least 0"


def _plain(text: str) -> str:
    return text


@dataclass(frozen=True)
class _Style:
    model_name: Callable[[type], str] | None
    code: Callable[[str], str]


def _count(limits: dict[str, Any]) -> tuple[str, bool]:
    """How many items a list must have, in words, and whether that number is exactly one."""
    low, high = limits.get("min_length"), limits.get("max_length")
    if low is not None and low == high:
        return f"exactly {low} ", low == 1
    if low and high is not None:
        return f"{low} to {high} ", False
    if low:
        return f"at least {low} ", low == 1
    if high is not None:
        return f"at most {high} ", high == 1
    return "", False


def _noun(annotation: Any, limits: dict[str, Any], discriminator: str | None, style: _Style,
          plural: bool) -> tuple[str, bool]:
    """(noun phrase without its article, whether it takes 'a') for one type."""
    code = style.code
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal:
        values = ", ".join(code(str(v)) for v in args)
        if plural:
            return f"values from {values}", False
        return (f"only {values}" if len(args) == 1 else f"one of {values}"), False
    members = union_members(annotation)
    if members:
        if all(is_model(m) for m in members):
            key = discriminator or "type"
            if style.model_name is None:
                choices = ", ".join(code(str(t)) for m in members for t in tags(m, key))
                detail = f" whose {code(key)} is one of {choices}"
            else:
                names = [style.model_name(m) for m in members]
                listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
                detail = f" ({listed}, chosen by {code(key)})"
            return ("mappings" if plural else "mapping") + detail, True
        parts = []
        for member in members:
            inner, inner_disc, inner_limits = _strip(member)
            text, countable = _noun(inner, inner_limits, inner_disc, style, plural)
            parts.append(f"a {text}" if countable and not plural else text)
        return " or ".join(parts), False
    if is_model(annotation):
        detail = (" with the keys " + listing(annotation.model_fields, MAX_KEYS) if style.model_name is None
                  else f" ({style.model_name(annotation)})")
        return ("mappings" if plural else "mapping") + detail, True
    if annotation is bool:
        both = f"{code('true')} or {code('false')}"
        return (f"{both} values" if plural else both), False
    if annotation in (int, float):
        noun = ("whole number" if annotation is int else "number") + ("s" if plural else "")
        bounds = range_words(limits)
        return noun + (f" {bounds}" if bounds else ""), True
    if annotation is str:
        noun = "text items" if plural else "text"
        pattern = limits.get("pattern")
        if pattern in PATTERN_WORDS:
            noun += f" (each {PATTERN_WORDS[pattern]})" if plural else f" that {PATTERN_WORDS[pattern]}"
        elif pattern is not None:
            noun += f" matching {code(pattern)}"
        if "min_length" in limits or "max_length" in limits:
            count, _ = _count(limits)
            noun += f" of {count}characters"
        return noun, False
    if origin in (list, set, frozenset) or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        count, one = _count(limits)
        noun = "lists" if plural else "list"
        if not args:
            return noun + (f" of {count}items" if count else ""), True
        item, item_disc, item_limits = _strip(args[0])
        inner, _ = _noun(item, item_limits, item_disc, style, plural=not one)
        return f"{noun} of {count}{inner}", True
    if origin is tuple:
        described = []
        for arg in args:
            item, item_disc, item_limits = _strip(arg)
            text, countable = _noun(item, item_limits, item_disc, style, False)
            described.append(f"a {text}" if countable else text)
        noun = "lists" if plural else "list"
        if len(set(described)) == 1:
            return f"{noun} of exactly {len(args)} items, each {described[0]}", True
        return f"{noun} of exactly {len(args)} items: " + ", ".join(described), True
    if origin is dict or annotation is dict:
        noun = "mappings" if plural else "mapping"
        if len(args) == 2:  # keys and values described: "a mapping of text to numbers from 0 to 1"
            key, key_disc, key_limits = _strip(args[0])
            value, value_disc, value_limits = _strip(args[1])
            keys, _ = _noun(key, key_limits, key_disc, style, True)
            values, _ = _noun(value, value_limits, value_disc, style, True)
            return f"{noun} of {keys} to {values}", True
        return noun, True
    if annotation is list:
        return ("lists" if plural else "list"), True
    return code(getattr(annotation, "__name__", repr(annotation))), False


def describe(annotation: Any, field: FieldInfo | None = None, *, discriminator: str | None = None,
             model_name: Callable[[type], str] | None = None, code: Callable[[str], str] = _plain,
             optional: bool = False) -> str:
    """What a field accepts, in words: 'a number from 0 to 1', 'a list of at least 1 mapping (...)'.

    ``field`` supplies the constraints (bounds, lengths, pattern); ``discriminator`` names a tagged
    union's key when the annotation alone does not carry it. ``model_name`` names nested models
    (``lambda m: f"`{m.__name__}`"``); without it they are spelled out by their keys, or by their
    tags for a tagged union. ``code`` marks up literal values and keys. ``optional=True`` adds
    ", or not set" when the field may be left out as null.
    """
    bare, found, limits = _strip(annotation)
    limits = {**limits, **(_limits_of(field.metadata) if field is not None else {})}
    text, countable = _noun(bare, limits, discriminator or found, _Style(model_name, code), plural=False)
    if countable:
        text = f"a {text}"
    if optional and is_optional(annotation):
        text += ", or not set"
    return text


def describe_field(field: FieldInfo, **style: Any) -> str:
    """``describe`` for a declared field (its annotation and its constraints)."""
    discriminator = field.discriminator if isinstance(field.discriminator, str) else None
    return describe(field.annotation, field, discriminator=discriminator, **style)


__all__ = [
    "CONSTRAINTS", "NumberRange", "REQUIRED", "constraints", "default_value", "describe",
    "describe_field", "is_model", "is_optional", "literal_values", "models_in", "number_range",
    "number_text", "range_words", "source", "tags", "union_members", "unit", "unit_note", "unwrap",
]
