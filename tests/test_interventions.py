"""Interventions as objects: one interface, round trips, mid-run switching, paired arms, bad input,
and each intervention's own mechanism in the direction its source describes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from stakesim.scenarios.loader import ScenarioError, apply_override, builtin_path, dump_scenario, read_yaml, validate
from stakesim.simulator.schema import Scenario
from stakesim.simulator.interventions import KINDS, REGISTRY, default_spec
from stakesim.simulator.model import MiningModel
from stakesim.simulator.run import run_scenario

STAKESIM = str(Path(sys.executable).with_name("stakesim"))


def default_with(*specs, overrides=()) -> Scenario:
    data = read_yaml(builtin_path("default"))
    for assignment in overrides:
        apply_override(data, assignment)
    data["interventions"] = [s.model_dump(exclude_none=True) for s in specs]
    return validate(data, "<default>")


def test_the_eight_interventions_of_the_source_programmes_are_registered():
    assert set(KINDS) == {"learning_space", "negotiation_table", "grievance_mechanism", "participatory_monitoring",
                          "capacity_building", "revenue_transparency", "context_training", "leadership_training"}


@pytest.mark.parametrize("kind", KINDS)
def test_every_intervention_round_trips_through_yaml(kind):
    spec = default_spec(kind, name=f"my_{kind}", start="construction", end=120, every=5, participants=["community"]
                        if kind not in ("capacity_building", "context_training") else [])
    scenario = default_with(spec)
    again = validate(yaml.safe_load(dump_scenario(scenario)), "<dumped>")
    assert again == scenario
    assert again.interventions[0] == spec


def test_adding_and_removing_an_intervention_mid_run():
    scenario = default_with()
    model = MiningModel(scenario, seed=3)
    for _ in range(30):
        model.step()
    model.add_intervention(default_spec("learning_space"))
    for _ in range(12):
        model.step()
    space = model.interventions[0]
    assert space.meetings == 6  # every two months from month 31 to 42
    costs = model.datacollector.get_model_vars_dataframe()["intervention_cost"]
    assert costs.iloc[:30].sum() == 0 and costs.iloc[30:].sum() == pytest.approx(6 * space.spec.cost_per_meeting)
    model.remove_intervention("learning_space")
    for _ in range(12):
        model.step()
    assert space.meetings == 6 and not model.interventions
    with pytest.raises(KeyError):
        model.remove_intervention("learning_space")


def test_adding_an_intervention_mid_run_is_checked_against_the_scenario():
    model = MiningModel(default_with(), seed=0)
    with pytest.raises(ValueError, match="participants"):
        model.add_intervention(default_spec("grievance_mechanism", participants=["nobody"]))
    model.add_intervention(default_spec("grievance_mechanism"))
    with pytest.raises(ValueError, match="already"):
        model.add_intervention(default_spec("grievance_mechanism"))


def test_an_intervention_that_never_meets_leaves_the_arm_equal_to_baseline():
    """Common random numbers: the arm differs from baseline only through what the intervention does."""
    never = default_spec("negotiation_table", start="closure")  # a phase the first 60 months never reach
    baseline = run_scenario(default_with(), seed=11, steps=60)
    arm = run_scenario(default_with(never), seed=11, steps=60)
    pd.testing.assert_frame_equal(arm.timeseries, baseline.timeseries)


def test_an_intervention_with_its_own_draws_does_not_shift_the_baseline_draws():
    """A learning space draws attendance from its own stream, so members' draws at start are unchanged."""
    a = MiningModel(default_with(), seed=5)
    b = MiningModel(default_with(default_spec("learning_space")), seed=5)
    for key in ("near_community", "valley_community", "town"):
        np.testing.assert_array_equal(a.stakeholders[key].thresholds, b.stakeholders[key].thresholds)


# ---------------------------------------------------------------------------- bad input
BAD_INTERVENTIONS = [
    ({"type": "learning_space", "participants": ["nobody"]}, "participants: 'nobody'"),
    ({"type": "negotiation_table", "start": "closure", "end": "construction"}, "comes before"),
    ({"type": "capacity_building", "start": 500}, "outside the simulated months"),
    ({"type": "capacity_building", "start": 50, "end": 10}, "before start"),
    ({"type": "teleportation"}, "type"),
    ({"type": "learning_space", "convener": "ngo_that_is_missing"}, "convener"),
    ({"type": "grievance_mechanism", "responsiveness": 2}, "responsiveness"),
    ({"type": "grievance_mechanism", "speed": 2}, "unknown key 'speed'"),
]


