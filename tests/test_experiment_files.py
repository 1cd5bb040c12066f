"""Experiment files: the built-ins load, designs give the points SALib's formulas say, always the same
points, and every bad file is a ScenarioError whose message names the file and the field."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import yaml

from stakesim.experiments.design import points, problem, sample_matrix
from stakesim.experiments.experiment_file import (
    HEADLINE_OUTCOMES,
    SUMMARY_KEYS,
    Experiment,
    builtin_experiments,
    experiment_from_data,
    load_experiment,
)
from stakesim.scenarios import ScenarioError, load_scenario
from stakesim.simulator.parameters import PARAMETERS
from stakesim.simulator.run import run_scenario

SHIPPED = ("crisis_sensitivity", "headline_sensitivity", "morris_screening", "sobol_headline", "space_vs_table")

BASE = {
    "name": "small",
    "scenario": "default",
    "parameters": {
        "parameters.trust_loss_rate": {"low": 0.1, "high": 0.5},
        "stakeholders.municipality.presence": {"levels": [0.1, 0.4, 0.8]},
        "parameters.suspension_months": {"low": 6, "high": 24, "integer": True},
    },
    "arms": ["baseline", "learning_space"],
    "design": {"type": "latin_hypercube", "samples": 10},
    "replicates": 2,
}


def write(tmp_path: Path, data: dict, name: str = "exp.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def with_(changes: dict, base: dict = BASE) -> dict:
    data = copy.deepcopy(base)
    for key, value in changes.items():
        node = data
        *head, last = key.split("/")
        for part in head:
            node = node[part]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return data


def refused(tmp_path: Path, data: dict) -> str:
    path = write(tmp_path, data)
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    return message


# --------------------------------------------------------------------------- built-ins
def test_builtin_experiments_are_shipped():
    assert set(SHIPPED) <= set(builtin_experiments())


@pytest.mark.parametrize("name", builtin_experiments())
def test_builtin_experiment_loads_and_has_points(name):
    experiment = load_experiment(name)
    assert isinstance(experiment, Experiment)
    assert experiment.name == name
    found = points(experiment)
    assert len(found) == experiment.point_count()
    assert found == points(load_experiment(name))  # deterministic
    assert len(experiment.hash()) == 64 and experiment.hash() == load_experiment(name).hash()
    # every point is a scenario the loader accepts (its arm settings go to the arms, not the scenario)
    for point in found[:3] + found[-2:]:
        scenario_settings = {k: v for k, v in point.items() if not k.startswith("arms.")}
        load_scenario(experiment.scenario_source, overrides={**experiment.overrides, **scenario_settings})


@pytest.mark.parametrize("name", builtin_experiments())
def test_builtin_experiment_header_says_how_many_runs(name):
    experiment = load_experiment(name)
    head = Path(experiment.origin).read_text().split("\nname:")[0]
    assert head.startswith("#")
    assert f"{experiment.run_count():,} runs" in head


def test_morris_screening_covers_every_global_parameter():
    experiment = load_experiment("morris_screening")
    assert experiment.design.type == "morris"
    listed = {path.removeprefix("parameters.") for path in experiment.parameters}
    uncertain = {name: p for name, p in PARAMETERS.items() if p.group != "channels"}  # switches are knockouts
    assert listed == set(uncertain)
    for name, declared in uncertain.items():
        spec = experiment.parameters[f"parameters.{name}"]
        assert (spec.low, spec.high) == (declared.low, declared.high)
        assert spec.integer == declared.integer


def test_sobol_headline_base_sample_is_a_power_of_two():
    experiment = load_experiment("sobol_headline")
    n = experiment.design.samples
    assert n & (n - 1) == 0


def test_space_vs_table_compares_the_two_dialogues():
    experiment = load_experiment("space_vs_table")
    assert experiment.arms == ["baseline", "learning_space", "negotiation_table"]
    assert "stakeholders.municipality.presence" in experiment.parameters
    assert "parameters.initial_trust_community_company" in experiment.parameters


def test_headline_sensitivity_compares_all_four_arms_on_the_headline_outcomes():
    experiment = load_experiment("headline_sensitivity")
    assert experiment.arms == ["baseline", "learning_space", "negotiation_table",
                               "learning_space+negotiation_table"]
    assert experiment.design.type == "latin_hypercube" and 12 <= len(experiment.parameters) <= 24
    assert {"blockade_months", "protest_months", "suspended", "final_trust_community_company",
            "final_trust_community_government", "final_social_licence"} <= set(experiment.outcomes)
    assert experiment.run_count() <= 4000  # a laptop's ten minutes (the header gives the measurement)
    lines = Path(experiment.origin).read_text().splitlines()
    for path, spec in experiment.parameters.items():  # a global narrower than declared says why, beside it
        name = path.removeprefix("parameters.")
        if path.startswith("parameters.") and (spec.low, spec.high) != (PARAMETERS[name].low, PARAMETERS[name].high):
            line = next(x for x in lines if x.strip().startswith(path))
            assert "#" in line, f"{path}: a range narrower than declared needs its reason in a comment"


def test_summary_keys_match_a_real_run():
    result = run_scenario(load_scenario("default", steps=2), seed=0)
    assert list(result.summary) == list(SUMMARY_KEYS)
    assert set(HEADLINE_OUTCOMES) <= set(SUMMARY_KEYS)


# --------------------------------------------------------------------------- designs
def test_latin_hypercube_points_and_rounding(tmp_path):
    experiment = load_experiment(write(tmp_path, BASE))
    found = points(experiment)
    assert len(found) == 10
    assert found == points(load_experiment(write(tmp_path, BASE)))
    for point in found:
        assert set(point) == set(BASE["parameters"])
        assert 0.1 <= point["parameters.trust_loss_rate"] <= 0.5
        assert point["stakeholders.municipality.presence"] in (0.1, 0.4, 0.8)
        months = point["parameters.suspension_months"]
        assert type(months) is int and 6 <= months <= 24
    # a Latin hypercube puts one point in each of the 10 strata of a range
    strata = sorted(int((p["parameters.trust_loss_rate"] - 0.1) / 0.04) for p in found)
    assert strata == list(range(10))
    other = load_experiment(write(tmp_path, with_({"seed": 7})))
    assert points(other) != found  # the seed seeds the sampling


def test_full_factorial_points(tmp_path):
    data = with_({"design": {"type": "full_factorial"},
                  "parameters/parameters.trust_loss_rate/levels": 3,
                  "parameters/parameters.suspension_months": {"levels": [6, 12]}})
    experiment = load_experiment(write(tmp_path, data))
    found = points(experiment)
    assert len(found) == 3 * 3 * 2 == experiment.point_count()
    assert found[0] == {"parameters.trust_loss_rate": 0.1, "stakeholders.municipality.presence": 0.1,
                        "parameters.suspension_months": 6}  # the first parameter varies slowest
    data = with_({"design": {"type": "full_factorial"},
                  "parameters/parameters.trust_loss_rate/levels": 3,
                  "parameters/parameters.suspension_months/levels": 4})
    found = points(load_experiment(write(tmp_path, data)))
    assert len(found) == 3 * 3 * 4
    assert sorted({p["parameters.suspension_months"] for p in found}) == [6, 12, 18, 24]
    assert sorted({p["parameters.trust_loss_rate"] for p in found}) == pytest.approx([0.1, 0.3, 0.5])
    assert len({tuple(sorted(p.items())) for p in found}) == len(found)


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_point_count(tmp_path, second_order):
    data = with_({"design": {"type": "sobol", "samples": 16, "second_order": second_order}})
    experiment = load_experiment(write(tmp_path, data))
    k = 3
    expected = 16 * ((2 * k + 2) if second_order else (k + 2))
    assert len(points(experiment)) == expected == experiment.point_count()
    assert sample_matrix(experiment).shape == (expected, k)
    assert problem(experiment)["names"] == list(BASE["parameters"])


def test_morris_point_count(tmp_path):
    data = with_({"design": {"type": "morris", "trajectories": 6, "levels": 4}})
    experiment = load_experiment(write(tmp_path, data))
    assert len(points(experiment)) == 6 * (3 + 1) == experiment.point_count()
    grid = {p["parameters.trust_loss_rate"] for p in points(experiment)}
    assert all(any(math.isclose(v, g) for g in (0.1, 0.1 + 0.4 / 3, 0.1 + 0.8 / 3, 0.5)) for v in grid)


def test_arms_design_has_one_empty_point(tmp_path):
    data = with_({"parameters": None, "design": {"type": "arms"},
                  "arms": ["baseline", "learning_space", "negotiation_table"]})
    experiment = load_experiment(write(tmp_path, data))
    assert points(experiment) == [{}]
    assert experiment.run_count() == 3 * 2


def test_relative_scenario_path_is_read_from_the_experiment_folder(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    folder.mkdir()
    scenario = load_scenario("default")
    (folder / "mine.yaml").write_text(Path(str(scenario_file())).read_text())
    path = write(folder, with_({"scenario": "mine.yaml"}))
    monkeypatch.chdir(tmp_path)
    experiment = load_experiment(path)
    assert Path(experiment.scenario_source) == folder / "mine.yaml"


def scenario_file():
    from stakesim.scenarios import builtin_path
    return builtin_path("default")


def test_hash_changes_with_the_definition(tmp_path):
    one = load_experiment(write(tmp_path, BASE))
    two = load_experiment(write(tmp_path, with_({"replicates": 3})))
    assert one.hash() != two.hash()


# --------------------------------------------------------------------------- bad files
def test_unknown_parameter_path(tmp_path):
    message = refused(tmp_path, with_({"parameters/stakeholders.municipality.presnce": {"low": 0.1, "high": 0.5}}))
    assert "parameters.stakeholders.municipality.presnce" in message
    assert "did you mean 'presence'" in message


def test_unknown_stakeholder_in_path(tmp_path):
    message = refused(tmp_path, with_({"parameters/stakeholders.mayor.presence": {"low": 0.1, "high": 0.5}}))
    assert "parameters.stakeholders.mayor.presence" in message and "mayor" in message


def test_unknown_global_parameter(tmp_path):
    message = refused(tmp_path, with_({"parameters/parameters.trust_los_rate": {"low": 0.1, "high": 0.5}}))
    assert "parameters.parameters.trust_los_rate" in message
    assert "did you mean 'trust_loss_rate'" in message


def test_range_outside_a_global_parameters_declared_range(tmp_path):
    message = refused(tmp_path, with_({"parameters/parameters.trust_loss_rate/high": 1.5}))
    assert "parameters.parameters.trust_loss_rate" in message
    assert "1.5" in message and "from 0 to 1" in message


def test_range_outside_a_stakeholder_fields_range(tmp_path):
    message = refused(tmp_path, with_({"parameters/stakeholders.municipality.presence":
                                       {"low": 0.2, "high": 1.4}}))
    assert "parameters.stakeholders.municipality.presence" in message and "1.4" in message


@pytest.mark.parametrize("low, high", [(0.5, 0.5), (0.6, 0.2)])
def test_empty_range(tmp_path, low, high):
    message = refused(tmp_path, with_({"parameters/parameters.trust_loss_rate": {"low": low, "high": high}}))
    assert "parameters.parameters.trust_loss_rate" in message and "empty range" in message


def test_empty_levels(tmp_path):
    message = refused(tmp_path, with_({"parameters/stakeholders.municipality.presence": {"levels": []}}))
    assert "parameters.stakeholders.municipality.presence.levels" in message and "empty levels" in message


def test_wrong_design_name(tmp_path):
    message = refused(tmp_path, with_({"design/type": "latin_hypercub"}))
    assert "design.type" in message and "did you mean 'latin_hypercube'" in message
    assert "full_factorial" in message  # what is allowed


def test_unknown_design_key(tmp_path):
    message = refused(tmp_path, with_({"design/sample": 10}))
    assert "design" in message and "did you mean 'samples'" in message


@pytest.mark.parametrize("replicates", [0, -1])
def test_replicates_zero(tmp_path, replicates):
    message = refused(tmp_path, with_({"replicates": replicates}))
    assert "replicates" in message and "from 1 to 1000" in message


def test_too_many_replicates_says_why(tmp_path):
    message = refused(tmp_path, with_({"replicates": 5000}))
    assert "replicates" in message and "1000" in message and "points instead" in message


@pytest.mark.parametrize("n", [10, 100, 3])
def test_sobol_base_sample_not_a_power_of_two(tmp_path, n):
    message = refused(tmp_path, with_({"design": {"type": "sobol", "samples": n}}))
    assert "design.samples" in message and "power of two" in message


def test_unknown_outcome(tmp_path):
    message = refused(tmp_path, with_({"outcomes": ["blockade_months", "blokade_months_total"]}))
    assert "outcomes[1]" in message and "did you mean 'blockade_months'" in message


def test_an_outcome_under_its_old_name_is_told_the_new_one(tmp_path):
    message = refused(tmp_path, with_({"outcomes": ["blockade_months", "agreements_made"]}))
    assert "outcomes[1]" in message and "renamed 'commitments_made'" in message
    assert "agreements_signed" in message


def test_unknown_arm(tmp_path):
    message = refused(tmp_path, with_({"arms": ["baseline", "learning_spaces"]}))
    assert "arms[1]" in message and "did you mean 'learning_space'" in message


def test_duplicate_arm(tmp_path):
    message = refused(tmp_path, with_({"arms": ["baseline", "learning_space", "learning_space"]}))
    assert "arms" in message and "twice" in message


def test_unknown_top_level_key(tmp_path):
    message = refused(tmp_path, with_({"replicate": 3}))
    assert "unknown key 'replicate'" in message and "did you mean 'replicates'" in message


def test_full_factorial_needs_levels(tmp_path):
    message = refused(tmp_path, with_({"design": {"type": "full_factorial"}}))
    assert "parameters.parameters.trust_loss_rate" in message and "levels" in message


def test_arms_design_varies_nothing(tmp_path):
    message = refused(tmp_path, with_({"design": {"type": "arms"}}))
    assert "parameters" in message and "overrides" in message


def test_morris_levels_must_be_even(tmp_path):
    message = refused(tmp_path, with_({"design": {"type": "morris", "levels": 5}}))
    assert "design.levels" in message and "even" in message


def test_option_of_another_design(tmp_path):
    message = refused(tmp_path, with_({"design/second_order": True}))
    assert "design.second_order" in message and "sobol" in message


def test_missing_scenario(tmp_path):
    message = refused(tmp_path, with_({"scenario": "defualt"}))
    assert "scenario" in message and "did you mean 'default'" in message


def test_bad_override(tmp_path):
    message = refused(tmp_path, with_({"overrides": {"parameters.trust_gain_rate": 3}}))
    assert "overrides" in message and "trust_gain_rate" in message


def test_setting_both_fixed_and_varied(tmp_path):
    message = refused(tmp_path, with_({"overrides": {"parameters.trust_loss_rate": 0.2}}))
    assert "overrides.parameters.trust_loss_rate" in message


def test_not_a_number(tmp_path):
    message = refused(tmp_path, with_({"parameters/parameters.trust_loss_rate/low": "0.1"}))
    assert "parameters.parameters.trust_loss_rate.low" in message and "'0.1'" in message


def test_duplicate_key_in_the_file(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nname: b\nscenario: default\ndesign: {type: arms}\n")
    with pytest.raises(ScenarioError, match="appears twice"):
        load_experiment(path)


def test_unknown_builtin_name():
    with pytest.raises(ScenarioError, match="did you mean 'morris_screening'"):
        load_experiment("moris_screening")


def test_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ScenarioError, match="list.yaml: an experiment file must be a YAML mapping"):
        load_experiment(path)


def test_from_data_without_a_file():
    experiment = experiment_from_data(with_({}))
    assert experiment.origin == "<experiment data>"
    with pytest.raises(ScenarioError, match="^<experiment data>: invalid experiment: replicates"):
        experiment_from_data(with_({"replicates": 0}))


def test_hash_does_not_depend_on_where_the_scenario_is_named(tmp_path):
    from stakesim.scenarios import builtin_path

    named = load_experiment(write(tmp_path, BASE))
    by_path = experiment_from_data(with_({"scenario": str(builtin_path("default"))}))
    assert named.hash() == by_path.hash()


# ----------------------------------------------------------------------------- arm settings
@pytest.mark.parametrize("path, spec, expected", [
    ("arms.learning_space.follow_throug", {"low": 0.2, "high": 1.0}, "learning_space has no field 'follow_throug'"),
    ("arms.negotiation_table.every", {"levels": [2, 3]}, "no arm of this experiment has negotiation_table"),
    ("arms.learning_space.follow_through", {"low": 0.2, "high": 1.5}, "learning_space.follow_through refuses 1.5"),
    ("arms.learning_space", {"low": 0.2, "high": 1.0}, "arms.<intervention>.<field>"),
])
def test_bad_arm_settings_are_refused_with_the_field_named(tmp_path, path, spec, expected):
    data = with_({})
    data["parameters"][path] = spec
    message = refused(tmp_path, data)
    assert f"parameters.{path}" in message and expected in message, message


def test_an_arm_setting_changes_its_arm_and_leaves_the_baseline_alone(tmp_path):
    """Two points that differ only in a learning space's follow-through: the baseline runs are
    identical, the learning-space runs are not."""
    from stakesim.experiments.tasks import base_hash, make_tasks, run_task

    tasks = make_tasks([{"arms.learning_space.follow_through": 0.0}, {"arms.learning_space.follow_through": 1.0}],
                       ["baseline", "learning_space"], replicates=1, base_seed=3, scenario_ref="default",
                       scenario_hash=base_hash("default"), steps=60,
                       outcomes=("final_trust_community_company", "protest_months"))
    rows = {(t.point, t.arm): run_task(t).row for t in tasks}
    assert all(row["status"] == "ok" for row in rows.values())
    assert rows[0, "baseline"]["final_trust_community_company"] == rows[1, "baseline"]["final_trust_community_company"]
    assert rows[0, "learning_space"]["final_trust_community_company"] < \
        rows[1, "learning_space"]["final_trust_community_company"]
