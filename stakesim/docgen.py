"""Write ``docs/parameters.md`` from the places where parameters are declared.

A parameter's default, range, unit, meaning and source are declared once: global parameters in
``simulator/parameters.py`` and scenario fields in the pydantic models of ``simulator/schema.py``.
This module only reads those declarations, so the parameter table cannot drift from the code;
``--check`` (run by the tests) says when the committed file is stale.

Usage::

    python -m stakesim.docgen            # (re)write docs/parameters.md
    python -m stakesim.docgen --check    # exit 1 if docs/parameters.md is out of date

To document another schema model (an intervention's spec, say), add a ``Section`` to
``SCHEMA_SECTIONS``; its fields are read from the model, nothing else is needed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from stakesim.simulator import introspection, schema
from stakesim.simulator.parameters import PARAMETERS, Parameter

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "parameters.md"
COMMAND = "python -m stakesim.docgen"


@dataclass(frozen=True)
class Section:
    """One table of the generated file: a title, the schema model it documents, and a short note."""

    title: str
    model: type[BaseModel]
    note: str = ""


# The schema models documented, in order. Append a Section to document a new model.
SCHEMA_SECTIONS: list[Section] = [
    Section("Scenario (top level)", schema.Scenario,
            "The keys of a scenario file. Global parameters go under `parameters:` by name."),
    Section("Project (`project:`)", schema.ProjectSpec,
            "Phases must appear at most once each and in life-cycle order."),
    Section("Phase (`project.phases[]`)", schema.PhaseSpec,
            "Per-month conditions while the phase runs; an inactive project (blocked, suspended "
            "or finished) has no impact, jobs, revenue or complexity."),
    Section("Stakeholder: company (`type: company`)", schema.CompanySpec,
            "Exactly one per scenario."),
    Section("Stakeholder: local government (`type: local_government`)", schema.LocalGovernmentSpec,
            "At least one per scenario; their `revenue_share` values add up to at most 1."),
    Section("Stakeholder: community (`type: community`)", schema.CommunitySpec,
            "At least one per scenario."),
    Section("Stakeholder: civil-society organisation (`type: cso`)", schema.CSOSpec),
    Section("Tie (`ties[]`)", schema.TieSpec,
            "An explicit edge of the relationship graph; both ends must be stakeholder ids."),
    Section("Generated ties (`random_ties[]`)", schema.RandomTiesSpec),
]

# Models whose fields are documented elsewhere in the file (the global parameter table), and how
# a field holding one names it.
DOCUMENTED_ELSEWHERE: dict[type, str] = {
    schema.ParametersSpec: "global parameters by name, see the first table",
}

_NONE = "—"


# --------------------------------------------------------------------------- formatting helpers
def _number(value: float | int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return f"{value:g}"


def _cell(text: str) -> str:
    """Make text safe for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|") or _NONE


def _code(text: str) -> str:
    return f"`{text}`"


def _default(field: FieldInfo) -> str:
    value = introspection.default_value(field)
    if value is introspection.REQUIRED:
        return "**required**"
    if value is None:
        return "not set"
    if isinstance(value, BaseModel):
        return "all defaults"
    if isinstance(value, (list, tuple, dict)) and not value:
        return _code("[]" if not isinstance(value, dict) else "{}")
    if isinstance(value, (int, float)):
        return _code(_number(value))
    if isinstance(value, str):
        return _code(value) if value else "empty"
    return _code(repr(value))


def _model_name(model: type) -> str:
    if model in DOCUMENTED_ELSEWHERE:
        return DOCUMENTED_ELSEWHERE[model]
    return f"`{model.__name__}`"


def accepts(field: FieldInfo) -> str:
    """The 'range / allowed values' cell: the words messages use, with models named by their table."""
    return introspection.describe_field(field, model_name=_model_name, code=_code, optional=True)


def _extra(field: FieldInfo, key: str) -> str:
    """The field's declared unit or source, or "—"."""
    return (introspection.unit(field) if key == "unit" else introspection.source(field)) or _NONE


# --------------------------------------------------------------------------- tables
HEADER = ("| name | default | range / allowed values | unit | meaning | source |\n"
          "| --- | --- | --- | --- | --- | --- |")


