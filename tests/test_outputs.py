"""Issue 9's outputs: what each new column and table counts, checked against the model's own state.

Each test computes the quantity a second way (from the ledger, the graph, the intervention objects
or the life-cycle plan) and compares; a counter in the wrong place, or one that counts the wrong
thing, fails.
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from stakesim.experiments import dataset
from stakesim.scenarios.loader import load_scenario
from stakesim.simulator import graph as trust_graph
from stakesim.simulator.metrics import COMMUNITY_COLUMNS, EVENT_COLUMNS, INTERVENTION_COLUMNS, TIMESERIES_COLUMNS
from stakesim.simulator.model import MiningModel
from stakesim.simulator.run import run_scenario

TABLE = [{"type": "negotiation_table"}]


def _crisis_with_table(seed=0) -> MiningModel:
    return MiningModel(load_scenario("acute_crisis", {"interventions": TABLE}), seed=seed).run()


# --------------------------------------------------------------------------- agreements and commitments
def test_agreements_signed_count_packages_and_commitments_count_their_parts():
    signed = made = 0
    for seed in range(4):
        model = _crisis_with_table(seed)
        table = model.interventions[0]
        last = model.datacollector.model_vars
        assert last["agreements_signed"][-1] == table.agreements == model.commitments.agreements
        assert sum(row["agreements"] for row in model.intervention_log) == table.agreements
        items = model.commitments.items
        assert last["commitments_made"][-1] == len(items)
        assert last["commitments_kept"][-1] == sum(c.kept is True for c in items)
        assert last["commitments_broken"][-1] == sum(c.kept is False for c in items)
        signed += table.agreements
        made += len(items)
    per_package = table.spec.commitments_per_agreement
    # a package holds up to commitments_per_agreement commitments (fewer when a debtor cannot fund one)
    assert signed > 0 and signed < made <= per_package * signed


def test_commitments_are_counted_by_debtor_type():
    result_model = _crisis_with_table(1)
    summary = run_scenario(load_scenario("acute_crisis", {"interventions": TABLE}), seed=1).summary
    items = result_model.commitments.items
    kinds = {"company": "company", "local_government": "government", "community": "community", "cso": "cso"}
    for kind, label in kinds.items():
        mine = [c for c in items if result_model.stakeholders[c.debtor].kind == kind]
        assert summary[f"commitments_made_{label}"] == len(mine)
        assert summary[f"commitments_kept_{label}"] == sum(c.kept is True for c in mine)
        assert summary[f"commitments_broken_{label}"] == sum(c.kept is False for c in mine)
    for what in ("made", "kept", "broken"):
        assert sum(summary[f"commitments_{what}_{label}"] for label in kinds.values()) == summary[f"commitments_{what}"]
    assert summary["commitments_made_government"] > summary["commitments_made_company"] > 0  # 72.5% on the State


# --------------------------------------------------------------------------- ties
def _cross_pairs(model, threshold=None) -> int:
    types = {k: a.kind for k, a in model.stakeholders.items()}
    pairs = {tuple(sorted((u, v))) for u, v, d in model.graph.edges(data=True)
             if types[u] != types[v] and (threshold is None or d["trust"] >= threshold)}
    return len(pairs)


def test_cross_type_ties_count_new_ties_that_bridging_ties_miss(sim):
    data = sim.scenario(communities=2, population=100)
    data["stakeholders"].append({"id": "convener", "type": "cso", "role": "convener", "understanding": 0.9})
    data["interventions"] = [{"type": "learning_space", "every": 1, "attendance": 1.0, "sessions_for_tie": 1,
                              "new_tie_trust": 0.3, "follow_through": 1.0}]
    model = sim.model(data, seed=3)
    threshold = model.p["trusted_tie_threshold"]
    rose = False
    for _ in range(12):
        before = model.datacollector.model_vars["cross_type_ties"][-1] if model.steps else _cross_pairs(model)
        model.step()
        columns = model.datacollector.model_vars
        assert columns["cross_type_ties"][-1] == _cross_pairs(model)
        assert columns["bridging_ties"][-1] == _cross_pairs(model, threshold)
        rose |= columns["cross_type_ties"][-1] > before
    assert rose, "the space formed no new cross-type tie"
    new = [(u, v) for u, v, d in model.graph.edges(data=True) if d["kind"] == "intervention"
           and model.stakeholders[u].kind != model.stakeholders[v].kind]
    assert new
    assert columns["cross_type_ties"][-1] > columns["bridging_ties"][-1]


def test_trust_in_own_government_is_each_communitys_own_tie_whatever_ties_a_space_adds(sim):
    """Two governments, each serving one community; a space ties each community to the other
    government at a trust below its trust in its own, so the mean over community -> government
    edges falls while the mean trust in one's own government does not move with it."""
    data = sim.scenario(communities=2, population=100)
    data["stakeholders"].insert(2, {"id": "government2", "type": "local_government", "revenue_share": 0.0})
    data["stakeholders"][1]["revenue_share"] = 1.0
    sim.stakeholder(data, "community2")["government"] = "government2"
    data["stakeholders"].append({"id": "convener", "type": "cso", "role": "convener", "understanding": 0.9})
    data["ties"] += [{"source": "community", "target": "government", "trust": 0.8, "mutual": False},
                     {"source": "community2", "target": "government2", "trust": 0.8, "mutual": False}]
    data["interventions"] = [{"type": "learning_space", "every": 1, "attendance": 1.0, "sessions_for_tie": 1,
                              "new_tie_trust": 0.2, "follow_through": 1.0}]
    model = sim.model(data, seed=2)
    gaps = []
    for _ in range(6):
        model.step()
        own = [model.trust(c.key, c.government_key) for c in model.communities]
        columns = model.datacollector.model_vars
        assert columns["trust_own_government"][-1] == pytest.approx(np.mean(own), abs=1e-15)
        assert columns["trust_own_company"][-1] == pytest.approx(
            np.mean([model.trust(c.key, "company") for c in model.communities]), abs=1e-15)
        gaps.append(columns["trust_own_government"][-1] - columns["trust_community_government"][-1])
    assert model.graph.has_edge("community", "government2")
    assert gaps[-1] > 0.2  # the all-edges mean fell to about halfway between 0.8 and 0.2


