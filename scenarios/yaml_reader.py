"""Reading YAML safely: one loader for scenario files and ``--set`` values, and its messages.

``ScenarioLoader`` is PyYAML's safe loader made stricter where plain YAML surprises people or crashes:

- a key written twice in one mapping is refused (plain YAML keeps the last value silently);
- nesting deeper than ``MAX_DEPTH`` levels is refused (the composer is recursive, so a file nested
  tens of thousands of levels deep would otherwise end in a RecursionError);
- a value its tag cannot build (``!!int abc``, ``!!bool maybe``, ``!!timestamp abc``, a whole
  number of thousands of digits) is refused with its line, column and field, not a traceback;
- YAML 1.1's base-60 numbers (``1:30`` read as 90) and leading-zero octals (``010`` read as 8)
  are not numbers here: they stay text, which the schema then refuses where a number is expected.
  Exponents without a dot (``1e-5``) are read as numbers, as YAML 1.2 reads them.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml

from stakesim.scenarios.errors import ScenarioError
from stakesim.scenarios.files import read_text
from stakesim.scenarios.wording import clip, clip_path, kind_of
from stakesim.simulator.schema import Scenario

MAX_DEPTH = 100  # levels of nesting; a scenario file needs about six

_TAG_WORDS = {
    "int": "a whole number", "float": "a number", "bool": "true or false", "timestamp": "a date",
    "binary": "base64-encoded binary data", "str": "text", "null": "null", "seq": "a list",
    "map": "a mapping", "set": "a set", "omap": "an ordered mapping", "pairs": "a list of pairs",
}

_INT = re.compile(r"""^(?:[-+]?0b[0-1_]+
                    |[-+]?0x[0-9a-fA-F_]+
                    |[-+]?(?:0|[1-9][0-9_]*))$""", re.X)
_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
                    |[-+]?\.[0-9][0-9_]*(?:[eE][-+]?[0-9]+)?
                    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X)
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"


class NestingError(yaml.composer.ComposerError):
    """The document nests deeper than MAX_DEPTH levels; ``under`` names where the nesting starts."""

    def __init__(self, *args, under: str = ""):
        super().__init__(*args)
        self.under = under


class ScenarioLoader(yaml.SafeLoader):
    """The safe loader with unique keys, a nesting limit, no base-60 numbers and caught tag failures.

    After a failure, ``failed_node`` is the node at fault (when known), so the message can name its
    field; ``path`` holds the keys and indices of the node being composed.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self.path: list[Any] = []
        self.failed_node: yaml.Node | None = None
        self.one_line = isinstance(stream, str) and "\n" not in stream.strip()

    # ---------------------------------------------------------------- composing (the node tree)
    def compose_node(self, parent, index):
        if len(self.path) >= MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise NestingError(None, None, f"the data is nested more than {MAX_DEPTH} levels deep",
                               mark, under=_path_label(self.path))
        if isinstance(index, yaml.ScalarNode):
            step: Any = index.value
        elif isinstance(index, int) or index is None:
            step = index
        else:
            step = "?"
        self.path.append(step)
        try:
            return super().compose_node(parent, index)
        finally:
            self.path.pop()

    # ---------------------------------------------------------------- constructing (Python values)
    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            if self.failed_node is None:
                self.failed_node = node
            raise
        except RecursionError:
            raise
        except Exception as exc:  # a tag's constructor failed: int('abc'), a bool table lookup, ...
            if self.failed_node is None:
                self.failed_node = node
            raise yaml.constructor.ConstructorError(None, None, _why(node, exc), node.start_mark) from None


def _why(node: yaml.Node, exc: Exception) -> str:
    tag = str(node.tag)
    short = tag.rsplit(":", 1)[-1]
    words = _TAG_WORDS.get(short, f"a value tagged {tag}")
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    if tag == _INT_TAG and isinstance(value, str):
        digits = sum(ch.isdigit() for ch in value)
        limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 4300
        if limit and digits > limit:
            return f"a whole number of {digits} digits is too long to read (at most {limit} digits)"
    if value is None:
        return f"cannot read this value as {words} (!!{short})"
    return f"cannot read {clip(value)!r} as {words} (!!{short})"


def _construct_unique_mapping(loader: ScenarioLoader, node: yaml.MappingNode, deep: bool = False):
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
            loader.failed_node = key_node
            first = "" if loader.one_line else f" (first at line {seen + 1})"
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{clip(key)}' appears twice in one mapping{first}; keep one",
                key_node.start_mark)
        first_line[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


ScenarioLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)

# Implicit number resolvers without YAML 1.1's base-60 and leading-zero octal forms.
ScenarioLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_INT_TAG, _FLOAT_TAG)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
ScenarioLoader.add_implicit_resolver(_FLOAT_TAG, _FLOAT, list("-+0123456789."))
ScenarioLoader.add_implicit_resolver(_INT_TAG, _INT, list("-+0123456789"))


