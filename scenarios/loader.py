"""Find, read, override and validate scenario files, turning every failure into one clear message."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from difflib import get_close_matches
from typing import Any, Iterable, get_args

import yaml
from pydantic import BaseModel, ValidationError

from scenarios.schema import Scenario

BUILTIN_PACKAGE = "scenarios.builtin"


class ScenarioError(ValueError):
    """Bad scenario input; its message names the file and the field and says what is allowed."""


def builtin_names() -> list[str]:
    folder = resources.files(BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    return Path(str(resources.files(BUILTIN_PACKAGE) / f"{name}.yaml"))


def resolve_path(name_or_path: str | Path) -> Path:
    """A built-in scenario's name, or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise ScenarioError(f"{candidate}: no such scenario file")
        return candidate
    if str(name_or_path) in builtin_names():
        return builtin_path(str(name_or_path))
    raise ScenarioError(
        f"'{name_or_path}' is neither a scenario file nor a built-in scenario; built-ins: "
        f"{', '.join(builtin_names())}")


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = ""
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{path}: malformed YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file must be a YAML mapping (keys such as name, "
                            f"project, stakeholders), not {type(data).__name__}")
    return data


# --------------------------------------------------------------------------- --set overrides
def _step_into(node: Any, key: str, where: str) -> tuple[Any, Any]:
    """Return (container, index) for ``key`` inside ``node``; list items by index, id or name."""
    if isinstance(node, dict):
        return node, key
    if isinstance(node, list):
        if key.lstrip("-").isdigit():
            index = int(key)
            if not -len(node) <= index < len(node):
                raise ScenarioError(f"--set: {where} has {len(node)} items; index {index} is out of range")
            return node, index
        for i, item in enumerate(node):
            if isinstance(item, dict) and key in (item.get("id"), item.get("name")):
                return node, i
        labels = [str(item.get("id", item.get("name"))) for item in node if isinstance(item, dict)]
        raise ScenarioError(f"--set: {where} has no item with id or name '{key}'; "
                            f"use an index or one of: {', '.join(labels)}")
    raise ScenarioError(f"--set: {where} is a value, not a section; it has no '{key}'")


def apply_override(data: dict[str, Any], assignment: str) -> None:
    """Apply ``dotted.path=value`` (value parsed as YAML) to raw scenario data, in place."""
    if "=" not in assignment:
        raise ScenarioError(f"--set '{assignment}': expected dotted.path=value, "
                            f"for example parameters.trust_loss_rate=0.4")
    path, _, raw = assignment.partition("=")
    keys = [k for k in path.strip().split(".")]
    if not path.strip() or any(not k for k in keys):
        raise ScenarioError(f"--set '{assignment}': the path before '=' is empty or has an empty part")
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        raise ScenarioError(f"--set '{assignment}': cannot read the value '{raw}'") from None
    node: Any = data
    where = "the scenario"
    for key in keys[:-1]:
        container, index = _step_into(node, key, where)
        if isinstance(container, dict) and index not in container:
            container[index] = {}
        node = container[index]
        where = f"{where} > {key}"
    container, index = _step_into(node, keys[-1], where)
    container[index] = value


# --------------------------------------------------------------------------- validation messages
def _describe_location(data: dict[str, Any], loc: tuple) -> str:
    """Turn pydantic's location into ``stakeholders[2] (id 'x').population``."""
    parts: list[str] = []
    node: Any = data
    for item in loc:
        if isinstance(item, int):
            label = f"[{item}]"
            if isinstance(node, list) and 0 <= item < len(node):
                node = node[item]
                if isinstance(node, dict) and ("id" in node or "name" in node):
                    label += f" ({'id' if 'id' in node else 'name'} '{node.get('id', node.get('name'))}')"
            else:
                node = None
            parts.append(label)
            continue
        if isinstance(node, dict) and item in node:
            node = node[item]
        elif isinstance(node, dict) and node.get("type") == item:
            continue  # the discriminator tag pydantic puts in the location
        else:
            node = None
        parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that owns the mapping at ``loc`` (so we can list its allowed keys)."""
    model: Any = Scenario
    for item in loc:
        if isinstance(item, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel) and item in model.model_fields:
            model = model.model_fields[item].annotation
        else:
            candidates = [m for m in _models_in(model) if item in _tag_of(m)]
            if not candidates:
                return None
            model = candidates[0]
            continue
        models = _models_in(model)
        model = models[0] if len(models) == 1 else model
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _tag_of(model: type[BaseModel]) -> tuple:
    field = model.model_fields.get("type")
    return get_args(field.annotation) if field is not None else ()


def format_validation_error(path: Path | str, data: dict[str, Any], error: ValidationError) -> str:
    lines = []
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            field_name = loc[-1]
            where = _describe_location(data, loc[:-1])
            owner = _model_at(loc[:-1])
            msg = f"unknown key '{field_name}'"
            if owner is not None:
                allowed = list(owner.model_fields)
                close = get_close_matches(str(field_name), allowed, n=1)
                if close:
                    msg += f" (did you mean '{close[0]}'?)"
                msg += f"; allowed keys: {', '.join(allowed)}"
            lines.append(f"{where}: {msg}" if loc[:-1] else msg)
            continue
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        if err["type"] == "missing":
            msg = "required key is missing"
        elif "input" in err and err["type"] not in ("union_tag_invalid",):
            shown = err["input"]
            if not isinstance(shown, (dict, list)):
                msg = f"{msg} (got {shown!r})"
        lines.append(f"{_describe_location(data, loc)}: {msg}")
    head = f"{path}: invalid scenario"
    if len(lines) == 1:
        return f"{head}: {lines[0]}"
    return head + ":\n" + "\n".join(f"  - {line}" for line in lines)


def validate(data: dict[str, Any], origin: Path | str = "<scenario>") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(origin, data, exc)) from None


def load_scenario(name_or_path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Read a built-in or file scenario, apply ``--set`` overrides, and validate it."""
    path = resolve_path(name_or_path)
    data = read_yaml(path)
    for assignment in overrides:
        apply_override(data, assignment)
    return validate(data, path)


def dump_scenario(scenario: Scenario) -> str:
    """YAML that loads back to an equal scenario."""
    return yaml.safe_dump(scenario.model_dump(mode="json", exclude_none=True), sort_keys=False)
