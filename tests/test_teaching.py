"""The notebooks' check cells: a right answer passes, a wrong one gets a hint, nothing raises.

The right answers here are worked out independently of ``stakesim.teaching`` (from the library
API, as a student would), so a judge that computes the wrong truth fails.
"""

from __future__ import annotations

import pandas as pd
import pytest

import stakesim
from stakesim import teaching
from stakesim.scenarios.files import builtin_path
from stakesim.teaching import check, judge_choice, judge_number


def test_judge_number_within_and_outside_tolerance():
    assert judge_number(3, 3)[0]
    assert judge_number(3.004, 3.0, tolerance=0.005)[0]
    assert not judge_number(3.01, 3.0, tolerance=0.005)[0]
    assert judge_number(102, 100, tolerance=0.02, relative=True)[0]
    ok, message = judge_number(90, 100, tolerance=0.02, relative=True)
    assert not ok and "too low" in message
    assert not judge_number(True, 1)[0] and not judge_number("many", 1)[0] and not judge_number(float("nan"), 1)[0]


def test_judge_choice_ignores_case_and_spaces_and_lists_options():
    assert judge_choice(" Learning Space ", "learning_space", ["baseline", "learning_space"])[0]
    ok, message = judge_choice("table", "baseline", ["baseline", "learning_space"])
    assert not ok and "baseline, learning_space" in message
    assert not judge_choice(3, "baseline", ["baseline"])[0]


def test_unanswered_unknown_and_unreadable_answers_get_messages_not_tracebacks():
    verdict = check("tour.construction_months", None)
    assert not verdict and "not answered yet" in verdict.message and "Hint:" in verdict.message
    assert "no exercise called" in check("no.such.exercise", 1).message
    unreadable = check("build.inert_is_baseline", 42)  # not a pair of tables
    assert not unreadable and "could not be checked" in unreadable.message
    assert "pass the Morris analysis" in check("sweeps.top_morris", "x").message
    assert repr(verdict).startswith("✗ tour.construction_months")


def _ls_trust_difference() -> float:
    s = stakesim.compare("default", arms=["baseline", "learning_space"], replicates=10, seed=0).summaries
    by_arm = s.pivot(index="replicate", columns="arm", values="final_trust_community_company")
    return float((by_arm["learning_space"] - by_arm["baseline"]).mean())


def _grievance_peak_phase() -> str:
    t = stakesim.simulate("default", seed=1).timeseries
    return t.sort_values("grievance_mean", ascending=False).iloc[0]["phase"]


RIGHT = {
    "tour.construction_months": lambda: {p.name: p.duration for p in
                                         stakesim.load_scenario("default").project.phases}["construction"],
    "tour.peak_phase": _grievance_peak_phase,
    "tour.presence_blockades": lambda: int((stakesim.simulate(
        "default", seed=1, overrides={"stakeholders.municipality.presence": 0.9}).timeseries["blockades"] > 0).sum()),
    "seeds.same_seed": lambda: "yes",
    "seeds.paired_difference": _ls_trust_difference,
    "sweeps.run_count": lambda: 16 * (3 + 2) * 2 * 3,
    "validation.asymmetry": lambda: 0.30 * 0.5 / (0.10 * 0.5),
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_a_right_answer_passes_and_a_wrong_one_gets_the_hint(key):
    right = RIGHT[key]()
    assert check(key, right), check(key, right).message
    wrong = right * 3 + 7 if isinstance(right, (int, float)) else "closure"
    if key == "seeds.same_seed":
        wrong = "no"
    verdict = check(key, wrong)
    assert not verdict and teaching.EXERCISES[key].hint in verdict.message


def test_crisis_and_cost_exercises_follow_the_comparison():
    comparison = stakesim.compare("acute_crisis", arms=list(teaching.HEADLINE_ARMS), replicates=10, seed=0)
    fewest = comparison.summaries.groupby("arm")["blockade_months"].mean().idxmin()
    assert check("arms.crisis_fewest_blockades", fewest)
    assert not check("arms.crisis_fewest_blockades", next(a for a in teaching.HEADLINE_ARMS if a != fewest))
    means = stakesim.compare("default", arms=list(teaching.HEADLINE_ARMS), replicates=10, seed=0).summaries.groupby(
        "arm")[["company_delay_costs", "intervention_cost_total"]].mean()
    ratio = ((means.loc["baseline", "company_delay_costs"] - means.loc["learning_space", "company_delay_costs"])
             / means.loc["learning_space", "intervention_cost_total"])
    assert check("arms.cost_ratio", ratio) and not check("arms.cost_ratio", ratio * 1.1)


def test_context_exercises_read_the_students_own_tables():
    table = pd.DataFrame({"arm": ["learning_space"] * 2 + ["negotiation_table"],
                          "outcome": ["protest_months"] * 3,
                          "channel": ["understanding", "follow_up", "settlement"],
                          "through_channel": [-3.0, 5.0, -50.0]})
    assert check("validation.main_channel", "follow_up", table=table)
    assert not check("validation.main_channel", "understanding", table=table)
    frame = pd.DataFrame({"step": [1, 2], "grievance_mean": [0.1, 0.2], "intervention_cost": [0.0, 0.0]})
    costly = frame.assign(intervention_cost=[0.01, 0.01])
    assert check("build.inert_is_baseline", (costly, frame))
    changed = check("build.inert_is_baseline", (costly.assign(grievance_mean=[0.1, 0.3]), frame))
    assert not changed and "grievance_mean" in changed.message


def test_own_scenario_check_reports_the_loaders_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nproject: {phases: []}\n")
    verdict = check("build.scenario", str(bad))
    assert not verdict and "not a valid scenario yet" in verdict.message
    lonely = tmp_path / "one_community.yaml"
    lonely.write_text(
        "name: lonely\n"
        "project: {phases: [{name: exploration, duration: 12}]}\n"
        "stakeholders:\n"
        "  - {id: company, type: company}\n"
        "  - {id: municipality, type: local_government}\n"
        "  - {id: village, type: community, population: 100}\n"
        "  - {id: convener, type: cso, role: convener}\n")
    one = check("build.scenario", lonely)
    assert not one and "at least two" in one.message, one.message
    good = check("build.scenario", builtin_path("default"))
    assert good, good.message
