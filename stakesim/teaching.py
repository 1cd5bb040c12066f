"""Check cells for the teaching notebooks: a student's answer gets a verdict and a hint, never a traceback.

``check("tour.construction_months", answer)`` judges one exercise of ``notebooks/``. The right
answer is computed from the library API when the answer is checked, never typed in here, so the
exercises stay right while the model changes. An unanswered exercise (``None``), an answer of the
wrong kind, or an answer the check cannot read gets a message saying what to try, not an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

Judge = Callable[..., "tuple[bool, str]"]


@dataclass(frozen=True)
class Verdict:
    """What a check says: right or not yet, and why. Shown as its message in a notebook."""

    exercise: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        return f"{'✓' if self.correct else '✗'} {self.exercise}: {self.message}"


@dataclass(frozen=True)
class Exercise:
    question: str
    hint: str
    judge: Judge


EXERCISES: dict[str, Exercise] = {}


def exercise(key: str, question: str, hint: str):
    """Register a judge ``(answer, **context) -> (correct, message)`` under ``key``."""
    def wrap(judge: Judge) -> Judge:
        EXERCISES[key] = Exercise(" ".join(question.split()), " ".join(hint.split()), judge)
        return judge
    return wrap


def check(key: str, answer: Any, **context) -> Verdict:
    """Judge ``answer`` to exercise ``key``; ``context`` passes what the exercise is about
    (an analysis, a table) when its right answer depends on the student's own run."""
    if key not in EXERCISES:
        known = ", ".join(sorted(EXERCISES))
        return Verdict(key, False, f"there is no exercise called {key!r}; known: {known}")
    ex = EXERCISES[key]
    if answer is None or answer is Ellipsis:
        return Verdict(key, False, f"not answered yet: replace None with your answer. Hint: {ex.hint}")
    try:
        correct, message = ex.judge(answer, **context)
    except Exception as error:  # a check never shows a traceback: say what could not be read
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return Verdict(key, False, f"this answer could not be checked ({reason}). Hint: {ex.hint}")
    return Verdict(key, correct, message if correct else f"{message} Hint: {ex.hint}")


# ---------------------------------------------------------------------------------- kinds of answer
def _number(answer: Any) -> float | None:
    if isinstance(answer, bool):
        return None
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def judge_number(answer: Any, expected: float, tolerance: float = 0.0, relative: bool = False) -> tuple[bool, str]:
    """Right when within ``tolerance`` of ``expected`` (a share of it when ``relative``)."""
    value = _number(answer)
    if value is None:
        return False, f"expected a number, got {answer!r}."
    allowed = tolerance * abs(expected) if relative else tolerance
    if abs(value - expected) <= allowed + 1e-12:
        return True, f"right ({_fmt(expected)})."
    direction = "too high" if value > expected else "too low"
    return False, f"{_fmt(value)} is {direction}."


def judge_choice(answer: Any, expected: str, options: Iterable[str]) -> tuple[bool, str]:
    """Right when ``answer`` names ``expected`` (case and surrounding spaces ignored)."""
    options = list(options)
    if not isinstance(answer, str):
        return False, f"expected one of {', '.join(options)} as text, got {answer!r}."
    given = answer.strip().lower().replace(" ", "_")
    names = {o.lower().replace(" ", "_"): o for o in options}
    if given not in names:
        return False, f"{answer!r} is not one of {', '.join(options)}."
    if given == expected.lower().replace(" ", "_"):
        return True, f"right ({expected})."
    return False, f"not {names[given]}."


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# ---------------------------------------------------------------------------------- shared runs
@lru_cache(maxsize=None)
def _comparison(scenario: str, arms: tuple[str, ...], replicates: int, seed: int = 0):
    import stakesim

    return stakesim.compare(scenario, arms=list(arms), replicates=replicates, seed=seed)


def _row(table, arm: str, outcome: str):
    rows = table[(table["arm"] == arm) & (table["outcome"] == outcome)]
    return rows.iloc[0]


# ---------------------------------------------------------------------------------- 1 the tour
@exercise("tour.construction_months",
          "How many months does the default scenario's construction phase last?",
          "stakesim.load_scenario('default').project.phases lists the phases with their durations.")
def _construction(answer):
    import stakesim

    phases = stakesim.load_scenario("default").project.phases
    return judge_number(answer, next(p.duration for p in phases if p.name == "construction"))


@exercise("tour.peak_phase",
          "In the default scenario with seed 1, in which phase is mean grievance highest?",
          "find the row of result.timeseries with the largest grievance_mean and read its phase "
          "(pandas: .idxmax() or .sort_values()).")
