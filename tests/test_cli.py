"""The ``stakesim`` command end to end, through the installed script in a real subprocess.

These tests hold the CLI to what the README promises: ``stakesim scenarios`` lists the built-ins,
``stakesim run`` writes ``timeseries.csv`` and ``summary.json`` and prints the summary as JSON, and
``--set`` reaches any value in the scenario by key, id, name or index.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from stakesim.scenarios.loader import builtin_names, builtin_path, dump_scenario, load_scenario, validate
from stakesim.version import __version__
from stakesim.simulator.metrics import TIMESERIES_COLUMNS

STAKESIM = Path(sys.executable).parent / "stakesim"

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"


def documented_summary_keys() -> set[str]:
    """The keys in docs/ODD.md's run-summary table (section 8.2), the contract summary.json keeps."""
    lines = ODD.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("### 8.2"))
    keys = set()
    for line in lines[start + 1:]:
        if line.startswith("#"):
            break
        match = re.match(r"\|\s*`([a-z_]+)`\s*\|", line)
        if match:
            keys.add(match.group(1))
    return keys


PROVENANCE_KEYS = {"scenario", "seed", "steps", "stakesim_version", "parameters"}


def stakesim(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    assert STAKESIM.exists(), f"the stakesim script is not installed next to {sys.executable}"
    return subprocess.run([str(STAKESIM), *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          timeout=300)


def run_ok(*args, cwd: Path | None = None) -> dict:
    """Run ``stakesim run ...``; check it succeeded without noise on stdout; return the printed summary."""
    proc = stakesim("run", *args, cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return json.loads(proc.stdout)  # stdout is the summary and nothing else


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> tuple[dict, Path]:
    """``stakesim run default --steps 24 --seed 3 --out DIR``: the printed summary and DIR."""
    out = tmp_path_factory.mktemp("baseline")
    return run_ok("default", "--steps", 24, "--seed", 3, "--out", out), out


# --------------------------------------------------------------------------- commands
def test_version_prints_the_installed_version():
    proc = stakesim("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"stakesim {__version__}"


def test_scenarios_lists_every_builtin_with_its_description():
    proc = stakesim("scenarios")
    assert proc.returncode == 0, proc.stderr
    listed = [line.split()[0] for line in proc.stdout.splitlines() if line.strip()]
    assert "default" in listed
    assert listed == builtin_names()
    default_line = next(line for line in proc.stdout.splitlines() if line.startswith("default "))
    assert len(default_line.split()) > 3  # the name and a description


# --------------------------------------------------------------------------- run and its outputs
def test_run_writes_the_timeseries_with_the_documented_columns(baseline):
    _, out = baseline
    table = pd.read_csv(out / "timeseries.csv")
    assert list(table.columns) == TIMESERIES_COLUMNS
    assert len(table) == 24
    assert table["step"].tolist() == list(range(1, 25))


def test_run_writes_the_summary_with_provenance(baseline):
    printed, out = baseline
    written = json.loads((out / "summary.json").read_text())
    documented = documented_summary_keys()
    assert len(documented) > 20, "docs/ODD.md section 8.2 should list the summary keys"
    assert set(written) == documented | {"provenance"}
    provenance = written.pop("provenance")
    assert set(provenance) >= PROVENANCE_KEYS
    assert provenance["seed"] == 3
    assert provenance["scenario"] == "default"
    assert provenance["steps"] == 24
    assert provenance["stakesim_version"] == __version__
    assert written["steps"] == 24
    printed = dict(printed)
    printed.pop("provenance", None)
    assert printed == written  # what it prints is what it wrote


def test_run_without_out_writes_nothing_and_prints_the_summary(tmp_path):
    printed = run_ok("default", "--steps", 3, cwd=tmp_path)
    assert set(printed) >= documented_summary_keys()
    assert list(tmp_path.iterdir()) == []


def test_same_seed_same_tables(baseline, tmp_path):
    _, first = baseline
    run_ok("default", "--steps", 24, "--seed", 3, "--out", tmp_path)
    for name in ("timeseries.csv", "summary.json"):
        assert (tmp_path / name).read_text() == (first / name).read_text()


def test_scenario_given_by_relative_path_runs_like_the_builtin(baseline, tmp_path):
    printed, _ = baseline
    shutil.copy(builtin_path("default"), tmp_path / "my scenario.yaml")
    again = run_ok("my scenario.yaml", "--steps", 24, "--seed", 3, "--out", "results/nested", cwd=tmp_path)
    assert again == printed
    assert (tmp_path / "results" / "nested" / "timeseries.csv").is_file()


def test_out_that_is_an_existing_file_is_refused_clearly(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("not a folder\n")
    proc = stakesim("run", "default", "--steps", 3, "--out", blocker)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert str(blocker) in proc.stderr and "--out" in proc.stderr
    assert blocker.read_text() == "not a folder\n"


# --------------------------------------------------------------------------- --set
@pytest.mark.parametrize("assignment", [
    "parameters.trust_loss_rate=0.6",
    "stakeholders.municipality.capacity=0.9",     # a list item by id
    "stakeholders.1.presence=0.1",                # a list item by index
])
def test_set_changes_the_result(baseline, tmp_path, assignment):
    printed, _ = baseline
    changed = run_ok("default", "--steps", 24, "--seed", 3, "--set", assignment, "--out", tmp_path)
    assert changed != printed
    path, _, value = assignment.partition("=")
    if path.startswith("parameters."):
        provenance = json.loads((tmp_path / "summary.json").read_text())["provenance"]
        assert provenance["parameters"][path.split(".")[1]] == float(value)


def test_set_reaches_a_phase_by_name_and_is_repeatable():
    phases = load_scenario("default").project.phases
    expected = sum(p.duration for p in phases if p.name != "construction") + 12
    printed = run_ok("default", "--set", "project.phases.construction.duration=12",
                     "--set", "stakeholders.1.presence=0.1")
    assert printed["steps"] == expected  # the run's length is the sum of the phases


def test_set_paths_land_where_they_point():
    scenario = load_scenario("default", [
        "parameters.trust_loss_rate=0.6",
        "stakeholders.municipality.capacity=0.9",
        "stakeholders.1.presence=0.1",
        "project.phases.construction.duration=12",
        "ties.0.trust=0.2",
    ])
    assert scenario.parameter_values()["trust_loss_rate"] == 0.6
    municipality = next(s for s in scenario.stakeholders if s.id == "municipality")
    assert scenario.stakeholders[1] is municipality
    assert (municipality.capacity, municipality.presence) == (0.9, 0.1)
    assert next(p for p in scenario.project.phases if p.name == "construction").duration == 12
    assert scenario.ties[0].trust == 0.2


def test_set_names_a_list_item_by_its_type_when_only_one_has_it(tmp_path):
    data = yaml.safe_load(builtin_path("default").read_text(encoding="utf-8"))
    data["interventions"] = [{"type": "learning_space"}, {"type": "negotiation_table", "name": "table"}]
    path = tmp_path / "with_interventions.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    scenario = load_scenario(path, ["interventions.learning_space.every=3", "interventions.table.every=4"])
    every = [(i.type, i.every) for i in scenario.interventions]
    assert every == [("learning_space", 3), ("negotiation_table", 4)]


# --------------------------------------------------------------------------- scenario files
@pytest.mark.parametrize("name", builtin_names())
def test_dump_scenario_round_trips_every_builtin(name):
    scenario = load_scenario(name)
    assert validate(yaml.safe_load(dump_scenario(scenario)), f"dump of {name}") == scenario


def test_dump_scenario_round_trips_overridden_values():
    scenario = load_scenario("default", ["steps=30", "stakeholders.town.government=municipality",
                                         "parameters.trust_loss_rate=0.25", "ties.0.mutual=false"])
    assert validate(yaml.safe_load(dump_scenario(scenario))) == scenario
