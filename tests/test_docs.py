"""The documentation must say what the code does: these tests fail when it drifts.

docs/parameters.md is generated, so it is compared with a fresh rendering; docs/ODD.md and
docs/sources.md are written by hand, so the tests check that they cover every output column, every
run-summary key and every source the code cites.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from stakesim.simulator import introspection, schema
from stakesim.scenarios.loader import load_scenario
from stakesim import docgen
from stakesim.simulator.metrics import COMMUNITY_COLUMNS, EVENT_COLUMNS, INTERVENTION_COLUMNS, TIMESERIES_COLUMNS
from stakesim.simulator.parameters import PARAMETERS
from stakesim.simulator.run import run_scenario

DOCS = Path(__file__).resolve().parent.parent / "docs"
PARAMETERS_MD = DOCS / "parameters.md"
ODD_MD = DOCS / "ODD.md"
SOURCES_MD = DOCS / "sources.md"

# Author-year short names inside ``source`` strings: "Epstein 2002", "Pant & Yu 2025",
# "Deffuant et al. 2000", "Defensoría del Pueblo 2021", ...
SHORT_NAME = re.compile(
    r"[A-Z][\w.'-]*(?:\s+(?:[A-Z][\w.'-]*|&|and|et al\.|del|de|la|von|van))*\s+(?:19|20)\d{2}\b")
# The programme documents, cited by these names in code, scenario files and docs.
PROGRAMME_SOURCES = ["Cervantes 2023", "NIR MARS", "MARS 2025", "GIZ 2023", "GIZ 2021"]


def _read(path: Path) -> str:
    assert path.exists(), f"{path} is missing"
    return path.read_text(encoding="utf-8")


def _section(text: str, heading_prefix: str) -> str:
    """The text from a '## ' heading starting with ``heading_prefix`` up to the next '## ' heading."""
    match = re.search(rf"^## {re.escape(heading_prefix)}.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no section heading starting with '## {heading_prefix}'"
    return match.group(1)


def _table_names(text: str) -> set[str]:
    """Names in the first column of Markdown tables, written as `name`."""
    return set(re.findall(r"^\|\s*`([^`]+)`\s*\|", text, re.M))


# --------------------------------------------------------------------------- parameters.md
def test_parameters_md_is_current():
    assert _read(PARAMETERS_MD) == docgen.render(), (
        "docs/parameters.md is stale: run `python -m stakesim.docgen` (make docs) and commit it")


def test_check_flag_passes_on_fresh_file_and_fails_on_stale(tmp_path, capsys):
    out = tmp_path / "parameters.md"
    assert docgen.main(["--check", "--output", str(out)]) == 1  # missing
    assert docgen.main(["--output", str(out)]) == 0
    assert docgen.main(["--check", "--output", str(out)]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("`0.3`", "`0.31`", 1), encoding="utf-8")
    assert docgen.main(["--check", "--output", str(out)]) == 1
    assert "out of date" in capsys.readouterr().err


def test_changed_default_makes_committed_file_stale(monkeypatch):
    """A parameter default changed in the registry (here in memory only) must show up as stale."""
    name = "trust_loss_rate"
    old = PARAMETERS[name]
    monkeypatch.setitem(PARAMETERS, name, dataclasses.replace(old, default=old.default / 2))
    assert docgen.render() != _read(PARAMETERS_MD)
    assert docgen.main(["--check", "--output", str(PARAMETERS_MD)]) == 1


def test_every_global_parameter_has_a_row_with_its_default_and_range():
    text = _section(_read(PARAMETERS_MD), "Global parameters")
    for p in PARAMETERS.values():
        row = re.search(rf"^\| `{p.name}` \|(.*)$", text, re.M)
        assert row, f"global parameter {p.name} has no row in docs/parameters.md"
        assert f"`{docgen._number(p.default)}`" in row.group(1), f"{p.name}: default missing"
        bounds = f"from {introspection.number_text(p.low)} to {introspection.number_text(p.high)}"
        assert bounds in row.group(1), f"{p.name}: range"


def test_every_schema_model_reachable_from_scenario_has_a_section():
    text = _read(PARAMETERS_MD)
    reachable = docgen.reachable_models()
    assert {schema.CompanySpec, schema.CommunitySpec, schema.PhaseSpec, schema.TieSpec} <= set(reachable)
    for model in reachable:
        if model in docgen.DOCUMENTED_ELSEWHERE:
            continue
        assert f"Model: `{model.__module__}.{model.__name__}`." in text, (
            f"docs/parameters.md has no section for {model.__name__}")


def test_every_schema_field_appears_in_its_section():
    text = _read(PARAMETERS_MD)
    sections = docgen.all_sections()
    assert len(sections) >= len(docgen.SCHEMA_SECTIONS) >= 9
    for section in sections:
        match = re.search(rf"^### {re.escape(section.title)}$(.*?)(?=^##|\Z)", text, re.M | re.S)
        assert match, f"no section '{section.title}' in docs/parameters.md"
        rows = _table_names(match.group(1))
        for name in section.model.model_fields:
            assert name in rows, f"{section.model.__name__}.{name} has no row in '{section.title}'"


def test_generator_picks_up_a_new_model_and_its_metadata():
    """Adding a field or a model needs no change to the generator (it iterates model_fields)."""

    class ToySpec(BaseModel):
        kind: Literal["a", "b"] = "a"
        strength: float = schema.field(0.25, ge=0, le=2, unit="toy units", doc="How strong.",
                                       source="Toy 2024")
        members: list[int] = Field(default_factory=list, min_length=1, description="Who.")
        label: str | None = None

    text = docgen.render([docgen.Section("Toy", ToySpec)])
    assert "### Toy" in text
    assert "| `kind` | `a` | one of `a`, `b` |" in text
    assert "| `strength` | `0.25` | a number from 0 to 2 | toy units | How strong. | Toy 2024 |" in text
    assert "| `members` | `[]` | a list of at least 1 whole number |" in text
    assert "| `label` | not set | text, or not set |" in text


def test_header_says_generated_and_not_to_edit():
    head = _read(PARAMETERS_MD).splitlines()[:4]
    assert any("python -m stakesim.docgen" in line and "Do not edit" in line for line in head)


# --------------------------------------------------------------------------- ODD.md
@pytest.fixture(scope="module")
def summary_keys() -> list[str]:
    result = run_scenario(load_scenario("default"), seed=0, steps=24)
    assert len(result.timeseries) == 24
    return list(result.summary)


def test_odd_outputs_table_lists_every_per_step_column():
    outputs = _table_names(_section(_read(ODD_MD), "8"))
    missing = [c for c in TIMESERIES_COLUMNS if c not in outputs]
    assert not missing, f"docs/ODD.md section 8 lacks per-step columns: {missing}"


def test_odd_outputs_table_lists_every_summary_key(summary_keys):
    outputs = _table_names(_section(_read(ODD_MD), "8"))
    missing = [k for k in summary_keys if k not in outputs]
    assert not missing, f"docs/ODD.md section 8 lacks run-summary keys: {missing}"


def _subsection(text: str, heading_prefix: str) -> str:
    """The text from a '### ' heading starting with ``heading_prefix`` up to the next heading."""
    match = re.search(rf"^### {re.escape(heading_prefix)}.*?$(.*?)(?=^##|\Z)", text, re.M | re.S)
    assert match, f"no subsection heading starting with '### {heading_prefix}'"
    return match.group(1)


@pytest.fixture(scope="module")
def run_tables():
    """The tables of a run with a table and a space, so the logs have rows (and their keys show)."""
    scenario = load_scenario("acute_crisis", {"interventions": [{"type": "negotiation_table"},
                                                                {"type": "learning_space"}]})
    return run_scenario(scenario, seed=0, steps=24)


@pytest.mark.parametrize("heading, declared, table", [
    ("8.3", COMMUNITY_COLUMNS, "communities"),
    ("8.4", INTERVENTION_COLUMNS, "interventions"),
    ("8.5", EVENT_COLUMNS, "events"),
])
def test_odd_documents_every_column_of_the_run_tables(run_tables, heading, declared, table):
    """Each table's columns, declared and as a run writes them (the logs' rows may add keys:
    a chance event's own), are rows of its subsection of section 8."""
    documented = _table_names(_subsection(_read(ODD_MD), heading))
    written = list(getattr(run_tables, table).columns)
    missing = [c for c in dict.fromkeys([*declared, *written]) if c not in documented]
    assert not missing, f"docs/ODD.md section {heading} lacks columns: {missing}"
    if table == "interventions":
        assert len(getattr(run_tables, table)) > 0