@pytest.mark.parametrize("intervention,message", BAD_INTERVENTIONS)
def test_bad_interventions_exit_2_with_a_clear_message(tmp_path, intervention, message):
    data = read_yaml(builtin_path("default"))
    data["interventions"] = [intervention]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    done = subprocess.run([STAKESIM, "run", str(path), "--steps", "12"], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert str(path) in done.stderr and "interventions[0]" in done.stderr
    assert message in done.stderr


def test_phase_schedule_outside_this_projects_life_cycle_is_rejected():
    data = read_yaml(builtin_path("acute_crisis"))  # starts in construction: no exploration phase
    data["interventions"] = [{"type": "context_training", "start": "exploration"}]
    with pytest.raises(ScenarioError, match="not in this project's life cycle"):
        validate(data, "acute_crisis.yaml")


def test_learning_space_without_a_convener_says_how_to_add_one():
    data = read_yaml(builtin_path("default"))
    data["stakeholders"] = [s for s in data["stakeholders"] if s.get("role") != "convener"]
    data["ties"] = [t for t in data["ties"] if "convener" not in (t["source"], t["target"])]
    data["interventions"] = [{"type": "learning_space"}]
    with pytest.raises(ScenarioError, match="role convener"):
        validate(data, "default.yaml")


# ---------------------------------------------------------------------------- mechanisms, one each
def mean_over_seeds(scenario, fn, seeds=range(4)):
    return float(np.mean([fn(MiningModel(scenario, seed=s).run()) for s in seeds]))


def test_learning_space_creates_new_ties_between_members_who_had_none():
    model = MiningModel(default_with(default_spec("learning_space", end=24)), seed=1)
    before = set(model.graph.edges)
    model.run()
    created = {(u, v) for u, v, d in model.graph.edges(data=True)
               if d["kind"] == "intervention" and "convener" not in (u, v)}
    assert created and not created & before
    kinds = {frozenset((model.stakeholders[u].kind, model.stakeholders[v].kind)) for u, v in created}
    assert frozenset(("company", "cso")) in kinds  # the company meets civil society it had no tie to


def test_negotiation_table_commitments_fall_mostly_on_the_state():
    """With a municipality that can fund its share (commitments are sized to the debtor's means)."""
    scenario = default_with(default_spec("negotiation_table"))
    scenario = scenario.model_copy(update={"stakeholders": [
        s.model_copy(update={"budget": 100.0}) if s.id == "municipality" else s for s in scenario.stakeholders]})
    model = MiningModel(scenario, seed=2).run()
    debtors = [c.debtor for c in model.commitments.items]
    assert len(debtors) > 20
    assert 0.6 < debtors.count("municipality") / len(debtors) < 0.85
    monitored = np.mean([c.monitored for c in model.commitments.items])
    assert monitored < 0.3


def test_grievance_mechanism_is_only_as_good_as_its_responsiveness():
    trust = lambda m: m.trust("near_community", "company")
    responsive = mean_over_seeds(default_with(default_spec("grievance_mechanism", responsiveness=1.0)), trust)
    deaf = mean_over_seeds(default_with(default_spec("grievance_mechanism", responsiveness=0.0)), trust)
    none = mean_over_seeds(default_with(), trust)
    assert responsive > none > deaf


def test_participatory_monitoring_closes_the_gap_between_perceived_and_actual_impact():
    gap = lambda m: np.mean([abs(c.perceived_impact - c.actual_impact) for c in m.communities])
    overrides = ("project.phases.operation.complexity=1.0",)
    monitored = mean_over_seeds(default_with(default_spec("participatory_monitoring", every=1),
                                             overrides=overrides), gap)
    unmonitored = mean_over_seeds(default_with(overrides=overrides), gap)
    assert monitored < 0.5 * unmonitored


def test_capacity_building_turns_more_revenue_into_services_and_less_into_leakage():
    share = lambda m: m.governments[0].leaked_total / m.governments[0].received_total
    invested = lambda m: m.governments[0].invested_total
    trained = default_with(default_spec("capacity_building"))
    assert mean_over_seeds(trained, share) < 0.5 * mean_over_seeds(default_with(), share)
    assert mean_over_seeds(trained, invested) > mean_over_seeds(default_with(), invested)


def test_revenue_transparency_reduces_leakage():
    leaked = lambda m: m.governments[0].leaked_total
    assert mean_over_seeds(default_with(default_spec("revenue_transparency")), leaked) < \
        0.8 * mean_over_seeds(default_with(), leaked)


def test_context_training_stops_local_hiring_from_doing_harm():
    impact = lambda m: np.mean([c.actual_impact for c in m.communities])
    overrides = ("steps=84",)
    trained = default_with(default_spec("context_training"), overrides=overrides)
    untrained = default_with(overrides=overrides)
    assert mean_over_seeds(trained, impact) < mean_over_seeds(untrained, impact)


def test_leadership_training_makes_blockades_rarer_relative_to_protests():
    def blockades_per_protest(model):
        table = model.datacollector.get_model_vars_dataframe()
        return (table["blockades"] > 0).sum() / max(1, (table["protests"] > 0).sum())
    trained = default_with(default_spec("leadership_training"))
    assert mean_over_seeds(trained, blockades_per_protest) < mean_over_seeds(default_with(), blockades_per_protest)


def test_every_intervention_costs_what_its_meetings_cost():
    for kind, (spec_class, _) in REGISTRY.items():
        spec = default_spec(kind, end=24)
        model = MiningModel(default_with(spec, overrides=("steps=36",)), seed=0).run()
        (runtime,) = model.interventions
        assert model.intervention_cost_total == pytest.approx(runtime.meetings * spec.cost_per_meeting), kind


def test_a_month_schedule_meets_exactly_from_start_to_end_inclusive():
    model = MiningModel(default_with(overrides=("steps=14",)), seed=0)
    model.add_intervention(default_spec("capacity_building", start=5, end=10, every=2))
    met = []
    while model.running:
        before = model.interventions[0].meetings
        model.step()
        if model.interventions[0].meetings > before:
            met.append(model.steps)
    assert met == [5, 7, 9]
