"""Bad input exits with code 2 and one message naming file, field and what is allowed; no traceback.

Each file in ``tests/data/bad/`` is a small scenario with one fault. Most cases go through the
CLI's ``main`` in-process (fast, and an unexpected exception would fail the test just as a
traceback would); a few go through the installed ``stakesim`` script to prove the real command
behaves the same.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from stakesim.scenarios.loader import builtin_path
from stakesim.cli import main

BAD = Path(__file__).parent / "data" / "bad"
STAKESIM = Path(sys.executable).parent / "stakesim"
EXIT_BAD_INPUT = 2

# file in tests/data/bad -> fragments the message must contain (field, offending value, what is allowed)
BAD_FILES: dict[str, list[str]] = {
    "wrong_type.yaml": ["stakeholders[2] (id 'village').population", "'many'",
                        "whole number from 1 to 100000"],
    "unknown_top_level_key.yaml": ["unknown top-level key 'colour'", "allowed keys: name, description"],
    "unknown_stakeholder_key.yaml": ["stakeholders[1] (id 'municipality')", "unknown key 'capacty'",
                                     "did you mean 'capacity'", "allowed keys: id, name, type, capacity"],
    "trust_out_of_range.yaml": ["ties[0].trust", "1.5 is out of range", "from 0 to 1"],
    "unknown_stakeholder_type.yaml": ["stakeholders[3] (id 'ngo')", "unknown type 'civil_society'",
                                      "allowed types: company, local_government, community, cso"],
    "missing_stakeholder_type.yaml": ["stakeholders[3] (id 'ngo')", "missing required key 'type'",
                                      "allowed types: company, local_government, community, cso"],
    "unknown_cso_role.yaml": ["stakeholders[3] (id 'ngo').role", "'club' is not allowed", "ngo, roundtable"],
    "tie_to_missing_stakeholder.yaml": ["ties[0].target", "'villag'",
                                        "known ids: company, municipality, village"],
    "duplicate_ids.yaml": ["stakeholder ids must be unique", "repeated: village"],
    "phases_out_of_order.yaml": ["phases", "life-cycle order (exploration, permitting, construction",
                                 "got construction, exploration"],
    "unknown_phase_name.yaml": ["project.phases[0]", "'explore' is not allowed", "did you mean 'exploration'",
                                "one of exploration, permitting"],
    "malformed_yaml.yaml": ["malformed YAML at line 7"],
    "duplicate_key.yaml": ["line 13", "'population' appears twice", "first at line 12"],
    "list_not_mapping.yaml": ["must be a YAML mapping", "name, project, stakeholders", "holds a list"],
    "empty.yaml": ["the file is empty", "name, project, stakeholders"],
    "missing_project.yaml": ["missing required key 'project'", "phases"],
    "no_community.yaml": ["at least one stakeholder of type 'community'"],
    "two_companies.yaml": ["exactly one stakeholder of type 'company'", "found 2"],
    "negative_phase_duration.yaml": ["project.phases[1] (name 'construction').duration", "-3 is out of range",
                                     "whole number from 1 to 600 (unit: months)"],
    "unknown_parameter.yaml": ["parameters: unknown key 'trust_los_rate'", "did you mean 'trust_loss_rate'",
                               "allowed keys: trust_gain_rate"],
    "parameter_out_of_range.yaml": ["parameters.trust_loss_rate", "7 is out of range", "from 0 to 1"],
    "unknown_government.yaml": ["community 'village'", "government 'mayor'", "known: municipality"],
    "revenue_share_over_one.yaml": ["revenue_share", "1.3", "at most 1"],
    "stakeholders_not_a_list.yaml": ["stakeholders: expected a list", "got a mapping"],
    "invalid_id.yaml": ["stakeholders[2] (id '2nd_village').id", "starts with a letter"],
}


def stakesim(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse exits by itself on bad arguments
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_clear_refusal(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == EXIT_BAD_INPUT, err
    assert out == ""
    assert "Traceback" not in err
    assert err.count("stakesim: error:") == 1, err
    for fragment in fragments:
        assert fragment in err, f"{fragment!r} missing from: {err}"


# --------------------------------------------------------------------------- bad scenario files
def test_every_bad_file_has_a_case():
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_scenario_file_is_refused_with_a_clear_message(capsys, name):
    path = BAD / name
    assert_clear_refusal(*stakesim(capsys, "run", path, "--steps", "2"), str(path), *BAD_FILES[name])


def test_missing_file_is_named(capsys, tmp_path):
    path = tmp_path / "nowhere.yaml"
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path), "no such scenario file",
                         "built-in scenario name", "default")


def test_folder_is_not_a_scenario(capsys, tmp_path):
    assert_clear_refusal(*stakesim(capsys, "run", tmp_path), str(tmp_path), "is a folder", ".yaml file")


def test_unknown_builtin_suggests_the_close_one(capsys):
    assert_clear_refusal(*stakesim(capsys, "run", "defualt"), "'defualt'", "did you mean 'default'",
                         "built-in scenario name", "default")


def test_file_that_is_not_text(capsys, tmp_path):
    path = tmp_path / "binary.yaml"
    path.write_bytes(b"\xff\xfe\x00name: x\x00")
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path), "not a UTF-8 text file")


# --------------------------------------------------------------------------- bad --set
DEFAULT_FILE = builtin_path("default").name  # every --set message still names the scenario file

BAD_SETS: dict[str, list[str]] = {
    "parameters.trust_loss_rate": ["expected PATH=VALUE", "parameters.trust_loss_rate=0.4"],
    "=0.4": ["path before '=' is empty"],
    "parameters..trust_loss_rate=0.4": ["has an empty part"],
    "stakeholders.mayor.capacity=0.5": ["stakeholders has no item with id or name 'mayor'",
                                        "an index from 0 to", "municipality"],
    "stakeholders.99.capacity=0.5": ["index 99 is out of range", "an index from 0 to"],
    "project.phases.building.duration=3": ["project.phases has no item", "'building'", "construction"],
    "name.first=x": ["name is a single value ('default')", "not a section", "no 'first'"],
    "parameters.trust_loss_rate=[0.4": ["cannot read the value '[0.4'", "read as YAML"],
    "stakeholders.municipality.capacity=high": ["stakeholders[1] (id 'municipality').capacity",
                                                "expected a number from 0 to 1", "got 'high'"],
    "project.phases.construction.duration=0": ["project.phases[2] (name 'construction').duration",
                                               "0 is out of range", "from 1 to 600"],
    "stakeholders.municipality.capcity=0.5": ["unknown key 'capcity'", "did you mean 'capacity'"],
    "parameters.trust_los_rate=0.5": ["unknown key 'trust_los_rate'", "did you mean 'trust_loss_rate'"],
    "stakeholders.near_community.type=club": ["unknown type 'club'", "allowed types: company"],
    "stakeholders.community.population=9": ["stakeholders has 3 items of type 'community'", "name one",
                                            "near_community"],
}


@pytest.mark.parametrize("assignment", list(BAD_SETS))
def test_bad_set_is_refused_naming_file_and_assignment(capsys, assignment):
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, f"--set '{assignment}'", *BAD_SETS[assignment])


def test_bad_set_on_a_file_names_that_file(capsys, tmp_path):
    path = tmp_path / "my_scenario.yaml"
    path.write_text(builtin_path("default").read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = stakesim(capsys, "run", path, "--set", "stakeholders.town.population=many")
    assert_clear_refusal(code, out, err, str(path), "stakeholders[4] (id 'town').population", "'many'",
                         "value from --set 'stakeholders.town.population=many'")


def test_set_that_breaks_a_whole_scenario_check_is_named(capsys):
    assignment = "stakeholders.near_community.government=mayor"
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, "government 'mayor'", "known: municipality",
                         f"after --set '{assignment}'")


def test_set_that_changes_a_stakeholder_type_names_the_keys_that_no_longer_fit(capsys):
    assignment = "stakeholders.municipality.type=company"
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, "stakeholders[1] (id 'municipality'): unknown key 'capacity'",
                         "allowed keys: id, name, type, context_understanding", f"after --set '{assignment}'")


# --------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("args", [["--steps", "0"], ["--seed", "-1"], ["--steps", "abc"], ["--seed", "x"]])
def test_bad_arguments_exit_2_without_traceback(capsys, args):
    code, out, err = stakesim(capsys, "run", "default", *args)
    assert code == EXIT_BAD_INPUT
    assert out == ""
    assert "Traceback" not in err
    assert args[0] in err and "usage:" in err


# --------------------------------------------------------------------------- through the real script
@pytest.mark.parametrize("args, fragment", [
    (["run", str(BAD / "malformed_yaml.yaml")], "malformed YAML at line 7"),
    (["run", str(BAD / "unknown_cso_role.yaml")], "'club' is not allowed"),
    (["run", "no_such_file.yaml"], "no such scenario file"),
    (["run", "default", "--set", "stakeholders.99.presence=0.1"], "index 99 is out of range"),
    (["run", "default", "--steps", "0"], "--steps"),
])
def test_installed_script_refuses_bad_input_without_traceback(tmp_path, args, fragment):
    assert STAKESIM.exists(), f"the stakesim script is not installed next to {sys.executable}"
    proc = subprocess.run([str(STAKESIM), *args], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120)
    assert proc.returncode == EXIT_BAD_INPUT, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert fragment in proc.stderr
