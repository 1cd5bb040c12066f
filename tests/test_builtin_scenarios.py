"""Every built-in scenario loads, runs from the command line, and says where its assumptions come from.

Built-ins are discovered with ``builtin_names()``, so a scenario added to ``scenarios/builtin/`` is
covered without touching this file. The scenario-specific tests check the promises the headers make
(fifteen members in Moquegua, water-exposed communities at the salt flat), because a reader of a
comparison trusts those words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stakesim.scenarios.loader import builtin_names, builtin_path, load_scenario, read_yaml
from stakesim.cli import main

REPO = Path(__file__).resolve().parents[1]
SOURCES_MD = REPO / "docs" / "sources.md"

# The short names of docs/sources.md: programme documents first, then the literature.
KNOWN_SOURCES = (
    "Cervantes 2023",
    "NIR MARS",
    "MARS 2025",
    "GIZ 2023",
    "GIZ 2021",
    "Davis & Franks 2014",
    "Defensoría del Pueblo 2021",
    "Epstein 2002",
    "Granovetter 1978",
    "Slovic 1993",
    "Pant & Yu 2025",
    "Deffuant et al. 2000",
    "Hegselmann & Krause 2002",
    "Boutilier & Thomson 2011",
    "Grimm et al. 2020",
    "Siegrist & Cvetkovich 2000",
    "IFC 2012",
)

BUILTINS = builtin_names()
STEPS = 36


def header(name: str) -> str:
    """The comment block a built-in file opens with, without the '#' marks."""
    lines = []
    for line in builtin_path(name).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def citations(text: str) -> list[str]:
    """Source names cited in square brackets: '[Cervantes 2023: absent state; MARS 2025]'.

    Each ';'-separated part of a bracket that opens with a known short name, or with words up to a
    year ('Cervantes 2023 names ...'), is a citation of that name; a part such as 'money arrives
    before capacity' (a second clause of the same citation) or 'model brief' is not.
    """
    found = []
    for group in re.findall(r"\[([^\[\]]+)\]", text):
        for part in group.split(";"):
            part = part.strip()
            known = [name for name in KNOWN_SOURCES if part.startswith(name)]
            dated = re.match(r"[^:]*?\b(?:19|20)\d{2}\b", part)
            if known:
                found.append(max(known, key=len))
            elif dated:
                found.append(dated.group(0).strip())
    return found


def population_mean(scenario, attribute: str) -> float:
    communities = [s for s in scenario.stakeholders if s.type == "community"]
    return float(np.average([getattr(c, attribute) for c in communities],
                            weights=[c.population for c in communities]))


def test_the_new_builtins_are_discovered():
    assert {"default", "moquegua_copper", "lithium_salt_flat", "colombia_small_scale_gold"} <= set(BUILTINS)


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_loads_with_its_own_name_and_a_description(name):
    scenario = load_scenario(name)
    assert scenario.name == name
    description = " ".join(str(read_yaml(builtin_path(name)).get("description", "")).split())
    assert description, f"{name}: `stakesim scenarios` would show an empty description"


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_runs_from_the_command_line(name, tmp_path, capsys):
    out = tmp_path / name
    assert main(["run", name, "--steps", str(STEPS), "--seed", "1", "--out", str(out)]) == 0
    table = pd.read_csv(out / "timeseries.csv")
    assert len(table) == STEPS
    assert list(table["step"]) == list(range(1, STEPS + 1))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == STEPS
    assert summary["provenance"]["scenario"] == name
    assert json.loads(capsys.readouterr().out)["steps"] == STEPS


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_header_cites_known_sources(name):
    text = header(name)
    assert text, f"{name}.yaml must open with a comment header stating its assumptions"
    cited = citations(text)
    assert cited, f"{name}.yaml: the header cites no source in [brackets]"
    unknown = sorted(set(cited) - set(KNOWN_SOURCES))
    assert not unknown, f"{name}.yaml cites sources with no short name in docs/sources.md: {unknown}"
    if SOURCES_MD.exists():  # written separately; when present, every cited name must be in it
        listed = SOURCES_MD.read_text(encoding="utf-8")
        missing = sorted(c for c in set(cited) if c not in listed)
        assert not missing, f"{name}.yaml cites {missing}, which docs/sources.md does not list"


def test_citation_parser_separates_sources_from_clauses():
    text = ("x [Cervantes 2023: cumulative change; money arrives] y [MARS 2025; Smith 2020] "
            "[model brief; Cervantes 2023 names it] (not [a note])")
    assert citations(text) == ["Cervantes 2023", "MARS 2025", "Smith 2020", "Cervantes 2023"]


def test_moquegua_has_fifteen_members_and_a_separate_convener():
    scenario = load_scenario("moquegua_copper")
    conveners = [s for s in scenario.stakeholders if s.type == "cso" and s.role == "convener"]
    members = [s for s in scenario.stakeholders if not (s.type == "cso" and s.role == "convener")]
    assert len(conveners) == 1
    assert len(members) == 15
    roles = {s.role for s in members if s.type == "cso"}
    # The five members the interview names keep their roles.
    assert {"roundtable", "chamber_of_commerce", "professional_association"} <= roles
    assert sum(s.type == "company" for s in members) == 1
    assert sum(s.type == "local_government" for s in members) >= 2


def test_lithium_communities_are_more_exposed_to_water_than_the_defaults():
    lithium, default = load_scenario("lithium_salt_flat"), load_scenario("default")
    assert population_mean(lithium, "exposure") > population_mean(default, "exposure")
    assert population_mean(lithium, "sensitivity_sd") > population_mean(default, "sensitivity_sd")
    roles = {s.role for s in lithium.stakeholders if s.type == "cso"}
    assert {"indigenous_organisation", "water_users"} <= roles


@pytest.mark.parametrize("name, phase", [("lithium_salt_flat", "permitting"), ("moquegua_copper", "permitting")])
def test_water_concern_comes_before_the_water_impact(name, phase):
    """The headers say water is announced (and debated) in permitting, before any water is used:
    concern rises above the perceived impact there, and grievance at the company is higher than in
    the same scenario without the announcement (same seeds)."""
    assert "announced_impact" in header(name)
    quiet_setting = {f"project.phases.{phase}.announced_impact": 0.0}
    for seed in range(3):
        from stakesim.simulator.run import run_scenario

        heard = run_scenario(load_scenario(name), seed=seed).timeseries
        quiet = run_scenario(load_scenario(name, quiet_setting), seed=seed).timeseries
        months = (heard["phase"] == phase).to_numpy()
        assert (heard["concern_mean"][months] > heard["perceived_impact_mean"][months]).mean() > 0.8
        assert heard["grievance_company"][months].mean() > quiet["grievance_company"][months].mean() + 0.02


def test_lithium_construction_works_sit_at_the_salt_flats_edge():
    construction = next(p for p in load_scenario("lithium_salt_flat").project.phases if p.name == "construction")
    own = {s.id: s.exposure for s in load_scenario("lithium_salt_flat").stakeholders if s.type == "community"}
    assert "salt_flat_community" not in construction.exposure
    assert all(value < own[key] for key, value in construction.exposure.items())