# --------------------------------------------------------------------------- where a node is
def _node_path(root: yaml.Node | None, target: yaml.Node | None, base: str = "") -> str:
    """The field a node sits at, as ``stakeholders[2].population`` ('' when not found)."""
    if root is None or target is None:
        return ""
    stack: list[tuple[yaml.Node, str]] = [(root, base)]
    seen: set[int] = set()
    while stack:
        node, label = stack.pop()
        if node is target:
            return label
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, f"{label}[{i}]") for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = clip(key_node.value, 40) if isinstance(key_node, yaml.ScalarNode) else "?"
                child_label = f"{label}.{key}" if label else str(key)
                if key_node is target:
                    return child_label
                stack.append((value_node, child_label))
    return ""


def _path_label(path: list[Any], steps: int = 3) -> str:
    """The first few keys and indices of a composing path: 'name[0][0]...'."""
    label = ""
    shown = [step for step in path[1:] if step is not None]  # the first entry is the document
    for step in shown[:steps]:
        label += f"[{step}]" if isinstance(step, int) else (f".{clip(step, 40)}" if label else clip(step, 40))
    return label + ("..." if len(shown) > steps else "")


# --------------------------------------------------------------------------- reading
def _unprintable(exc: yaml.reader.ReaderError, text: str) -> str:
    """A character YAML does not allow, by code point and place (never the text around it)."""
    position = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = f"#x{exc.character:04x}" if isinstance(exc.character, int) else "a character"
    return (f"malformed YAML at line {line}, column {column}: the control character {character} is "
            f"not allowed in a YAML file")


def _problem(exc: yaml.YAMLError, loader: ScenarioLoader, root: yaml.Node | None, base: str) -> str:
    """A YAML failure as 'what at line L, column C: field: problem', without quoting the file."""
    mark = getattr(exc, "problem_mark", None)
    where = ""
    if mark is not None:
        where = (f" at column {mark.column + 1}" if loader.one_line
                 else f" at line {mark.line + 1}, column {mark.column + 1}")
    problem = getattr(exc, "problem", None) or "the text cannot be read as YAML"
    context = getattr(exc, "context", None)
    if context and problem.startswith("but "):  # "expected a single document in the stream, but ..."
        problem = f"{context}, {problem}"
    problem = clip(problem, 160)
    if isinstance(exc, NestingError):
        under = ".".join(part for part in (base, exc.under) if part).replace(".[", "[")
        return f"nesting too deep{where}{f' (under {under})' if under else ''}: {problem}; " \
               f"a scenario needs only a few levels"
    if isinstance(exc, yaml.constructor.ConstructorError):
        field = _node_path(root, loader.failed_node, base)
        return f"invalid YAML{where}: {f'{field}: ' if field else ''}{problem}"
    return f"malformed YAML{where}: {problem}"


def parse_yaml(text: str, where: str, base: str = "") -> Any:
    """The data in ``text``, read with ``ScenarioLoader``; any failure is a ScenarioError naming ``where``.

    ``base`` is the field the text is the value of (for a ``--set`` value), so messages name fields
    from the scenario's top level.
    """
    try:
        loader = ScenarioLoader(text)
    except yaml.reader.ReaderError as exc:  # the whole text is checked for forbidden characters first
        raise ScenarioError(f"{where}: {_unprintable(exc, text)}") from None
    root = None
    try:
        root = loader.get_single_node()
        return loader.construct_document(root) if root is not None else None
    except yaml.reader.ReaderError as exc:
        raise ScenarioError(f"{where}: {_unprintable(exc, text)}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{where}: {_problem(exc, loader, root, base)}") from None
    except RecursionError:  # a last resort: the depth limit should make this unreachable
        raise ScenarioError(f"{where}: the data is nested too deeply to read") from None
    finally:
        loader.dispose()


def _required_keys() -> list[str]:
    return [name for name, info in Scenario.model_fields.items() if info.is_required()]


def read_yaml(path: str | Path) -> dict[str, Any]:
    """A scenario file's top-level mapping; any reading or parsing failure becomes a ScenarioError."""
    where = clip_path(path)
    data = parse_yaml(read_text(Path(path)), where)
    shape = "a YAML mapping with at least the keys " + ", ".join(_required_keys())
    if data is None:
        raise ScenarioError(f"{where}: the file is empty; a scenario file must be {shape}")
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: a scenario file must be {shape}; this one holds {kind_of(data)}")
    return data


def read_value(raw: str, where: str, path: str = "") -> Any:
    """A ``--set`` value, read as YAML with the same loader as files ('' is null).

    ``where`` names the assignment in messages and ``path`` is the field it sets.
    """
    if not raw.strip():
        return None
    try:
        return parse_yaml(raw, "value", base=path)
    except ScenarioError as exc:
        problem = str(exc).removeprefix("value: ")
        shown = f" '{clip(raw)}'" if len(raw) <= 40 else ""  # a long one is already in the assignment
        raise ScenarioError(f"{where}: cannot read the value{shown}: {problem}; values are read "
                            f"as YAML (0.4, true, some text, [a, b], {{key: value}})") from None