def _peak_phase(answer):
    import stakesim

    table = stakesim.simulate("default", seed=1).timeseries
    expected = table.loc[table["grievance_mean"].idxmax(), "phase"]
    return judge_choice(answer, expected, [p.name for p in stakesim.load_scenario("default").project.phases])


@exercise("tour.presence_blockades",
          "Run the default scenario with seed 1 and the municipality's presence at 0.9. "
          "How many months have at least one blockade?",
          "overrides={'stakeholders.municipality.presence': 0.9}; the summary's blockade_months counts them.")
def _presence_blockades(answer):
    import stakesim

    result = stakesim.simulate("default", seed=1, overrides={"stakeholders.municipality.presence": 0.9})
    return judge_number(answer, result.summary["blockade_months"])


# ---------------------------------------------------------------------------------- 2 seeds
@exercise("seeds.same_seed",
          "Do two runs of the default scenario with seed 7 give identical monthly tables? (yes or no)",
          "run stakesim.simulate('default', seed=7) twice and compare the tables with .equals().")
def _same_seed(answer):
    import stakesim

    first = stakesim.simulate("default", seed=7).timeseries
    second = stakesim.simulate("default", seed=7).timeseries
    return judge_choice(answer, yes_no(first.equals(second)), ["yes", "no"])


@exercise("seeds.paired_difference",
          "Over 10 paired replicates (seed 0) of the default scenario, what is the learning space's mean "
          "paired difference from baseline in final trust community→company (learning space minus baseline)?",
          "compare('default', arms=['baseline', 'learning_space'], replicates=10); summary_table() has "
          "diff_mean; within 0.005 counts as right.")
def _paired_difference(answer):
    table = _comparison("default", ("baseline", "learning_space"), 10).summary_table()
    return judge_number(answer, float(_row(table, "learning_space", "final_trust_community_company")["diff_mean"]),
                        tolerance=0.005)


@exercise("seeds.excludes_zero",
          "Over 10 paired replicates (seed 0) of the default scenario, does the 95% interval of the negotiation "
          "table's paired difference from baseline in blockade months exclude zero? (yes or no)",
          "an interval excludes zero when diff_ci_low and diff_ci_high have the same sign.")
def _excludes_zero(answer):
    row = _row(_comparison("default", ("baseline", "negotiation_table"), 10).summary_table(),
               "negotiation_table", "blockade_months")
    low, high = float(row["diff_ci_low"]), float(row["diff_ci_high"])
    return judge_choice(answer, yes_no(low > 0 or high < 0), ["yes", "no"])


# ---------------------------------------------------------------------------------- 3 the two arms
HEADLINE_ARMS = ("baseline", "learning_space", "negotiation_table")


@exercise("arms.crisis_fewest_blockades",
          "In acute_crisis (10 replicates, seed 0), which arm has the fewest blockade months on average: "
          "baseline, learning_space or negotiation_table?",
          "compare('acute_crisis', arms=[...], replicates=10) and read the mean of blockade_months per arm.")
def _crisis_fewest(answer):
    table = _comparison("acute_crisis", HEADLINE_ARMS, 10).summary_table()
    means = table[table["outcome"] == "blockade_months"].set_index("arm")["mean"]
    return judge_choice(answer, str(means.idxmin()), HEADLINE_ARMS)


@exercise("arms.cost_ratio",
          "In the default scenario (10 replicates, seed 0), how many US$ million of the company's blockade "
          "costs does the learning space avoid per US$ million that it costs?",
          "(baseline's mean company_delay_costs − the learning space's) ÷ the learning space's mean "
          "intervention_cost_total, from comparison.summaries; within 2% counts as right.")
def _cost_ratio(answer):
    means = _comparison("default", HEADLINE_ARMS, 10).summaries.groupby("arm")[
        ["company_delay_costs", "intervention_cost_total"]].mean()
    avoided = means.loc["baseline", "company_delay_costs"] - means.loc["learning_space", "company_delay_costs"]
    return judge_number(answer, avoided / means.loc["learning_space", "intervention_cost_total"],
                        tolerance=0.02, relative=True)


# ---------------------------------------------------------------------------------- 4 sweeps
@exercise("sweeps.run_count",
          "How many runs does a Sobol experiment make with samples 16, three varied settings, no second-order "
          "indices, two arms and three replicates?",
          "docs/experiments.md: a Sobol design has samples × (k + 2) points; every point runs in every arm "
          "and every replicate.")