# --------------------------------------------------------------------------- intervention log
def test_the_intervention_log_has_one_row_per_meeting_with_its_cost_and_attendance(sim):
    data = sim.scenario(population=100)
    data["stakeholders"].append({"id": "convener", "type": "cso", "role": "convener", "understanding": 0.9})
    data["interventions"] = [{"type": "learning_space", "every": 2, "cost_per_meeting": 0.03},
                             {"type": "participatory_monitoring", "every": 3, "cost_per_meeting": 0.01}]
    model = sim.model(data, seed=4)
    space, monitoring = model.interventions
    keys = space.participant_keys
    attended = []
    for _ in range(24):
        before, held = sum(model.stakeholders[k].meetings_attended for k in keys), space.meetings
        model.step()
        if space.meetings > held:
            attended.append(sum(model.stakeholders[k].meetings_attended for k in keys) - before)
    log = model.intervention_log
    assert all(tuple(row) == INTERVENTION_COLUMNS for row in log)
    rows = {name: [r for r in log if r["intervention"] == name] for name in ("learning_space", "participatory_monitoring")}
    assert len(rows["learning_space"]) == space.meetings and len(rows["participatory_monitoring"]) == monitoring.meetings
    assert [r["step"] for r in rows["learning_space"]] == list(range(1, 25, 2))
    assert [r["attendance"] for r in rows["learning_space"]] == attended  # members present, convener included
    assert len(set(attended)) > 1  # attendance is drawn, not everyone every time
    assert all(r["attendance"] == len(monitoring.participant_keys) for r in rows["participatory_monitoring"])
    costs = sum(r["cost"] for r in log)
    assert costs == pytest.approx(model.intervention_cost_total)
    assert all(r["agreements"] == 0 and r["kind"] == r["intervention"] for r in log)


# --------------------------------------------------------------------------- cost of conflict
def _planned_revenue(project_spec) -> list[float]:
    return [p.revenue for p in project_spec.phases for _ in range(p.duration)]


def test_revenue_forgone_is_what_the_plan_would_have_paid_after_a_suspension(sim):
    data = sim.scenario()
    data["stakeholders"][1]["revenue_share"] = 0.6
    model = sim.model(data, seed=0)
    for _ in range(20):
        model.step()
    assert model.project.active and model.datacollector.model_vars["revenue_forgone"][-1] == 0.0
    done = model.steps - model.project.delay_months  # project months lived so far
    model.project.suspend(model.steps)
    plan = _planned_revenue(model.scenario_spec.project)
    for k in range(1, 31):  # two months past the plan's end (48 months)
        model.step()
        expected = 0.6 * plan[done + k - 1] if done + k - 1 < len(plan) else 0.0
        assert model.datacollector.model_vars["revenue_forgone"][-1] == pytest.approx(expected, abs=1e-15)
    forgone = model.datacollector.model_vars["revenue_forgone"]
    assert sum(forgone) > 0.0 and forgone[-1] == 0.0  # nothing is forgone past the plan's end


def test_a_blockaded_month_forgoes_the_next_month_of_the_plan(sim):
    data = sim.scenario()
    model = sim.model(data, seed=0)
    for _ in range(24):  # exploration (6 months) and construction (18): operation starts in month 25
        model.step()
    assert model.project.delay_months == 0 and model.project.phase_name == "construction"
    model.blockade_now = True  # a blockade decided now stops the project next month
    model.step()
    assert model.project.blocked and model.project.phase_name == "construction"
    operation = model.scenario_spec.project.phases[2].revenue
    assert model.datacollector.model_vars["revenue_forgone"][-1] == pytest.approx(operation * 1.0)


