"""Issue 9, items 1 and 2: concern about announced impacts, exposure by phase, resettlement.

Each test compares runs with the same seed that differ in one setting, so every other draw is
shared; where a setting cannot act before some month, the runs must be identical, to the last bit,
before it.
"""

from __future__ import annotations

import numpy as np
import pytest

from stakesim.scenarios import ScenarioError

SEED = 3


def permitting_world(sim, announced: float = 0.0, understanding: float = 0.2, trust: float | None = None,
                     bias: float = 0.0):
    """The minimal scenario with a quiet permitting phase (12 months, no impact, no jobs) after an
    exploration without jobs, so nothing has happened by the end of permitting (actual impact 0)."""
    data = sim.scenario(population=300)
    exploration = sim.phase(data, "exploration")
    exploration.update(impact=0.0, jobs=0.0)
    data["project"]["phases"].insert(1, {"name": "permitting", "duration": 12, "complexity": 0.5,
                                         "announced_impact": announced})
    community = sim.stakeholder(data, "community")
    community.update(technical_understanding=understanding, impact_bias=bias)
    if trust is not None:
        data["ties"].append({"source": "community", "target": "company", "trust": trust, "mutual": False})
    return data


def series(result, column):
    return result.timeseries[column].to_numpy()


PERMITTING = slice(6, 18)  # months 7 to 18


# --------------------------------------------------------------------------- anticipated impacts
def test_announced_impacts_raise_concern_and_grievance_before_any_impact(sim):
    quiet, announced = (sim.run(permitting_world(sim, a), seed=SEED) for a in (0.0, 0.5))
    assert (series(announced, "actual_impact_mean")[:18] == 0.0).all()  # nothing has happened yet
    assert (series(quiet, "concern_mean")[:18] == 0.0).all()
    assert (series(announced, "concern_mean")[:6] == 0.0).all()  # exploration announces nothing
    assert series(announced, "concern_mean")[17] > 0.3
    assert series(announced, "grievance_company")[17] > series(quiet, "grievance_company")[17] + 0.1
    assert (series(announced, "grievance_mean")[PERMITTING] > series(quiet, "grievance_mean")[PERMITTING]).all()


def test_less_understanding_and_less_trust_in_the_company_mean_more_concern(sim):
    def concern(**kwargs) -> float:
        return series(sim.run(permitting_world(sim, 0.5, **kwargs), seed=SEED), "concern_mean")[17]

    assert concern(understanding=0.1) > concern(understanding=0.6) + 0.1
    assert concern(trust=0.2) > concern(trust=0.8) + 0.1


def test_understanding_moves_concern_toward_what_is_heard_either_way(sim):
    """A community that plays the impact down (negative impact_bias, trusting the company) is
    concerned below what the plan means for it; understanding raises that concern, as it lowers an
    inflated one."""
    def concern(understanding, bias, trust) -> float:
        data = permitting_world(sim, 0.5, understanding=understanding, trust=trust, bias=bias)
        return series(sim.run(data, seed=SEED), "concern_mean")[17]

    heard = 0.5  # exposure 1
    low, high = concern(0.1, -2.0, 0.9), concern(0.7, -2.0, 0.9)
    assert low < high < heard  # deflated, less so with understanding
    low, high = concern(0.1, 0.5, 0.2), concern(0.7, 0.5, 0.2)
    assert low > high > heard  # inflated, less so with understanding


@pytest.mark.parametrize("bias, trust, sign", [(0.5, 0.2, -1), (-2.0, 0.9, +1)])
def test_participatory_monitoring_moves_concern_toward_the_plan_either_way(sim, bias, trust, sign):
    without = permitting_world(sim, 0.5, trust=trust, bias=bias)
    with_monitoring = permitting_world(sim, 0.5, trust=trust, bias=bias)
    with_monitoring["interventions"] = [{"type": "participatory_monitoring", "every": 1, "start": "permitting",
                                         "learning_rate": 0.0}]
    a, b = (sim.run(d, seed=SEED) for d in (without, with_monitoring))
    heard = 0.5
    gap_without = series(a, "concern_mean")[17] - heard
    gap_with = series(b, "concern_mean")[17] - heard
    assert np.sign(gap_without) == -sign and abs(gap_with) < 0.5 * abs(gap_without)
    # reassured, the community trusts the company more; shown worse, less
    difference = series(b, "trust_own_company")[17] - series(a, "trust_own_company")[17]
    assert np.sign(difference) == -sign and abs(difference) > 0.005


def test_concern_counts_once_the_impact_it_anticipates_is_felt(sim):
    """Concern and the perceived impact are one impact: grievance takes the larger, so a concern
    below a perceived impact adds nothing."""
    model = sim.model(permitting_world(sim, 0.5), seed=SEED)
    community = model.communities[0]
    community.perceived_impact, community.concern = 0.6, 0.3
    assert community.felt_impact == 0.6
    community.concern = 0.8
    assert community.felt_impact == 0.8


def test_a_suspended_project_announces_nothing_and_concern_fades(sim):
    model = sim.model(permitting_world(sim, 0.5), seed=SEED)
    for _ in range(12):
        model.step()
    peak = model.communities[0].concern
    assert peak > 0.2
    model.project.suspend(model.steps)
    for _ in range(12):
        model.step()
    assert model.announced_impact() == 0.0 and model.communities[0].concern < 0.1 * peak