def _run_count(answer):
    from stakesim.experiments.experiment_file import experiment_from_data

    experiment = experiment_from_data({
        "name": "count", "scenario": "default", "arms": ["baseline", "learning_space"], "replicates": 3,
        "design": {"type": "sobol", "samples": 16, "second_order": False},
        "parameters": {"parameters.trust_gain_rate": {"low": 0.05, "high": 0.2},
                       "parameters.trust_loss_rate": {"low": 0.1, "high": 0.5},
                       "parameters.threshold_mean": {"low": 0.2, "high": 0.5}},
        "outcomes": ["blockade_months"]})
    return judge_number(answer, experiment.run_count())


@exercise("sweeps.top_morris",
          "Which varied setting has the largest mu* for blockade months in your Morris screening?",
          "pass your analysis: check(..., answer, analysis=morris); analysis.indices has one row per "
          "arm, outcome and parameter with mu_star.")
def _top_morris(answer, analysis=None):
    if analysis is None or analysis.indices is None:
        return False, "pass the Morris analysis as analysis=... so the check can read its indices."
    rows = analysis.indices[analysis.indices["outcome"] == "blockade_months"]
    top = rows.sort_values("mu_star", ascending=False).iloc[0]["parameter"]
    return judge_choice(answer, top, list(rows["parameter"]))


# ---------------------------------------------------------------------------------- 5 validation
@exercise("validation.asymmetry",
          "At trust 0.5, with the default rates, how many times more trust does one broken commitment cost "
          "than one kept commitment earns?",
          "on a MiningModel, set an edge's trust to 0.5, call model.trust_event(i, j, good=1) and measure the "
          "change; reset it and do the same with bad=1; divide. Within 1% counts as right.")
def _asymmetry(answer):
    import stakesim

    model = stakesim.MiningModel("default", seed=0)
    edge = ("near_community", "company")
    changes = []
    for event in ({"good": 1.0}, {"bad": 1.0}):
        model.graph.edges[edge]["trust"] = 0.5
        model.trust_event(*edge, **event)
        changes.append(abs(model.trust(*edge) - 0.5))
    return judge_number(answer, changes[1] / changes[0], tolerance=0.01, relative=True)


@exercise("validation.main_channel",
          "Which channel carries the largest part of the learning space's effect on protest months in your "
          "decomposition?",
          "pass your table: check(..., answer, table=table); look at the rows of the learning space and "
          "protest_months and the largest through_channel in size (ignore its sign).")
def _main_channel(answer, table=None):
    if table is None:
        return False, "pass the decomposition table as table=... so the check can read it."
    rows = table[(table["arm"] == "learning_space") & (table["outcome"] == "protest_months")]
    top = rows.loc[rows["through_channel"].abs().idxmax(), "channel"]
    return judge_choice(answer, top, list(rows["channel"]))


# ---------------------------------------------------------------------------------- 6 build your own
@exercise("build.scenario",
          "Write a scenario file of a place you know with at least two communities and a convener "
          "(a CSO with role convener); pass its path.",
          "stakesim.load_scenario(path) must accept it: its message names the field to fix. A convener "
          "is {id: ..., type: cso, role: convener}.")
def _own_scenario(answer):
    import stakesim

    if not isinstance(answer, (str, Path)):
        return False, f"expected the path of your YAML file, got {answer!r}."
    try:
        scenario = stakesim.load_scenario(Path(answer))
    except stakesim.ScenarioError as error:
        return False, f"the file is not a valid scenario yet: {error}"
    communities = [s for s in scenario.stakeholders if s.type == "community"]
    conveners = [s for s in scenario.stakeholders if s.type == "cso" and s.role == "convener"]
    if len(communities) < 2:
        return False, f"it has {len(communities)} community; the exercise asks for at least two."
    if not conveners:
        return False, "it has no convener."
    return True, f"a valid scenario with {len(communities)} communities and a convener."


@exercise("build.inert_is_baseline",
          "Run your intervention with no effect (reach 0) beside a run without it, with the same seed: "
          "are the two tables identical apart from the intervention's cost? Pass the two tables.",
          "check(..., (table_with, table_without)); with common random numbers an intervention that does "
          "nothing must change nothing but intervention_cost.")
def _inert(answer):
    with_it, without = answer
    columns = [c for c in without.columns if c != "intervention_cost"]
    if list(with_it.columns) != list(without.columns) or len(with_it) != len(without):
        return False, "the two tables do not have the same columns and months."
    for column in columns:
        if not with_it[column].equals(without[column]):
            return False, f"they differ in {column}: an intervention with reach 0 still acts somewhere."
    return True, "identical apart from the intervention's cost: common random numbers hold."


__all__ = ["EXERCISES", "Verdict", "check", "judge_choice", "judge_number"]