def test_conflict_cost_adds_delay_costs_and_forgone_revenue_and_is_zero_without_conflict(sim):
    for seed in range(3):
        summary = run_scenario(load_scenario("acute_crisis"), seed=seed).summary
        assert summary["conflict_cost_total"] == pytest.approx(summary["company_delay_costs"]
                                                               + summary["revenue_forgone_total"])
        assert summary["revenue_forgone_total"] > 0 and summary["company_delay_costs"] > 0
    calm = sim.scenario()
    calm["stakeholders"][2]["expectation"] = 0.0
    summary = sim.run(calm, seed=0).summary
    assert summary["blockade_months"] == 0 and not summary["suspended"]
    assert summary["conflict_cost_total"] == 0.0
    keys = list(summary)
    assert keys.index("conflict_cost_total") + 1 == keys.index("intervention_cost_total")  # side by side


# --------------------------------------------------------------------------- the tables, everywhere
@pytest.fixture(scope="module")
def with_table():
    return run_scenario(load_scenario("acute_crisis", {"interventions": TABLE}), seed=0, steps=24)


def test_every_new_table_has_its_columns(with_table):
    result = with_table
    assert list(result.communities.columns) == list(COMMUNITY_COLUMNS)
    assert len(result.communities) == 24 * 2
    assert list(result.interventions.columns) == list(INTERVENTION_COLUMNS) and len(result.interventions) > 0
    assert list(result.events.columns)[:2] == list(EVENT_COLUMNS)
    for column in ("trust_own_company", "trust_own_government", "agreements_signed", "commitments_made",
                   "cross_type_ties", "revenue_forgone"):
        assert column in TIMESERIES_COLUMNS and column in result.timeseries


def test_the_community_table_is_what_the_means_are_taken_from(with_table):
    result = with_table
    table, series = result.communities, result.timeseries
    population = {s.id: s.population for s in load_scenario("acute_crisis").stakeholders if s.type == "community"}
    assert list(table["community"][:2]) == list(population)  # scenario order within a month
    for column, mean in (("actual_impact", "actual_impact_mean"), ("mobilised_share", "mobilised_share"),
                         ("understanding", "understanding_mean")):
        w = table["community"].map(population)
        weighted = (table[column] * w).groupby(table["step"]).sum() / w.groupby(table["step"]).sum()
        assert np.allclose(weighted.to_numpy(), series[mean].to_numpy(), rtol=1e-12)
    protests = table.groupby("step")["protesting"].sum().to_numpy()
    assert (protests == series["protests"].to_numpy()).all()
    own = table.groupby("step")["trust_own_company"].mean().to_numpy()
    assert np.allclose(own, series["trust_own_company"].to_numpy(), rtol=1e-12)


def test_run_out_writes_every_table(tmp_path):
    from stakesim.cli import main

    assert main(["run", "acute_crisis", "--seed", "0", "--steps", "12", "--out", str(tmp_path)]) == 0
    for name, columns in (("communities", COMMUNITY_COLUMNS), ("interventions", INTERVENTION_COLUMNS),
                          ("events", EVENT_COLUMNS), ("timeseries", TIMESERIES_COLUMNS)):
        header = (tmp_path / f"{name}.csv").read_text().splitlines()[0].split(",")
        assert header[:len(columns)] == list(columns), name
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "conflict_cost_total" in summary and "agreements_signed" in summary


def test_results_keep_their_tables_when_pickled(with_table):
    again = pickle.loads(pickle.dumps(with_table))
    pd.testing.assert_frame_equal(again.communities, with_table.communities)
    pd.testing.assert_frame_equal(again.interventions, with_table.interventions)


def test_a_sweep_that_keeps_monthly_tables_keeps_the_others(tmp_path):
    import stakesim

    stakesim.compare("acute_crisis", arms=["baseline", "negotiation_table"], replicates=2, steps=12,
                     out=tmp_path, backend="serial")
    communities = dataset.read_table(tmp_path, "communities")
    log = dataset.read_table(tmp_path, "interventions")
    assert len(communities) == 2 * 2 * 12 * 2 and list(communities.columns[:5]) == list(dataset.RUN_KEYS)
    assert list(communities.columns[5:]) == list(COMMUNITY_COLUMNS)
    assert set(log["arm"]) == {"negotiation_table"} and list(log.columns[5:]) == list(INTERVENTION_COLUMNS)
    one = run_scenario(load_scenario("acute_crisis", {"interventions": TABLE}), seed=1, steps=12)
    mine = log[log["replicate"] == 1].drop(columns=list(dataset.RUN_KEYS)).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, one.interventions, check_dtype=False)
    assert dataset.read_table(tmp_path, "events").empty
