"""Find, read, override and validate scenario files, turning every failure into one clear message.

A scenario author should learn from the message alone which file is wrong, which field, and what
would be accepted there, so every failure here becomes a ``ScenarioError`` whose text says all
three; the CLI prints it and exits with code 2 instead of showing a traceback. What a field
accepts (type, range, unit, allowed values, allowed keys) is read from the schema, never repeated.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from difflib import get_close_matches
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from stakesim.simulator.schema import ID_PATTERN, Scenario

BUILTIN_PACKAGE = "stakesim.scenarios.builtin"
MAX_LISTED_ERRORS = 12  # beyond this a message stops helping; the rest are counted, not listed


class ScenarioError(ValueError):
    """Bad scenario input; its message names the file and the field and says what is allowed."""


# --------------------------------------------------------------------------- finding the file
def builtin_names() -> list[str]:
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    return Path(str(resources.files(BUILTIN_PACKAGE) / f"{name}.yaml"))


def resolve_path(name_or_path: str | Path) -> Path:
    """A built-in scenario's name, or a path to a YAML file (an existing file wins over a name)."""
    candidate = Path(name_or_path)
    names = builtin_names()
    if candidate.is_file():
        return candidate
    if str(name_or_path) in names:
        return builtin_path(str(name_or_path))
    allowed = f"give the path to a .yaml file or a built-in scenario name ({', '.join(names)})"
    if candidate.is_dir():
        raise ScenarioError(f"{candidate}: is a folder, not a scenario file; {allowed}")
    if candidate.suffix in (".yaml", ".yml") or len(candidate.parts) > 1:
        raise ScenarioError(f"{candidate}: no such scenario file; {allowed}")
    raise ScenarioError(f"'{name_or_path}' is neither a scenario file nor a built-in scenario"
                        f"{_did_you_mean(str(name_or_path), names)}; {allowed}")


# --------------------------------------------------------------------------- reading YAML
class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping.

    Plain YAML keeps the last value silently, so a scenario could run with a value its author
    did not mean; a repeated key is almost always a copy-paste slip.
    """


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # '<<' merges may be overridden by explicit keys: that is what they are for
        key = loader.construct_object(key_node, deep=True)
        try:
            seen = first_line.get(key)
        except TypeError:  # an unhashable key; the constructor reports it properly below
            continue
        if seen is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' appears twice in one mapping (first at line {seen + 1}); "
                            f"keep one", key_node.start_mark)
        first_line[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)


def _required_keys(model: type[BaseModel]) -> list[str]:
    return [name for name, info in model.model_fields.items() if info.is_required()]


def read_yaml(path: Path) -> dict[str, Any]:
    """The file's top-level mapping; any reading or parsing failure becomes a ScenarioError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a folder, not a scenario file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file; a scenario is a YAML text file") from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        what = "invalid YAML" if isinstance(exc, yaml.constructor.ConstructorError) else "malformed YAML"
        raise ScenarioError(f"{path}: {what}{where}: {problem}") from None
    shape = ("a YAML mapping with at least the keys " + ", ".join(_required_keys(Scenario)))
    if data is None:
        raise ScenarioError(f"{path}: the file is empty; a scenario file must be {shape}")
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file must be {shape}; this one holds {_show(data)}")
    return data


# --------------------------------------------------------------------------- --set overrides
def _item_label(item: Any) -> str | None:
    """How a list item is named in a --set path: its id, else its name, else its type."""
    if isinstance(item, dict):
        return next((str(item[k]) for k in ("id", "name", "type") if item.get(k) is not None), None)
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
            allowed += f", or one of: {', '.join(labels)}"
        if key.lstrip("-").isdigit():
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
        raise ScenarioError(f"{where} has no item with id or name '{key}'"
                            f"{_did_you_mean(key, labels)}; {allowed}")
    raise ScenarioError(f"{where} is a single value ({_show(node)}), not a section, so it has no "
                        f"'{key}'")