def _row(*cells: str) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def parameter_row(p: Parameter) -> str:
    """A global parameter's row; its allowed values are worded from its schema field."""
    field = schema.ParametersSpec.model_fields[p.name]
    allowed = introspection.describe_field(field, code=_code)  # every parameter may be left out
    return _row(_code(p.name), _code(_number(p.default)), allowed, p.unit, p.doc, p.source)


def field_row(name: str, field: FieldInfo) -> str:
    return _row(_code(name), _default(field), accepts(field), _extra(field, "unit"),
                field.description or _NONE, _extra(field, "source"))


def global_parameters_section() -> str:
    groups: dict[str, list[Parameter]] = {}
    for p in PARAMETERS.values():
        groups.setdefault(p.group, []).append(p)
    parts = ["## Global parameters",
             "",
             "Declared in `simulator/parameters.py`. Set them in a scenario file under "
             "`parameters:` (e.g. `parameters: {trust_loss_rate: 0.4}`) or on the command line "
             "with `stakesim run default --set parameters.trust_loss_rate=0.4`.",
             ""]
    for group, members in groups.items():
        parts += [f"### {group.capitalize()}", "", HEADER, *(parameter_row(p) for p in members), ""]
    return "\n".join(parts)


def schema_section(section: Section) -> str:
    parts = [f"### {section.title}", ""]
    if section.note:
        parts += [section.note, ""]
    parts += [f"Model: `{section.model.__module__}.{section.model.__name__}`.", "", HEADER]
    parts += [field_row(name, field) for name, field in section.model.model_fields.items()]
    return "\n".join(parts) + "\n"


def reachable_models(root: type[BaseModel] = schema.Scenario) -> list[type[BaseModel]]:
    """Every schema model a scenario file can contain, in the order a reader meets them."""
    seen: list[type[BaseModel]] = []
    queue = [root]
    while queue:
        model = queue.pop(0)
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            queue += introspection.models_in(field.annotation)
    return seen


def _default_title(model: type[BaseModel]) -> str:
    tags = introspection.tags(model)
    if len(tags) == 1:
        return f"{model.__name__} (`type: {tags[0]}`)"
    return model.__name__


def all_sections() -> list[Section]:
    """SCHEMA_SECTIONS, then a section for every other model a scenario can contain.

    So a schema model added anywhere under ``Scenario`` (an intervention's spec, say) is documented
    even before someone gives it a title in SCHEMA_SECTIONS.
    """
    listed = {s.model for s in SCHEMA_SECTIONS} | set(DOCUMENTED_ELSEWHERE)
    extra = [Section(_default_title(m), m, (m.__doc__ or "").strip().split("\n\n")[0])
             for m in reachable_models() if m not in listed]
    return [*SCHEMA_SECTIONS, *extra]


def render(sections: list[Section] | None = None) -> str:
    """The full text of docs/parameters.md."""
    sections = all_sections() if sections is None else sections
    intro = [
        "# Parameters",
        "",
        f"> Generated by `{COMMAND}` (`make docs`) from `simulator/parameters.py` and "
        "`simulator/schema.py`. Do not edit this file by hand: change the declarations there "
        "and regenerate. The tests fail when this file is stale.",
        "",
        "Every value the model reads, with its default, allowed range, unit, meaning and source. "
        "Sources are short names; `docs/sources.md` gives the full references. What each "
        "parameter does in the equations is in `docs/ODD.md` (section 7, Submodels). "
        "A model name in `code` (e.g. `PhaseSpec`) refers to the table of that model below; "
        "\"—\" means the declaration gives nothing for that column.",
        "",
    ]
    body = [global_parameters_section(), "## Scenario file fields", ""]
    body += [schema_section(s) for s in sections]
    return "\n".join(intro + body).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- command line
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Write docs/parameters.md.")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs from what would be written")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"file to write (default {OUTPUT})")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            what = "is missing" if current is None else "is out of date"
            print(f"{args.output} {what}: run `{COMMAND}` (or `make docs`) and commit the result.",
                  file=sys.stderr)
            return 1
        print(f"{args.output} is up to date.")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