# --------------------------------------------------------------------------- exposure by phase
def haul_road_world(sim, exposed_in_operation: bool):
    data = sim.scenario(population=300)
    sim.stakeholder(data, "community")["exposure"] = 0.0
    if exposed_in_operation:
        sim.phase(data, "operation")["exposure"] = {"community": 1.0}
    sim.phase(data, "operation")["impact"] = 0.01
    return data


def test_exposure_only_in_operation_raises_grievance_only_then(sim):
    road, far = (sim.run(haul_road_world(sim, flag), seed=SEED) for flag in (True, False))
    start = int(np.argmax(road.timeseries["phase"].to_numpy() == "operation"))
    assert start >= 24
    before = slice(0, start)
    for column in ("actual_impact_mean", "grievance_mean", "trust_own_company", "mobilised_share"):
        assert (series(road, column)[before] == series(far, column)[before]).all(), column
    assert series(road, "actual_impact_mean")[-1] > series(far, "actual_impact_mean")[-1] + 0.1
    assert series(road, "grievance_mean")[-1] > series(far, "grievance_mean")[-1] + 0.02
    exposure = road.communities.set_index("step")["exposure"]
    assert (exposure.iloc[:start] == 0.0).all() and (exposure.iloc[start:] == 1.0).all()


def test_phase_exposure_scales_the_phase_impact_and_leaves_other_communities_alone(sim):
    data = sim.scenario(communities=2, population=300)
    sim.phase(data, "construction")["exposure"] = {"community2": 0.0}
    a, b = sim.run(data, seed=SEED), sim.run(sim.scenario(communities=2, population=300), seed=SEED)
    mine, base = a.communities, b.communities
    first = mine[mine["community"] == "community"]["actual_impact"].to_numpy()
    assert (first == base[base["community"] == "community"]["actual_impact"].to_numpy()).all()
    second = mine[mine["community"] == "community2"]["actual_impact"].to_numpy()
    assert second[23] < base[base["community"] == "community2"]["actual_impact"].to_numpy()[23] - 0.02


# --------------------------------------------------------------------------- resettlement
def calm(data):
    for entry in data["stakeholders"]:
        if entry["type"] == "community":
            entry.update(resources=0.0, expectation=0.1)
    data.setdefault("parameters", {}).update(resource_recovery=0.0, suspension_months=120)
    return data


def test_resettlement_hits_only_its_community_and_only_from_its_phase(sim):
    data = calm(sim.scenario(communities=2, population=300))
    sim.phase(data, "construction")["resettlement"] = {"community2": 0.3}
    moved, stayed = sim.run(data, seed=SEED), sim.run(calm(sim.scenario(communities=2, population=300)), seed=SEED)
    assert moved.summary["blockade_months"] == stayed.summary["blockade_months"] == 0

    def impact(result, key):
        table = result.communities
        return table[table["community"] == key]["actual_impact"].to_numpy()

    assert (impact(moved, "community") == impact(stayed, "community")).all()  # the other community: untouched
    difference = impact(moved, "community2") - impact(stayed, "community2")
    assert (difference[:6] == 0.0).all()  # exploration: not yet
    r = data["parameters"].get("impact_recovery_rate", 0.02)
    expected = 0.3 / 18 * sum((1 - r) ** k for k in range(18))  # 18 months of construction, recovering
    assert difference[23] == pytest.approx(expected, rel=1e-9)
    assert difference[24] == pytest.approx(difference[23] * (1 - r), rel=1e-9)  # operation adds no more


def test_a_blockaded_month_resettles_no_one(sim):
    data = sim.scenario(communities=2)
    sim.phase(data, "construction")["resettlement"] = {"community2": 0.3}
    model = sim.model(data, seed=SEED)
    for _ in range(7):
        model.step()
    second = model.communities[1]
    before = second.actual_impact
    model.blockade_now = True
    model.step()
    assert model.project.blocked
    assert second.actual_impact == pytest.approx(before * (1 - model.p["impact_recovery_rate"]))


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("field", ["exposure", "resettlement"])
@pytest.mark.parametrize("key, words", [("nobody", "no community has id 'nobody'"),
                                        ("government", "'government' is a local_government, not a community")])
def test_a_phase_may_name_only_communities(sim, field, key, words):
    data = sim.scenario()
    sim.phase(data, "operation")[field] = {key: 0.5}
    with pytest.raises(ScenarioError) as info:
        sim.build(data)
    message = str(info.value)
    assert f"project.phases[2] (name 'operation').{field}.{key}" in message and words in message
    assert "community ids: community" in message


def test_exposure_values_and_announced_impacts_are_checked(sim):
    data = sim.scenario()
    sim.phase(data, "operation")["exposure"] = {"community": 1.5}
    with pytest.raises(ScenarioError, match=r"project.phases\[2\] \(name .operation.\).exposure.community"):
        sim.build(data)
    data = sim.scenario()
    sim.phase(data, "operation")["announced_impact"] = -0.1
    with pytest.raises(ScenarioError, match=r"announced_impact"):
        sim.build(data)
    data = sim.scenario()
    data["project"]["phases"].append({"name": "permiting", "duration": 3})
    with pytest.raises(ScenarioError, match="permiting"):
        sim.build(data)
