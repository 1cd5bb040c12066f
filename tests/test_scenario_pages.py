"""docs/scenarios.md is generated from the scenario files' headers; the headers cite real sources.

A scenario's header is its documentation: it states the setting, the assumptions and the sources
behind them. These tests keep the generated page current and every cited short name resolvable in
docs/sources.md, so a reader can follow each assumption to its reference.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from stakesim import scenario_pages
from stakesim.scenarios import builtin_names, builtin_path

SOURCES_MD = Path(__file__).resolve().parent.parent / "docs" / "sources.md"


def _source_short_names() -> set[str]:
    names = set()
    for line in SOURCES_MD.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\| ([^|]+?) \|", line)
        if match and match.group(1) not in {"short name", "---"}:
            names.add(match.group(1))
    return names


def test_scenarios_md_is_current():
    assert scenario_pages.OUTPUT.read_text(encoding="utf-8") == scenario_pages.render(), (
        "docs/scenarios.md is stale: run `python -m stakesim.scenario_pages` (make docs) and commit it")


def test_every_scenario_has_its_figure():
    missing = [n for n in builtin_names() if not scenario_pages.figure_path(n).exists()]
    assert not missing, f"no baseline figure for {missing}: run `make docs`"


def test_check_says_when_the_page_is_stale(tmp_path):
    out = tmp_path / "scenarios.md"
    assert scenario_pages.main(["--check", "--output", str(out)]) == 1  # missing
    out.write_text(scenario_pages.render(), encoding="utf-8")
    assert scenario_pages.main(["--check", "--output", str(out)]) == 0
    out.write_text(scenario_pages.render() + "edited by hand\n", encoding="utf-8")
    assert scenario_pages.main(["--check", "--output", str(out)]) == 1


@pytest.mark.parametrize("name", builtin_names())
def test_header_states_setting_assumptions_and_sources(name):
    text = scenario_pages.header(builtin_path(name))
    title = text.partition("\n")[0]
    assert ":" in title, f"{name}: the header's first line should read 'Title: the setting'"
    assert "Assumptions" in text, f"{name}: the header should list its assumptions"
    cited = scenario_pages.cited_sources(text)
    assert cited, f"{name}: the header cites no source"
    unknown = sorted(set(cited) - _source_short_names())
    assert not unknown, f"{name}: cites {unknown}, which docs/sources.md does not list by short name"


def test_cited_sources_reads_the_short_names():
    text = "x [Cervantes 2023: absent state; GIZ 2021] y [NIR MARS] [not a citation]"
    assert scenario_pages.cited_sources(text) == ["Cervantes 2023", "GIZ 2021", "NIR MARS"]


def test_scenarios_command_lists_every_builtin_on_one_line():
    out = subprocess.run([sys.executable, "-m", "stakesim.cli", "scenarios"],
                         capture_output=True, text=True, check=True).stdout
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == builtin_names()
    for line, name in zip(lines, builtin_names()):
        assert scenario_pages.description(builtin_path(name)) in line
