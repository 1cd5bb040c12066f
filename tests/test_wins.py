"""Which arm wins where: win/tie verdicts, directions, shares, deciders and the headline both ways,
on small hand-made runs tables (no model runs); then `analyze` and scripts/findings.py on a tiny
real sweep."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from stakesim import cli
from stakesim.experiments import wins

ROOT = Path(__file__).resolve().parent.parent
ARMS3 = ["baseline", "learning_space", "negotiation_table"]


def experiment(arms=ARMS3, outcomes=("blockade_months", "final_trust_community_company"), parameters=("a", "b"),
               replicates=4):
    return SimpleNamespace(arms=list(arms), outcomes=list(outcomes), parameter_names=list(parameters),
                           replicates=replicates, design=SimpleNamespace(type="latin_hypercube"))


def runs_from(values: dict, settings: dict | None = None) -> pd.DataFrame:
    """values[(point, arm)] = {outcome: [one value per replicate]}; settings[point] = {name: value}."""
    rows = []
    for (point, arm), outcomes in values.items():
        count = len(next(iter(outcomes.values())))
        for replicate in range(count):
            rows.append({"point": point, "arm": arm, "replicate": replicate, "status": "ok",
                         **(settings or {}).get(point, {}),
                         **{name: series[replicate] for name, series in outcomes.items()}})
    return pd.DataFrame(rows)


def verdict(points: pd.DataFrame, comparison: str, outcome: str, point: int) -> pd.Series:
    row = points[(points["comparison"] == comparison) & (points["outcome"] == outcome) & (points["point"] == point)]
    assert len(row) == 1
    return row.iloc[0]


# --------------------------------------------------------------------------- verdicts
TWO = experiment(arms=["learning_space", "negotiation_table"], outcomes=("blockade_months",))
PAIR = "learning_space vs negotiation_table"


def two_arm_runs(outcome: str = "blockade_months") -> pd.DataFrame:
    return runs_from({
        # point 0: the space 4 months lower in every replicate: a sure win
        (0, "learning_space"): {outcome: [1, 2, 3, 4]}, (0, "negotiation_table"): {outcome: [5, 6, 7, 8]},
        # point 1: differences -4, +4, -4, +4: mean zero, a tie
        (1, "learning_space"): {outcome: [1, 9, 1, 9]}, (1, "negotiation_table"): {outcome: [5, 5, 5, 5]},
        # point 2: differences 0, 1, 0, 1: the table lower by mean, but the interval spans zero: a tie
        (2, "learning_space"): {outcome: [5, 6, 5, 6]}, (2, "negotiation_table"): {outcome: [5, 5, 5, 5]},
        # point 3: identical runs: a tie both ways
        (3, "learning_space"): {outcome: [2, 2, 3, 3]}, (3, "negotiation_table"): {outcome: [2, 2, 3, 3]},
    })


def test_a_sure_difference_wins_and_noise_is_a_tie():
    points = wins.point_results(two_arm_runs(), TWO)
    assert verdict(points, PAIR, "blockade_months", 0)[["winner", "winner_by_mean"]].tolist() == \
        ["learning_space", "learning_space"]
    assert verdict(points, PAIR, "blockade_months", 1)[["winner", "winner_by_mean"]].tolist() == [wins.TIE, wins.TIE]
    assert verdict(points, PAIR, "blockade_months", 2)[["winner", "winner_by_mean"]].tolist() == \
        [wins.TIE, "negotiation_table"]
    assert verdict(points, PAIR, "blockade_months", 3)[["winner", "winner_by_mean"]].tolist() == [wins.TIE, wins.TIE]
    row = verdict(points, PAIR, "blockade_months", 2)
    assert row["difference"] == pytest.approx(0.5) and row["ci_low"] < 0 < row["ci_high"]  # arm minus versus
    assert row["n"] == 4


def test_higher_is_better_turns_the_verdicts_round():
    outcome = "final_trust_community_company"
    points = wins.point_results(two_arm_runs(outcome), experiment(arms=TWO.arms, outcomes=(outcome,)))
    assert verdict(points, PAIR, outcome, 0)["winner"] == "negotiation_table"
    assert verdict(points, PAIR, outcome, 2)[["winner", "winner_by_mean"]].tolist() == [wins.TIE, "learning_space"]
    assert wins.direction("blockade_months") == wins.direction("suspended") == "lower"
    assert wins.direction("protest_months") == wins.direction("peak_grievance") == "lower"
    assert wins.direction(outcome) == wins.direction("final_social_licence") == "higher"
    assert wins.direction("intervention_cost_total") == wins.direction("commitments_made") == ""


def test_outcomes_with_no_better_direction_are_not_judged():
    exp = experiment(arms=TWO.arms, outcomes=("blockade_months", "commitments_made"))
    runs = two_arm_runs()
    runs["commitments_made"] = runs["replicate"]
    points = wins.point_results(runs, exp)
    assert set(points["outcome"]) == {"blockade_months"}


def test_a_failed_run_drops_its_replicate_from_the_pair_only():
    runs = two_arm_runs()
    failed = (runs["point"] == 0) & (runs["arm"] == "negotiation_table") & (runs["replicate"] == 3)
    runs.loc[failed, "status"] = "failed"
    row = verdict(wins.point_results(runs, TWO), PAIR, "blockade_months", 0)
    assert row["n"] == 3 and row["winner"] == "learning_space"


def test_shares_count_wins_and_ties_per_comparison():
    points = wins.point_results(two_arm_runs(), TWO)
    table = wins.shares(points, TWO)
    pair = table[table["comparison"] == PAIR].set_index("winner")
    assert pair.loc["learning_space", "count"] == 1 and pair.loc["negotiation_table", "count"] == 0
    assert pair.loc[wins.TIE, "count"] == 3 and pair.loc[wins.TIE, "share"] == pytest.approx(0.75)
    assert pair.loc["negotiation_table", "count_by_mean"] == 1 and pair.loc[wins.TIE, "count_by_mean"] == 2
    assert pair["share"].sum() == pytest.approx(1.0) and pair["share_by_mean"].sum() == pytest.approx(1.0)
    everyone = table[table["comparison"] == wins.ALL_ARMS]
    assert set(everyone["winner"]) == {"learning_space", "negotiation_table", wins.TIE}


def test_the_best_of_all_arms_must_beat_every_rival_surely():
    # baseline 10, the space 4 (surely lower than both rivals), the table about as low as the space
    # at point 1 (the space best by mean, but within noise of the table: a tie)
    runs = runs_from({
        (0, "baseline"): {"blockade_months": [10, 11, 10, 11]},
        (0, "learning_space"): {"blockade_months": [4, 4, 5, 5]},
        (0, "negotiation_table"): {"blockade_months": [8, 9, 8, 9]},
        (1, "baseline"): {"blockade_months": [10, 11, 10, 11]},
        (1, "learning_space"): {"blockade_months": [4, 4, 5, 5]},
        (1, "negotiation_table"): {"blockade_months": [3, 6, 3, 7]},
    })
    points = wins.point_results(runs, experiment(outcomes=("blockade_months",)))
    first = verdict(points, wins.ALL_ARMS, "blockade_months", 0)
    assert (first["winner"], first["arm"], first["versus"]) == ("learning_space", "learning_space", "negotiation_table")
    second = verdict(points, wins.ALL_ARMS, "blockade_months", 1)
    assert (second["winner"], second["winner_by_mean"]) == (wins.TIE, "learning_space")
    # head to head: the first two intervention arms, then each against baseline
    assert list(dict.fromkeys(points["comparison"])) == [
        wins.ALL_ARMS, "learning_space vs negotiation_table", "learning_space vs baseline",
        "negotiation_table vs baseline"]
    assert verdict(points, "negotiation_table vs baseline", "blockade_months", 1)["winner"] == "negotiation_table"


# --------------------------------------------------------------------------- deciders and both ways
def planted(seed: int = 1, count: int = 80) -> tuple[pd.DataFrame, SimpleNamespace]:
    """The space's advantage over the table in blockade months grows with a; b is irrelevant; the
    table beats the space on trust where a < 0.3 and the space is worse than baseline there too."""
    rng = np.random.default_rng(seed)
    values, settings = {}, {}
    for point in range(count):
        a, b = rng.random(2)
        settings[point] = {"a": a, "b": b}
        noise = rng.normal(0, 0.05, 4)
        table = 10 + noise
        space = table - 6 * (a - 0.3) + rng.normal(0, 0.05, 4)
        values[(point, "baseline")] = {"blockade_months": list(table), "final_trust_community_company": [0.5] * 4}
        values[(point, "negotiation_table")] = {"blockade_months": list(table),
                                                "final_trust_community_company": [0.5] * 4}
        values[(point, "learning_space")] = {"blockade_months": list(space),
                                             "final_trust_community_company":
                                                 list(0.5 + 0.2 * (a - 0.3) + rng.normal(0, 0.002, 4))}
    return runs_from(values, settings), experiment()


def test_deciders_rank_the_planted_setting_first_with_its_sign():
    runs, exp = planted()
    points = wins.point_results(runs, exp)
    table = wins.deciders(points, exp)
    mine = table[(table["comparison"] == "learning_space vs negotiation_table")
                 & (table["outcome"] == "blockade_months")]
    assert mine["parameter"].tolist() == ["a", "b"] and mine["rank"].tolist() == [1, 2]
    top = mine.iloc[0]
    assert top["rho"] > 0.9 and top["p_value"] < 1e-6  # the larger a, the more the space beats the table
    assert abs(mine.iloc[1]["rho"]) < 0.3
    # a difference that never varies correlates with nothing (no value rather than a warning)
    flat = table[(table["comparison"] == "negotiation_table vs baseline")
                 & (table["outcome"] == "final_trust_community_company")]
    assert flat["rho"].isna().all()


def test_both_directions_count_the_headline_one_way_and_the_other():
    runs, exp = planted()
    result = wins.analyze_wins(runs, exp)
    both = result.both.set_index("key")
    settings = runs.groupby("point")[["a"]].first()["a"]
    low = int((settings < 0.3).sum())
    # the table beats the space on blockades and trust exactly where a < 0.3 (both surely, away from 0.3)
    table_wins = both.loc["second_beats_first_on_blockade_and_trust"]
    assert table_wins["arm"] == "negotiation_table" and table_wins["versus"] == "learning_space"
    assert abs(table_wins["count_by_mean"] - low) <= 1 and abs(table_wins["count"] - low) <= 4
    space_wins = both.loc["first_beats_second_on_blockade_and_trust"]
    assert table_wins["count"] + space_wins["count"] <= len(settings)
    worse = both.loc["first_worse_than_baseline_on_blockade"]
    assert worse["arm"] == "baseline" and worse["versus"] == "learning_space"
    assert abs(worse["count_by_mean"] - low) <= 1
    assert both.loc["second_worse_than_baseline_on_blockade", "count_by_mean"] == 0  # the table is the baseline here
    assert "is worse than baseline" in worse["statement"]
    if not result.conditions.empty:  # PRIM (EMA Workbench, a dev dependency) finds a < 0.3
        box = result.conditions[result.conditions["key"] == "second_beats_first_on_blockade_and_trust"]
        limits = box.set_index("parameter")
        assert "a" in limits.index and limits.loc["a", "high"] == pytest.approx(0.3, abs=0.08)


def test_applies_only_to_several_arms_over_varied_settings():
    assert wins.applies(experiment())
    assert not wins.applies(experiment(arms=["baseline"]))
    assert not wins.applies(experiment(parameters=()))
    arms_only = experiment()
    arms_only.design = SimpleNamespace(type="arms")
    assert not wins.applies(arms_only)


# --------------------------------------------------------------------------- a tiny real sweep
def test_analyze_writes_wins_and_deciders_and_findings_reads_them(tmp_path, capsys):
    """One tiny real sweep (4 points, 3 arms, 2 replicates, 30 months), analysed from the command
    line; then scripts/findings.py prints its numbers and fills only its own part of a page."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tiny", "scenario": "default",
        "overrides": {"steps": 30, "stakeholders.near_community.population": 60,
                      "stakeholders.valley_community.population": 60, "stakeholders.town.population": 60},
        "parameters": {"stakeholders.municipality.presence": {"low": 0.05, "high": 0.9},
                       "parameters.threshold_mean": {"low": 0.2, "high": 0.5}},
        "arms": ARMS3, "design": {"type": "latin_hypercube", "samples": 4}, "replicates": 2,
        "outcomes": ["blockade_months", "protest_months", "suspended", "final_trust_community_company",
                     "commitments_made"],
    }), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["sweep", str(path), "--out", str(out), "--backend", "serial", "--no-progress"]) == 0
    assert cli.main(["analyze", str(out)]) == 0
    analysis = out / "analysis"
    table = pd.read_csv(analysis / "wins.csv")
    assert list(table.columns) == wins.WINS_COLUMNS
    assert set(table["outcome"]) == {"blockade_months", "protest_months", "suspended",
                                     "final_trust_community_company"}  # agreements: no better direction
    for _, group in table.groupby(["comparison", "outcome"]):
        assert group["share"].sum() == pytest.approx(1.0) and (group["points"] == 4).all()
    deciders = pd.read_csv(analysis / "deciders.csv")
    assert list(deciders.columns) == wins.DECIDER_COLUMNS
    assert set(deciders["parameter"]) == {"stakeholders.municipality.presence", "parameters.threshold_mean"}
    assert set(deciders["comparison"]) == {"learning_space vs negotiation_table", "learning_space vs baseline",
                                           "negotiation_table vs baseline"}
    assert (analysis / "both_directions.csv").exists() and (analysis / "wins_by_point.csv").exists()
    assert (analysis / "wins.png").exists() and (analysis / "heatmap-baseline.png").exists()
    report = (analysis / "report.md").read_text()
    assert "Which arm wins where" in report and "What decides it" in report
    capsys.readouterr()

    spec = importlib.util.spec_from_file_location("findings", ROOT / "scripts" / "findings.py")
    findings = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(findings)
    assert findings.main([str(analysis)]) == 0
    printed = capsys.readouterr().out
    assert "### Which arm is best" in printed and "### Both directions" in printed and "(a)" in printed
    assert "4 parameter sets" in printed and "(24 runs, 0 failed)" in printed
    page = tmp_path / "findings.md"
    page.write_text(f"# Findings\n\nbefore\n\n{findings.BEGIN}\nold numbers\n{findings.END}\n\nafter\n")
    assert findings.main([str(out), "--write", str(page)]) == 0  # the sweep folder works too
    text = page.read_text()
    assert "old numbers" not in text and "### What decides it" in text
    assert text.startswith("# Findings\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    shipped = (ROOT / "docs" / "findings.md").read_text()
    assert shipped.count(findings.BEGIN) == 1 and shipped.count(findings.END) == 1
