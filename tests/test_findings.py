"""The conditions docs/findings.md reports, each shown at a parameter set inside its region.

The sensitivity analyses (headline_sensitivity, crisis_sensitivity) find where each direction
holds; these tests pin one setting from each region and show the direction over paired
replicates (a 95% paired t-interval that excludes zero), and, where the page names the mechanism
behind it, that switching the mechanism off removes it (a difference of differences). If a model
change moves a finding, a test here fails and the page must be rewritten from a new run.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from stakesim.scenarios.loader import load_scenario, validate
from stakesim.simulator.interventions import default_spec
from stakesim.simulator.run import run_scenario

SEEDS = range(10)


def arm(scenario: str, kind: str | None, overrides: dict | None = None, **settings):
    base = load_scenario(scenario, overrides=overrides or {})
    if kind is None:
        return base
    with_it = base.model_copy(update={"interventions": [default_spec(kind, **settings)]})
    return validate(with_it.model_dump(), f"<{scenario} + {kind}>")


def summaries(sc, seeds=SEEDS) -> list[dict]:
    return [run_scenario(sc, seed=seed).summary for seed in seeds]


def column(runs: list[dict], key: str) -> np.ndarray:
    return np.array([float(r[key]) for r in runs])


def interval(diff: np.ndarray) -> tuple[float, float, float]:
    mean = float(diff.mean())
    half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)) if diff.std() else 0.0
    return mean, mean - half, mean + half


def assert_positive(diff: np.ndarray, what: str) -> None:
    mean, low, high = interval(np.asarray(diff, float))
    assert low > 0, f"{what}: expected > 0; mean {mean:.4f} (95% CI {low:.4f} to {high:.4f})"


# ----------------------------------------------------------------------------- (a) the table wins
def test_where_the_state_funds_and_keeps_its_word_and_the_convener_is_distrusted_the_table_wins():
    """crisis_sensitivity's region where the table gives less blockade time and more trust in the
    company than the learning space (its point 73): a crisis in which a capable, honest regional
    government with money signs, promises are believed, the convener is distrusted and the space
    delivers only half its follow-ups. Fails if the table stops settling disputes with kept
    commitments, or the space gains legitimacy regardless of how it is run."""
    over = {"stakeholders.region.capacity": 0.6, "stakeholders.region.integrity": 0.9,
            "stakeholders.region.budget": 40.0, "parameters.promise_credibility": 1.0,
            "ties.6.trust": 0.1, "ties.7.trust": 0.1}
    space = summaries(arm("acute_crisis", "learning_space", over, follow_through=0.55))
    table = summaries(arm("acute_crisis", "negotiation_table", over))
    assert_positive(column(space, "blockade_months") - column(table, "blockade_months"),
                    "blockade months, learning space minus table")
    assert_positive(column(table, "final_trust_community_company") - column(space, "final_trust_community_company"),
                    "final trust in the company, table minus learning space")


# ----------------------------------------------------------------------------- (b) the space harms
def test_a_space_whose_follow_ups_fail_costs_a_trusted_state_trust():
    """Default scenario with a capable, honest municipality (so communities trust it) and a space
    that delivers half its follow-ups: trust in the government ends lower than with no space. The
    mechanism is the follow-up the State owed (losses weigh more than gains at high trust): with
    channel_follow_up off the harm is gone (difference of differences)."""
    capable = {"stakeholders.municipality.capacity": 0.9, "stakeholders.municipality.integrity": 0.9}

    def harm(**switches) -> np.ndarray:
        over = {**capable, **{f"parameters.{k}": v for k, v in switches.items()}}
        base = summaries(arm("default", None, over))
        space = summaries(arm("default", "learning_space", over, follow_through=0.5))
        return column(base, "final_trust_community_government") - column(space, "final_trust_community_government")

    with_follow_up = harm()
    assert_positive(with_follow_up, "trust in government, baseline minus a space with unreliable follow-up")
    assert_positive(with_follow_up - harm(channel_follow_up=0), "harm with minus without the follow-up channel")


def test_in_a_crisis_of_high_expectations_the_space_prolongs_a_blockaded_project():
    """crisis_sensitivity's region where the space is worse than nothing on blockade months: high
    expectations and a State of middling integrity. The space raises trust enough to postpone the
    suspension by a few months, and the project is blockaded in those months: more blockade
    months, a later suspension, not less conflict (the page says so)."""
    over = {"stakeholders.highland_community.expectation": 0.8,
            "stakeholders.valley_community.expectation": 0.8, "stakeholders.region.integrity": 0.5}
    base = summaries(arm("acute_crisis", None, over))
    space = summaries(arm("acute_crisis", "learning_space", over))
    assert column(base, "suspended").all() and column(space, "suspended").all()
    assert_positive(column(space, "blockade_months") - column(base, "blockade_months"),
                    "blockade months, learning space minus baseline")
    assert_positive(column(space, "suspension_step") - column(base, "suspension_step"),
                    "month of suspension, learning space minus baseline")


# ----------------------------------------------------------------------------- the table harms
def test_over_a_project_life_the_table_adds_blockades_by_teaching_that_mobilising_pays():
    """Default scenario: a reactive table means more blockade months than no table, and the part
    that runs through the mobilisation lesson is what makes it worse (difference of differences)."""
    def harm(**switches) -> np.ndarray:
        over = {f"parameters.{k}": v for k, v in switches.items()}
        base = summaries(arm("default", None, over), range(20))
        table = summaries(arm("default", "negotiation_table", over), range(20))
        return column(table, "blockade_months") - column(base, "blockade_months")

    with_lesson = harm()
    assert_positive(with_lesson, "blockade months, table minus baseline")
    assert_positive(with_lesson - harm(channel_mobilisation_lesson=0), "harm with minus without the lesson")