def _apply(data: dict[str, Any], assignment: str) -> tuple:
    """Apply one ``--set`` and return the location it set, as (key or index, ...)."""
    example = "for example parameters.trust_loss_rate=0.4 or stakeholders.municipality.capacity=0.8"
    if "=" not in assignment:
        raise ScenarioError(f"--set '{assignment}': expected PATH=VALUE, {example}")
    path, _, raw = assignment.partition("=")
    keys = path.strip().split(".")
    if any(not k.strip() for k in keys):
        raise ScenarioError(f"--set '{assignment}': the path before '=' is empty or has an empty part; "
                            f"PATH is keys, ids or indices joined by dots, {example}")
    keys = [k.strip() for k in keys]
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError(f"--set '{assignment}': cannot read the value '{raw}'; values are read "
                            f"as YAML (0.4, true, some text, [a, b], {{key: value}})") from None
    node: Any = data
    location: list = []
    for depth, key in enumerate(keys):
        where = ".".join(keys[:depth]) or "the top level"
        try:
            container, index = _step_into(node, key, where)
        except ScenarioError as exc:
            raise ScenarioError(f"--set '{assignment}': {exc}") from None
        location.append(index)
        if depth == len(keys) - 1:
            container[index] = value
        else:
            if isinstance(container, dict) and container.get(index) is None:
                container[index] = {}  # a section the file leaves out (or leaves empty)
            node = container[index]
    return tuple(location)


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply ``dotted.path=value`` (value parsed as YAML) to raw scenario data, in place.

    List items are reached by index or by their ``id`` or ``name``, so
    ``stakeholders.municipality.capacity=0.8`` and ``project.phases.construction.duration=12`` work.
    """
    _apply(data, assignment)


# --------------------------------------------------------------------------- reading the schema
def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _show(value: Any) -> str:
    """A value as the user wrote it, short."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _unwrap(annotation: Any) -> tuple[Any, str | None]:
    """Strip ``Annotated`` and ``Optional``; return the annotation and any union discriminator."""
    discriminator = None
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            base, *metadata = get_args(annotation)
            for meta in metadata:
                if isinstance(getattr(meta, "discriminator", None), str):
                    discriminator = meta.discriminator
            annotation = base
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation, discriminator
            annotation = members[0]
        else:
            return annotation, discriminator


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _union_members(annotation: Any) -> list[Any]:
    annotation, _ = _unwrap(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return []


def _tags(model: Any, discriminator: str | None) -> tuple:
    """The values of a union member's discriminator field (its ``type: Literal[...]``)."""
    if not _is_model(model):
        return ()
    info = model.model_fields.get(discriminator or "type")
    if info is None:
        return ()
    annotation, _ = _unwrap(info.annotation)
    return get_args(annotation) if get_origin(annotation) is Literal else ()


@dataclass
class _Place:
    """Where a pydantic error location points, in the user's words and in the schema."""

    label: str                    # e.g. "stakeholders[2] (id 'town').population"
    location: tuple               # the location without pydantic's union-branch tags
    annotation: Any               # the schema type expected there (None if unknown)
    field: FieldInfo | None       # the field declared there, when the location ends on a key
    discriminator: str | None     # the tag key, when a tagged union is expected there


def _locate(data: Any, loc: Iterable) -> _Place:
    annotation: Any = Scenario
    discriminator: str | None = None
    field: FieldInfo | None = None
    node: Any = data
    label = ""
    location: list = []
    for item in loc:
        annotation, found = _unwrap(annotation)
        discriminator = found or discriminator
        members = _union_members(annotation)
        if members and isinstance(item, str):
            if not any(_is_model(m) for m in members):
                continue  # pydantic names the branch of ``int | Literal[...]`` it tried: same field
            branch = [m for m in members if item in _tags(m, discriminator)
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
                key = next((k for k in ("id", "name", "type") if isinstance(node, dict) and k in node), None)
                if key is not None:
                    label += f" ({key} '{node[key]}')"
            else:
                node = None
        else:
            if _is_model(annotation) and item in annotation.model_fields:
                field = annotation.model_fields[item]
                annotation = field.annotation
                discriminator = field.discriminator if isinstance(field.discriminator, str) else None
            else:
                annotation = None
            label += ("." if label else "") + str(item)
            node = node.get(item) if isinstance(node, dict) else None
        location.append(item)
    annotation, found = _unwrap(annotation)
    return _Place(label, tuple(location), annotation, field, found or discriminator)


def _constraints(field: FieldInfo | None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for meta in field.metadata if field is not None else ():
        for name in ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern"):
            value = getattr(meta, name, None)
            if value is not None:
                found[name] = value
    return found


def _range(limits: dict[str, Any]) -> str:
    low = ("ge", limits["ge"]) if "ge" in limits else ("gt", limits["gt"]) if "gt" in limits else None
    high = ("le", limits["le"]) if "le" in limits else ("lt", limits["lt"]) if "lt" in limits else None
    if low and high and low[0] == "ge" and high[0] == "le":
        return f" from {_number(low[1])} to {_number(high[1])}"
    words = {"ge": "at least", "gt": "above", "le": "at most", "lt": "below"}
    parts = [f"{words[bound[0]]} {_number(bound[1])}" for bound in (low, high) if bound]
    return (" " + " and ".join(parts)) if parts else ""


def _describe(annotation: Any, field: FieldInfo | None = None, discriminator: str | None = None) -> str:
    """What a field accepts, in words: 'a number from 0 to 1 (unit: probability)'."""
    annotation, found = _unwrap(annotation)
    discriminator = discriminator or found
    origin = get_origin(annotation)
    limits = _constraints(field)
    if origin is Literal:
        return "one of " + ", ".join(str(v) for v in get_args(annotation))
    members = _union_members(annotation)
    if members:
        if all(_is_model(m) for m in members):
            key = discriminator or "type"
            tags = [str(t) for m in members for t in _tags(m, key)]
            return f"a mapping whose '{key}' is one of {', '.join(tags)}"
        return " or ".join(_describe(m) for m in members)
    if _is_model(annotation):
        return "a mapping with the keys " + ", ".join(annotation.model_fields)
    extra = field.json_schema_extra if field is not None and isinstance(field.json_schema_extra, dict) else {}
    unit = f" (unit: {extra['unit']})" if extra.get("unit") else ""
    if annotation is bool:
        return "true or false"
    if annotation in (int, float):
        kind = "a whole number" if annotation is int else "a number"
        return kind + _range(limits) + unit
    if annotation is str:
        if limits.get("pattern") == ID_PATTERN:
            return "text that starts with a letter and has only letters, digits, '_' and '-'"
        return "text" + (f" matching {limits['pattern']}" if "pattern" in limits else "")
    if origin is list:
        items = get_args(annotation)
        what = "a list"
        if items:
            item = _describe(items[0])
            what += (" of mappings" + item.removeprefix("a mapping") if item.startswith("a mapping")
                     else f" whose items are each {item}")
        if "min_length" in limits:
            what += f" (at least {limits['min_length']} item{'s' if limits['min_length'] != 1 else ''})"
        return what
    if origin is tuple:
        items = get_args(annotation)
        if items and items[-1] is not Ellipsis:
            return f"a list of exactly {len(items)} items, each {_describe(items[0])}"
        return "a list"
    if origin is dict:
        return "a mapping"
    return getattr(annotation, "__name__", str(annotation))


# --------------------------------------------------------------------------- validation messages
_RANGE_ERRORS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}
_LENGTH_ERRORS = {"too_short", "too_long", "string_too_short", "string_too_long"}


def _explain(data: dict[str, Any], err: dict[str, Any]) -> tuple[tuple, str]:
    """One pydantic error as (location without branch tags, 'where: what is wrong; allowed: ...')."""
    kind, loc = err["type"], tuple(err["loc"])
    value = err.get("input")
    msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "extra_forbidden":
        owner = _locate(data, loc[:-1])
        key = str(loc[-1])
        where = f"{owner.label}: unknown key" if owner.label else "unknown top-level key"
        text = f"{where} '{key}'"
        if _is_model(owner.annotation):
            allowed = list(owner.annotation.model_fields)
            text += f"{_did_you_mean(key, allowed)}; allowed keys: {', '.join(allowed)}"
        return owner.location + (loc[-1],), text
    place = _locate(data, loc)
    where = place.label
    if kind == "missing" and loc and isinstance(loc[-1], int):  # a fixed-length list is short
        whole = _locate(data, loc[:-1])
        allowed = _describe(whole.annotation, whole.field)
        return whole.location, f"{whole.label}: too few items; it must be {allowed}"
    if kind == "missing":
        section = _locate(data, loc[:-1]).label or "the top level"
        text = f"{section}: missing required key '{loc[-1]}'"
        if place.annotation is not None:
            text += f"; it must be {_describe(place.annotation, place.field, place.discriminator)}"
        return place.location, text
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        key = place.discriminator or str(err.get("ctx", {}).get("discriminator", "type")).strip("'")
        tags = [str(t) for m in _union_members(place.annotation) for t in _tags(m, key)]
        if kind == "union_tag_invalid":
            tag = str(err["ctx"]["tag"])
            problem = f"unknown {key} '{tag}'{_did_you_mean(tag, tags)}"
        else:
            problem = f"missing required key '{key}'" if isinstance(value, dict) else \
                f"expected a mapping with a '{key}' key, got {_show(value)}"
        return place.location, f"{where}: {problem}; allowed {key}s: {', '.join(tags)}"
    if kind in ("value_error", "assertion_error"):  # the schema's own checks word their message
        return place.location, f"{where}: {msg}" if where else msg
    if place.annotation is None:  # not in the schema: pydantic's words are the best we have
        shown = "" if "input" not in err else f" (got {_show(value)})"
        return place.location, f"{where}: {msg}{shown}" if where else f"{msg}{shown}"
    allowed = _describe(place.annotation, place.field, place.discriminator)
    if _union_members(place.annotation):  # each branch of ``int | Literal[...]`` reports alike
        return place.location, f"{where}: expected {allowed}, got {_show(value)}"
    if kind == "literal_error":
        choices = get_args(place.annotation) if get_origin(place.annotation) is Literal else ()
        problem = f"{_show(value)} is not allowed{_did_you_mean(str(value), choices)}"
    elif kind in _RANGE_ERRORS:
        problem = f"{_show(value)} is out of range"
    elif kind in _LENGTH_ERRORS:
        length = err.get("ctx", {}).get("actual_length")
        problem = f"has {length} items" if length is not None else f"{_show(value)} has the wrong length"
    elif kind == "string_pattern_mismatch":
        problem = f"{_show(value)} is not allowed"
    else:  # a value of the wrong type
        return place.location, f"{where}: expected {allowed}, got {_show(value)}"
    return place.location, f"{where}: {problem}; allowed: {allowed}"


def _override_note(location: tuple, overrides: dict[tuple, str]) -> str:
    """Which ``--set`` put the offending value there, or changed the section or scenario around it."""
    notes = []
    for target, assignment in overrides.items():
        section = target[:-1]
        if location[:len(target)] == target:
            notes.append(f"value from --set '{assignment}'")
        elif target[:len(location)] == location or (section and location[:len(section)] == section):
            notes.append(f"after --set '{assignment}'")
    return f" ({'; '.join(notes)})" if notes else ""


def format_validation_error(path: Path | str, data: dict[str, Any], error: ValidationError,
                            overrides: dict[tuple, str] | None = None) -> str:
    """One message for all of a file's errors: the file, then each field, problem and allowed values.

    ``overrides`` maps the locations ``--set`` assigned to the assignment, so a bad value that
    came from the command line says so.
    """
    lines: list[str] = []
    for err in error.errors(include_url=False):
        location, text = _explain(data, err)
        line = text + _override_note(location, overrides or {})
        if line not in lines:  # a scalar union reports each branch; they explain the same field
            lines.append(line)
    head = f"{path}: invalid scenario"
    if len(lines) == 1:
        return f"{head}: {lines[0]}"
    shown = lines[:MAX_LISTED_ERRORS]
    more = len(lines) - len(shown)
    tail = [f"  ... and {more} more"] if more else []
    return "\n".join([f"{head} ({len(lines)} problems):", *(f"  - {line}" for line in shown), *tail])


def _validate(data: dict[str, Any], origin: Path | str, overrides: dict[tuple, str]) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(origin, data, exc, overrides)) from None


def validate(data: dict[str, Any], origin: Path | str = "<scenario>") -> Scenario:
    """Raw scenario data to a Scenario; ``origin`` names the file in the error message."""
    return _validate(data, origin, {})


def load_scenario(name_or_path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read a built-in or file scenario, apply ``--set`` overrides, and validate it."""
    path = resolve_path(name_or_path)
    data = read_yaml(path)
    assigned: dict[tuple, str] = {}
    for assignment in overrides:
        try:
            assigned[_apply(data, assignment)] = assignment
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {exc}") from None
    return _validate(data, path, assigned)


def dump_scenario(scenario: Scenario) -> str:
    """YAML that loads back to an equal scenario (every value written out, defaults included)."""
    return yaml.safe_dump(scenario.model_dump(mode="json", exclude_none=True), sort_keys=False,
                          allow_unicode=True)
