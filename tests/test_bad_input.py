"""Bad input exits with code 2 and one message naming file, field and what is allowed; no traceback.

Each file in ``tests/data/bad/`` is a small scenario with one fault; cases a file cannot hold
(special files, nesting 50,000 levels deep, numbers of thousands of digits) are generated here.
Most cases go through the CLI's ``main`` in-process (fast, and an unexpected exception would fail
the test just as a traceback would); a few go through the installed ``stakesim`` script to prove
the real command behaves the same. Every message is at most four lines and quotes no value
longer than about 80 characters uncut.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from stakesim.cli import main
from stakesim.experiments.arms import arm_scenario, parse_arms
from stakesim.scenarios import (ScenarioError, ScenarioWarning, builtin_names, builtin_path, dump_scenario,
                                load_scenario, read_yaml, validate)
from stakesim.simulator.schema import Scenario

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
    "duplicate_ids.yaml": ["stakeholders[3] (id 'village').id", "stakeholder ids must be unique",
                           "already the id of stakeholders[2]"],
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
    "two_companies.yaml": ["stakeholders[1] (id 'contractor').type", "exactly one stakeholder of type 'company'",
                           "found 2: company, contractor"],
    "negative_phase_duration.yaml": ["project.phases[1] (name 'construction').duration", "-3 is out of range",
                                     "whole number from 1 to 600 (unit: months)"],
    "unknown_parameter.yaml": ["parameters: unknown key 'trust_los_rate'", "did you mean 'trust_loss_rate'",
                               "allowed keys: trust_gain_rate"],
    "parameter_out_of_range.yaml": ["parameters.trust_loss_rate", "7 is out of range", "from 0 to 1"],
    "unknown_government.yaml": ["stakeholders[2] (id 'village').government", "'mayor'",
                                "not the id of a local_government", "known: municipality"],
    "revenue_share_over_one.yaml": ["revenue_share", "1.3", "at most 1"],
    "stakeholders_not_a_list.yaml": ["stakeholders: expected a list", "got a mapping"],
    "invalid_id.yaml": ["stakeholders[2] (id '2nd_village').id", "starts with a letter"],
    # YAML tags whose constructor fails: line, column and field, never a traceback
    "int_tag_not_a_number.yaml": ["invalid YAML at line 10, column 48", "stakeholders[2].population",
                                  "cannot read 'abc' as a whole number (!!int)"],
    "float_tag_not_a_number.yaml": ["line 10", "stakeholders[2].expectation", "cannot read 'abc' as a number"],
    "bool_tag_not_a_bool.yaml": ["line 12", "ties[0].mutual", "cannot read 'maybe' as true or false"],
    "timestamp_tag_not_a_date.yaml": ["line 11", "description", "cannot read 'abc' as a date"],
    # numbers are finite
    "infinite_number.yaml": ["ties[0].trust", ".inf (infinity) is not a finite number", "a number from 0 to 1"],
    "nan_parameter.yaml": ["parameters.trust_loss_rate", ".nan (not a number) is not a finite number",
                           "a number from 0 to 1"],
    # no silent coercion
    "true_for_a_number.yaml": ["stakeholders[2] (id 'village').expectation", "expected a number from 0 to 1",
                               "got true"],
    "on_for_a_number.yaml": ["stakeholders[2] (id 'village').exposure", "expected a number from 0 to 1",
                             "got true", "YAML reads yes and on as true"],
    "quoted_number.yaml": ["stakeholders[2] (id 'village').population", "whole number from 1 to 100000",
                           "got '500'", "without quotes"],
    "base60_population.yaml": ["stakeholders[2] (id 'village').population", "whole number from 1 to 100000",
                               "got '1:30'"],
    "binary_name.yaml": ["name: expected text, got binary data (5 bytes)"],
    # the same tie twice
    "duplicate_tie.yaml": ["ties[2]", "village -> municipality", "already given as ties[0]", "give each tie once"],
}


def stakesim(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit code, stdout, stderr)."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse exits by itself on bad arguments
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


LONG_RUN = re.compile(r"(.)\1{80}")  # the same character 81 times: an uncut value


def assert_short(message: str) -> None:
    """At most four lines, and no value quoted uncut past about 80 characters."""
    assert len(message.strip().splitlines()) <= 4, message
    longest = max(message.splitlines(), key=len)
    assert len(longest) < 600, f"a line of {len(longest)} characters: {longest[:300]}..."
    assert not LONG_RUN.search(message), f"an uncut value in: {message[:300]}..."


def assert_clear_refusal(code: int, out: str, err: str, *fragments: str) -> None:
    assert code == EXIT_BAD_INPUT, err
    assert out == ""
    assert "Traceback" not in err
    assert err.count("stakesim: error:") == 1, err
    assert_short(err)
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
    "random_ties.0.trust=0.4": ["random_ties is empty, so it has no item 0", "set the whole list"],
    "stakeholders.0.type=null": ["stakeholders[0] (id 'company'): 'type' is nothing (null)",
                                 "allowed types: company"],
    "parameters=7": ["parameters: expected a mapping with the keys trust_gain_rate", " in all)", "got 7"],
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
                         DEFAULT_FILE, "stakeholders[2] (id 'near_community').government", "'mayor'",
                         "known: municipality", f"value from --set '{assignment}'")


def test_set_that_breaks_a_check_elsewhere_says_after(capsys):
    assignment = "stakeholders.municipality.type=cso"  # no local government is left for the towns
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, "stakeholders", f"after --set '{assignment}'")


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


# --------------------------------------------------------------------------- generated bad files
SMALL = """\
name: small
project:
  phases:
    - {name: exploration, duration: 6}
    - {name: construction, duration: 12, impact: 0.005, jobs: 0.5}