def test_odd_has_the_eight_numbered_sections():
    text = _read(ODD_MD)
    for number in range(1, 9):
        assert re.search(rf"^## {number}\b", text, re.M), f"docs/ODD.md has no section {number}"


def test_odd_documents_every_global_parameter():
    text = _read(ODD_MD)
    # Named in prose (`name`) or in an equation block (bare name, as a whole word).
    missing = [name for name in PARAMETERS if not re.search(rf"\b{name}\b", text)]
    assert not missing, f"docs/ODD.md never mentions: {missing}"


def test_odd_mentions_every_field_of_the_core_schema():
    """A new stakeholder, phase or project field must be described where the model uses it."""
    text = _read(ODD_MD)
    missing = [f"{s.model.__name__}.{name}" for s in docgen.SCHEMA_SECTIONS
               for name in s.model.model_fields if not re.search(rf"\b{name}\b", text)]
    assert not missing, f"docs/ODD.md never mentions: {missing}"


# --------------------------------------------------------------------------- sources.md
def _cited_short_names() -> set[str]:
    texts = [p.source for p in PARAMETERS.values()]
    for model in docgen.reachable_models():
        for field in model.model_fields.values():
            extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
            texts.append(str(extra.get("source", "")))
    return {name for text in texts for name in SHORT_NAME.findall(text)}


def test_short_name_pattern_finds_the_citations():
    names = _cited_short_names()
    for expected in ("Epstein 2002", "Pant & Yu 2025", "Deffuant et al. 2000",
                     "Defensoría del Pueblo 2021", "Cervantes 2023", "Davis & Franks 2014"):
        assert expected in names, f"pattern missed {expected}: found {sorted(names)}"


def test_sources_md_lists_every_cited_short_name():
    text = _read(SOURCES_MD)
    missing = sorted(n for n in _cited_short_names() | set(PROGRAMME_SOURCES) if n not in text)
    assert not missing, f"docs/sources.md lacks: {missing}"


def test_odd_cites_only_sources_listed_in_sources_md():
    listed = _read(SOURCES_MD)
    cited = set(SHORT_NAME.findall(_read(ODD_MD)))
    assert len(cited) >= 8, f"docs/ODD.md cites too few author-year sources: {sorted(cited)}"

    def is_listed(name: str) -> bool:
        # The pattern may take a capitalised word before the citation ("Following Grimm et al.
        # 2020"): accept the name when some tail of it (at least "Author year") is listed.
        words = name.split()
        return any(" ".join(words[i:]) in listed for i in range(len(words) - 1))

    missing = sorted(n for n in cited if not is_listed(n))
    assert not missing, f"docs/ODD.md cites sources missing from docs/sources.md: {missing}"