stakeholders:
  - {id: company, type: company}
  - {id: municipality, type: local_government}
  - {id: village, type: community, population: POPULATION}
"""


def small_file(tmp_path: Path, population: str, name: str = "small.yaml") -> Path:
    path = tmp_path / name
    path.write_text(SMALL.replace("POPULATION", population), encoding="utf-8")
    return path


def test_the_small_file_is_valid(capsys, tmp_path):
    assert main(["run", str(small_file(tmp_path, "50")), "--steps", "2"]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("depth", [150, 50_000])
def test_deep_nesting_is_refused_not_a_recursion_error(capsys, tmp_path, depth):
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path), "nesting too deep",
                         "(under name[0][0]...)", "more than 100 levels")


def test_deep_block_nesting_names_where_it_starts(capsys, tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: x\nproject:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(200)),
                    encoding="utf-8")
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path), "nesting too deep at line",
                         "(under project.k0.k1...)")


def test_deep_nesting_in_a_set_value_is_refused(capsys):
    assignment = "description=" + "[" * 50_000
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, "--set 'description=[[[", "(50012 characters)",
                         "nesting too deep", "(under description[0][0][0]...)")


def test_a_5000_digit_number_in_a_file_is_refused(capsys, tmp_path):
    path = small_file(tmp_path, "1" * 5000)
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path), "line 9", "stakeholders[2].population",
                         "a whole number of 5000 digits is too long")


def test_a_5000_digit_number_through_set_is_refused(capsys):
    assignment = "stakeholders.town.population=" + "9" * 5000
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, "--set 'stakeholders.town.population=999", "(5029 characters)",
                         "stakeholders.town.population: a whole number of 5000 digits is too long")


def test_a_long_number_within_pythons_limit_is_shown_cut(capsys, tmp_path):
    path = small_file(tmp_path, "7" * 4000)
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path),
                         "stakeholders[2] (id 'village').population", "a whole number of 4000 digits",
                         "is out of range", "from 1 to 100000")


def test_a_long_text_value_is_cut(capsys, tmp_path):
    path = small_file(tmp_path, "x" * 500)
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path), "expected a whole number", "(500 characters)")


def test_a_long_unknown_key_is_cut(capsys, tmp_path):
    path = tmp_path / "key.yaml"
    path.write_text(SMALL.replace("POPULATION", "5") + "k" * 300 + ": 1\n", encoding="utf-8")
    assert_clear_refusal(*stakesim(capsys, "run", path), str(path), "unknown top-level key 'kkk",
                         "(300 characters)")


def test_control_characters_are_never_printed(capsys):
    code, out, err = stakesim(capsys, "run", "default", "--set", "name.x\x1b[31m=1")
    assert_clear_refusal(code, out, err, "\\x1b[31m")
    assert "\x1b" not in err


def test_ints_are_still_numbers_and_exponents_are_read(tmp_path):
    text = SMALL.replace("POPULATION", "50, expectation: 1, exposure: 5e-1")
    path = tmp_path / "ints.yaml"
    path.write_text(text, encoding="utf-8")
    village = load_scenario(path).stakeholders[2]
    assert village.expectation == 1.0 and isinstance(village.expectation, float)
    assert village.exposure == 0.5


# --------------------------------------------------------------------------- no content echoed
def test_a_non_mapping_file_is_never_echoed(capsys, tmp_path):
    path = tmp_path / ".env"
    path.write_text("PASSWORD=hunter2-secret\nAPI_TOKEN=abcdef123456\n", encoding="utf-8")
    code, out, err = stakesim(capsys, "run", path)
    assert_clear_refusal(code, out, err, str(path), "must be a YAML mapping", "holds text")
    assert "hunter2" not in err and "abcdef123456" not in err and "PASSWORD" not in err


def test_a_list_file_says_only_that_it_is_a_list(capsys, tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- secret-one\n- secret-two\n", encoding="utf-8")
    code, out, err = stakesim(capsys, "run", path)
    assert_clear_refusal(code, out, err, "holds a list")
    assert "secret" not in err


# --------------------------------------------------------------------------- special files
def test_empty_scenario_name(capsys):
    assert_clear_refusal(*stakesim(capsys, "run", ""), "no scenario given", "built-in scenario name", "default")


def test_symlink_loop_is_named_as_one(capsys, tmp_path):
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.symlink_to(second)
    second.symlink_to(first)
    code, out, err = stakesim(capsys, "run", first)
    assert_clear_refusal(code, out, err, str(first), "symbolic link loop")
    assert "no such" not in err


def test_broken_symlink_is_named_as_one(capsys, tmp_path):
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "never_written.yaml")
    assert_clear_refusal(*stakesim(capsys, "run", link), str(link), "symbolic link to a file that does not exist")


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_devices_are_refused_unread(capsys, device):
    assert_clear_refusal(*stakesim(capsys, "run", device), device, "is a device, not a file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_fifo_is_refused_without_opening_it(tmp_path):
    """In a subprocess with a timeout: opening a pipe with no writer would block forever."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    proc = subprocess.run([str(STAKESIM), "run", str(fifo)], capture_output=True, text=True, timeout=60)
    assert_clear_refusal(proc.returncode, proc.stdout, proc.stderr, str(fifo), "named pipe (FIFO)")


def test_read_yaml_refuses_special_files_too(tmp_path):
    with pytest.raises(ScenarioError, match="is a device"):
        read_yaml(Path("/dev/zero"))
    with pytest.raises(ScenarioError, match="is a folder"):
        read_yaml(tmp_path)


# --------------------------------------------------------------------------- --set details
@pytest.mark.parametrize("index", ["²", "--1", "1_0", "٣"])
def test_set_index_must_be_plain_digits(capsys, index):
    assignment = f"stakeholders.{index}.capacity=0.5"
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         f"--set '{assignment}'", f"stakeholders has no item with id or name '{index}'",
                         "an index from 0 to 7")


def test_set_negative_index_still_counts_from_the_end():
    scenario = load_scenario("default", ["stakeholders.-1.resources=0.25"])
    assert scenario.stakeholders[-1].resources == 0.25


def test_set_duplicate_keys_in_a_value_are_refused(capsys):
    assignment = "stakeholders.town={id: a, id: b}"
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, f"--set '{assignment}'", "stakeholders.town.id",
                         "key 'id' appears twice in one mapping")


@pytest.mark.parametrize("value, fragment", [
    (".inf", ".inf (infinity) is not a finite number"),
    ("true", "got true"),
    ("'0.4'", "got '0.4'"),
    ("!!float abc", "cannot read 'abc' as a number"),
])
def test_set_values_are_as_strict_as_files(capsys, value, fragment):
    assignment = f"parameters.trust_loss_rate={value}"
    assert_clear_refusal(*stakesim(capsys, "run", "default", "--set", assignment),
                         DEFAULT_FILE, "parameters.trust_loss_rate", f"--set '{assignment}'", fragment)


# --------------------------------------------------------------------------- steps
def test_steps_out_of_range_is_refused_before_running():
    with pytest.raises(ScenarioError) as caught:
        load_scenario("default", steps=100_000, steps_label="--steps")
    message = str(caught.value)
    assert_short(message)
    for fragment in ("default.yaml", "steps: 100000 is out of range", "from 1 to 2400 (unit: months)",
                     "value from --steps=100000"):
        assert fragment in message, message


def test_steps_shorter_than_an_intervention_month_is_refused():
    data = read_yaml(builtin_path("default"))
    data["interventions"] = [{"type": "capacity_building", "start": 100}]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(data, steps=10)
    message = str(caught.value)
    assert "interventions[0] (type 'capacity_building').start" in message
    assert "month 100 is outside the simulated months 1-10" in message and "after steps=10" in message


def test_steps_as_text_is_refused():
    with pytest.raises(ScenarioError, match=r"steps: expected a whole number from 1 to 2400 .*got '12'"):
        load_scenario("default", steps="12")


@pytest.mark.parametrize("steps, fragment", [("100000", "value from --steps=100000"),
                                             ("10", "month 100 is outside the simulated months 1-10")])
def test_cli_steps_are_checked_like_any_value(capsys, tmp_path, steps, fragment):
    data = read_yaml(builtin_path("default"))
    data["interventions"] = [{"type": "capacity_building", "start": 100}]
    path = tmp_path / "late.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert_clear_refusal(*stakesim(capsys, "run", path, "--steps", steps), str(path), "--steps", fragment)


def test_a_start_phase_never_reached_is_a_warning_not_an_error():
    data = read_yaml(builtin_path("default"))
    data["interventions"] = [{"type": "negotiation_table", "start": "operation"}]
    with pytest.warns(ScenarioWarning, match=r"interventions\[0\] \(negotiation_table\)\.start: phase "
                                             r"'operation' is planned to start in month \d+.*never runs"):
        scenario = load_scenario(data, steps=12)
    assert scenario.months == 12
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioWarning)
        load_scenario(data)  # the whole life cycle reaches operation: no warning


# --------------------------------------------------------------------------- load_scenario's forms
def test_overrides_as_strings_or_a_mapping_give_the_same_message():
    messages = []
    for overrides in (["stakeholders.town.population=many"], {"stakeholders.town.population": "many"}):
        with pytest.raises(ScenarioError) as caught:
            load_scenario("default", overrides)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "value from --set 'stakeholders.town.population=many'" in messages[0]


def test_mapping_overrides_reach_the_same_places_as_strings():
    by_text = load_scenario("default", ["stakeholders.town.population=900", "ties.0.mutual=false"])
    by_value = load_scenario("default", {"stakeholders.town.population": 900, "ties.0.mutual": False})
    assert by_text == by_value


def test_a_mapping_override_with_a_bad_path_names_it():
    with pytest.raises(ScenarioError, match=r"--set 'stakeholders\.mayor\.capacity=0\.5': stakeholders has no item"):
        load_scenario("default", {"stakeholders.mayor.capacity": 0.5})


def test_source_may_be_a_scenario_or_raw_data():
    scenario = load_scenario("default")
    assert load_scenario(scenario) is scenario
    changed = load_scenario(scenario, {"parameters.trust_loss_rate": 0.2}, steps=24)
    assert changed.parameters.trust_loss_rate == 0.2 and changed.months == 24
    assert scenario.parameters.trust_loss_rate != 0.2  # the given scenario is not changed
    raw = read_yaml(builtin_path("default"))
    assert load_scenario(raw, ["steps=30"]).months == 30
    assert "steps" not in raw  # raw data is copied, never changed


def test_raw_data_that_nests_too_deep_or_contains_itself_is_refused():
    deep: dict = {"x": None}
    node = deep
    for _ in range(200):
        node["x"] = {"x": None}
        node = node["x"]
    with pytest.raises(ScenarioError, match="nested more than 100 levels"):
        load_scenario({"name": "deep", "project": deep})
    looped: dict = {"name": "loop"}
    looped["project"] = looped
    with pytest.raises(ScenarioError, match="contains itself"):
        load_scenario(looped)


# --------------------------------------------------------------------------- strictness keeps good input
@pytest.mark.parametrize("name", builtin_names())
def test_builtins_round_trip_through_model_dump_and_yaml(name):
    scenario = load_scenario(name)
    assert Scenario.model_validate(scenario.model_dump()) == scenario
    assert Scenario.model_validate(scenario.model_dump(mode="json")) == scenario
    assert validate(yaml.load(dump_scenario(scenario), Loader=yaml.SafeLoader)) == scenario
    assert load_scenario(yaml.safe_load(dump_scenario(scenario))) == scenario


def test_arms_revalidate_a_model_dump():
    scenario = load_scenario("default")
    arms = parse_arms("learning_space+negotiation_table")
    assert len(arm_scenario(scenario, arms[0]).interventions) == 2


def test_random_ties_between_is_a_list_of_two():
    data = read_yaml(builtin_path("default"))
    data["random_ties"] = [{"between": ["community", "cso"]}]
    assert validate(data).random_ties[0].between == ["community", "cso"]
    data["random_ties"] = [{"between": ["community"]}]
    with pytest.raises(ScenarioError, match=r"random_ties\[0\]\.between: has 1 items; allowed: a list of "
                                            r"exactly 2 text items"):
        validate(data)
