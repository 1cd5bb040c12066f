"""Each mechanism of the model brief pushes in the direction the brief says it does.

Every test isolates one mechanism: either two runs of the minimal scenario (``conftest.py``) that
differ only in the factor under study, with the same seed so that every other random draw is
shared, or a direct call of the submodel on a built model. Margins are chosen so that a mechanism
that merely wobbles in the right direction does not pass: each test states what size of effect the
mechanism's equation implies and asks for a good part of it.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from stakesim.agents import Community
from stakesim.simulator import graph as trust_graph
from stakesim.simulator.parameters import DEFAULTS

SEED = 11


def mean_over(table, column: str, phase: str | None = None) -> float:
    rows = table if phase is None else table[table["phase"] == phase]
    assert len(rows) > 0, f"no rows in phase {phase!r}"
    return float(rows[column].mean())


def calm(data):
    """Take blockades and suspension out of a scenario, so the project keeps to its schedule.

    A community with no organising resources, and none coming back, cannot blockade; a licence
    would need 120 months in withdrawal to suspend the project. Used where a test studies a
    mechanism upstream of conflict and two runs must face the same project.
    """
    for entry in data["stakeholders"]:
        if entry["type"] == "community":
            entry["resources"] = 0.0
    data.setdefault("parameters", {}).update(resource_recovery=0.0, suspension_months=120)
    return data


def first_step_of(table, phase: str) -> int:
    rows = table.loc[table["phase"] == phase, "step"]
    assert len(rows) > 0, f"the run never reached {phase!r}"
    return int(rows.iloc[0])


# --------------------------------------------------------------------------- trust
def test_broken_commitment_costs_more_trust_than_a_kept_one_earns(sim):
    """Pattern 1 (Slovic 1993): from the same trust, one broken commitment moves trust down by more
    than one kept commitment moves it up; at the default rates (0.10 gain, 0.30 loss, trust 0.5)
    the loss is three times the gain."""
    changes = {}
    for reliability in (1.0, 0.0):  # keep probability 1: always kept; 0 and unmonitored: broken
        data = sim.scenario()
        sim.stakeholder(data, "company")["reliability"] = reliability
        data["ties"].append({"source": "community", "target": "company", "trust": 0.5})
        model = sim.model(data, seed=SEED)
        before = model.trust("community", "company")
        commitment = model.make_commitment("company", "community", amount=0.1, cost=1.0,
                                           due_in=0, monitored=False)
        model.settle_commitments()
        assert commitment.kept is (reliability == 1.0)
        changes[reliability] = model.trust("community", "company") - before
    gain, loss = changes[1.0], -changes[0.0]
    assert gain > 0.0 and loss > 0.0
    assert loss >= 2.5 * gain, f"loss {loss:.4f} is not well above gain {gain:.4f}"


def test_one_broken_commitment_undoes_more_than_one_kept_commitment_built(sim):
    """A kept then a broken commitment leave trust below where it started."""
    data = sim.scenario()
    data["ties"].append({"source": "community", "target": "company", "trust": 0.5})
    model = sim.model(data, seed=SEED)
    model.trust_event("community", "company", good=1.0)
    model.trust_event("community", "company", bad=1.0)
    assert model.trust("community", "company") < 0.5 - 0.08


# --------------------------------------------------------------------------- grievance
def test_wider_expectation_gap_raises_grievance(sim):
    """Hardship grows with the gap between what members expect and what arrives (Epstein 2002;
    Cervantes 2023, high expectations)."""
    grievance = {}
    for expectation in (0.2, 0.8):
        data = sim.scenario()
        sim.stakeholder(data, "community")["expectation"] = expectation
        calm(data)
        grievance[expectation] = mean_over(sim.run(data, seed=SEED).timeseries, "grievance_mean")
    assert grievance[0.8] > grievance[0.2] + 0.1, grievance


def test_higher_perceived_impact_raises_grievance(sim):
    """Perceived impact enters hardship directly: with trust and benefits held fixed, a community
    that perceives more impact is more aggrieved, at about impact_weight x (1 - trust) per unit."""
    model = sim.model(sim.scenario(), seed=SEED)
    community = model.communities[0]
    grievance = {}
    for perceived in (0.1, 0.5):
        community.perceived_impact = perceived
        community.update_grievance(trust_company=0.4, trust_government=0.4, presence=0.4)
        grievance[perceived] = float(community.grievance.mean())
    assert grievance[0.5] - grievance[0.1] > 0.4 * 0.6 * 0.8, grievance


def test_more_project_impact_raises_perceived_impact_and_grievance(sim):
    """The same, through a run: a more damaging construction phase is perceived and resented."""
    perceived, grievance = {}, {}
    for impact in (0.002, 0.02):
        data = sim.scenario()
        sim.phase(data, "construction")["impact"] = impact
        calm(data)
        table = sim.run(data, seed=SEED).timeseries
        perceived[impact] = mean_over(table, "perceived_impact_mean", "construction")
        grievance[impact] = mean_over(table, "grievance_company", "construction")
    assert perceived[0.02] > 2 * perceived[0.002], perceived
    assert grievance[0.02] > grievance[0.002] + 0.08, grievance


def test_complexity_not_understood_inflates_perceived_impact(sim):
    """'A seed of distrust': with a complex phase, a community that does not understand the
    project perceives more impact than it suffers; one that understands it does not."""
    ratio = {}
    for understanding in (0.0, 1.0):
        data = sim.scenario()
        sim.stakeholder(data, "community")["technical_understanding"] = understanding
        sim.phase(data, "construction")["complexity"] = 1.0
        data["ties"] = []  # no CSO pulling perceptions toward its own
        calm(data)
        table = sim.run(data, seed=SEED).timeseries
        end = table[table["phase"] == "construction"].iloc[-1]
        ratio[understanding] = end["perceived_impact_mean"] / end["actual_impact_mean"]
    assert ratio[0.0] > 1.4, ratio  # target is 2x actual at distrust_amplification 1
    assert ratio[1.0] <= 1.0, ratio  # full understanding: no inflation, only lag
    assert ratio[0.0] - ratio[1.0] > 0.4, ratio


def test_technical_understanding_reduces_perceived_impact_directly(sim):
    """The perception submodel alone: same actual impact and complexity, converged perceptions."""
    model = sim.model(sim.scenario(), seed=SEED)
    community = model.communities[0]
    settled = {}
    for understanding in (0.1, 0.9):
        community.understanding = understanding
        community.perceived_impact = 0.0
        for _ in range(100):
            community.perceive(actual_impact=0.3, complexity=0.8)
        settled[understanding] = community.perceived_impact
    assert settled[0.1] == pytest.approx(0.3 * (1 + 0.8 * 0.9), rel=1e-3)
    assert settled[0.1] > settled[0.9] + 0.15, settled


# --------------------------------------------------------------------------- revenue and government
def _revenue_run(sim, capacity: float, revenue: float):
    data = calm(sim.scenario())
    sim.stakeholder(data, "government")["capacity"] = capacity
    sim.phase(data, "operation")["revenue"] = revenue
    return sim.model(data, seed=SEED).run()


def test_low_capacity_leaks_more_and_invests_less(sim):
    """Idle money invites corruption (Cervantes 2023): the same revenue to a low-capacity
    government leaks a larger share and buys fewer services."""
    low, high = _revenue_run(sim, 0.1, 0.5), _revenue_run(sim, 0.8, 0.5)
    gl, gh = low.governments[0], high.governments[0]
    assert gl.received_total == pytest.approx(gh.received_total)
    share_low, share_high = gl.leaked_total / gl.received_total, gh.leaked_total / gh.received_total
    assert share_low > share_high + 0.2, (share_low, share_high)
    assert gh.invested_total > 2 * gl.invested_total, (gh.invested_total, gl.invested_total)


def test_low_capacity_leaks_more_in_the_revenue_submodel(sim):
    """The same on the government alone: two years of equal transfers, managed at two capacities."""
    model = sim.model(sim.scenario(), seed=SEED)
    government = model.governments[0]
    shares, invested = {}, {}
    for capacity in (0.1, 0.8):
        government.capacity = capacity
        government.balance = government.received_total = 0.0
        government.invested_total = government.leaked_total = 0.0
        for _ in range(24):
            government.manage_revenue(1.0)
        shares[capacity] = government.leaked_total / government.received_total
        invested[capacity] = government.invested_total
    assert shares[0.1] > 2 * shares[0.8] and shares[0.1] - shares[0.8] > 0.15, shares
    assert invested[0.8] > 2 * invested[0.1], invested


def test_large_revenue_to_low_capacity_turns_grievance_toward_government(sim):
    """Pattern 4: large revenue to a low-capacity government turns grievance toward it."""
    small = _revenue_run(sim, 0.1, 0.0)
    large = _revenue_run(sim, 0.1, 1.0)
    table_small = small.datacollector.get_model_vars_dataframe()
    table_large = large.datacollector.get_model_vars_dataframe()
    g_small = mean_over(table_small, "grievance_government", "operation")
    g_large = mean_over(table_large, "grievance_government", "operation")
    assert g_large > g_small + 0.1, (g_small, g_large)
    assert table_large["revenue_leaked"].sum() > 5 * table_small["revenue_leaked"].sum()


# --------------------------------------------------------------------------- absent state
def test_absent_state_raises_conflict(sim):
    """Pattern 5: with no state presence there is no deterrence, no services before revenue, and
    the company is blamed for what the state does not deliver; conflict rises."""
    tables = {}
    for presence in (0.0, 0.8):
        data = sim.scenario()
        sim.stakeholder(data, "government")["presence"] = presence
        sim.stakeholder(data, "community")["expectation"] = 0.6
        tables[presence] = sim.run(data, seed=SEED).timeseries
    absent, present = tables[0.0], tables[0.8]
    assert mean_over(absent, "mobilised_share") > mean_over(present, "mobilised_share") + 0.1
    assert absent["protests"].sum() > present["protests"].sum() + 6
    assert absent["blockades"].sum() > present["blockades"].sum()


# --------------------------------------------------------------------------- company context
def test_company_misreading_context_causes_more_actual_impact(sim):
    """Good practices can do harm (Cervantes 2023): local hiring by a company that misreads the
    place adds actual impact (context_harm x jobs per month)."""
    impact = {}
    for understanding in (0.0, 1.0):
        data = sim.scenario()
        company = sim.stakeholder(data, "company")
        company["context_understanding"] = understanding
        company["local_content"] = 1.0
        calm(data)
        table = sim.run(data, seed=SEED).timeseries
        impact[understanding] = table[table["phase"] == "construction"].iloc[-1]["actual_impact_mean"]
    # 18 months at 0.02 x 0.6 = 0.012 a month of extra harm, less recovery: about 0.19
    assert impact[0.0] > impact[1.0] + 0.1, impact


def test_actual_impact_keeps_building_through_a_long_phase(sim):
    """Cumulative change: impacts build up faster than the environment recovers."""
    data = sim.scenario()
    data["project"]["phases"] = [{"name": "operation", "duration": 120, "impact": 0.005}]
    calm(data)
    table = sim.run(data, seed=SEED, steps=100).timeseries
    impact = table["actual_impact_mean"].to_numpy()
    assert np.all(np.diff(impact) > 0)
    assert impact[59] > impact[19] + 0.05 and impact[99] > impact[59] + 0.03, impact[[19, 59, 99]]


# --------------------------------------------------------------------------- mobilisation
def _community(sim, organisation: float = 0.5, population: int = 1000) -> Community:
    data = sim.scenario(population=population)
    sim.stakeholder(data, "community")["organisation"] = organisation
    return sim.model(data, seed=SEED).communities[0]


def test_more_grievance_mobilises_more_members(sim):
    """Threshold process (Granovetter 1978): more grievance, more members past their threshold."""
    shares = []
    for g in (0.1, 0.25, 0.35, 0.45, 0.6):
        community = _community(sim)
        community.grievance = np.full(community.population, g)
        community.mobilise(presence=0.0)
        shares.append(community.active_share)
    assert all(b >= a for a, b in zip(shares, shares[1:])), shares
    assert shares[0] < 0.05 and shares[-1] > 0.9, shares


def test_organisation_raises_the_active_share_through_peer_influence(sim):
    """The collective step: the same grievance mobilises more members in an organised community,
    because those already active lower the bar for the rest."""
    shares = {}
    for organisation in (0.0, 1.0):
        community = _community(sim, organisation=organisation)
        community.grievance = np.full(community.population, 0.30)
        for _ in range(6):
            community.mobilise(presence=0.0)
        shares[organisation] = community.active_share
    assert shares[1.0] > shares[0.0] + 0.2, shares


def test_mobilisation_is_sticky(sim):
    """Pattern 7: along the same grievance path up and then down, more members are active on the
    way down than at the same grievance on the way up."""
    community = _community(sim, organisation=0.0)  # no peer pull: hysteresis alone
    levels = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    up, down = {}, {}
    for g in levels:
        community.grievance = np.full(community.population, g)
        community.mobilise(presence=0.0)
        up[g] = community.active_share
    for g in reversed(levels):
        community.grievance = np.full(community.population, g)
        community.mobilise(presence=0.0)
        down[g] = community.active_share
    assert down[0.3] > up[0.3] + 0.3, (up, down)
    assert down[0.2] > up[0.2] + 0.3, (up, down)
    assert all(down[g] >= up[g] for g in levels), (up, down)


# --------------------------------------------------------------------------- blockades
def _conflict_scenario(sim, resources: float):
    """High expectations, an absent state and a damaging construction phase: members mobilise.

    Organising resources do not recover, so ``resources`` alone decides whether (and for how
    many months: resources / blockade_resource_cost) the community can blockade.
    """
    data = sim.scenario()
    sim.stakeholder(data, "government")["presence"] = 0.0
    community = sim.stakeholder(data, "community")
    community["expectation"] = 0.8
    community["resources"] = resources
    sim.phase(data, "construction")["impact"] = 0.015
    data["parameters"] = {"resource_recovery": 0.0, "suspension_months": 120}
    return data


def test_blockades_delay_the_project_and_cost_the_company(sim):
    """Project time stops while a blockade holds: the next phase comes later by the months lost,
    and each month costs the company delay_cost_per_month (10 in the test scenario)."""
    blocked = sim.run(_conflict_scenario(sim, resources=1.0), seed=SEED)
    calm_run = sim.run(_conflict_scenario(sim, resources=0.0), seed=SEED)
    tb, tc = blocked.timeseries, calm_run.timeseries
    assert tc["blockades"].sum() == 0 and tb["blockades"].sum() >= 3
    delay = int(tb["project_delay_months"].iloc[-1])
    assert delay >= 3 and tc["project_delay_months"].iloc[-1] == 0
    start_b, start_c = first_step_of(tb, "operation"), first_step_of(tc, "operation")
    delay_before = int(tb.loc[tb["step"] == start_b, "project_delay_months"].iloc[0])
    assert delay_before >= 1 and start_b == start_c + delay_before, (start_b, start_c, delay_before)
    assert blocked.summary["company_delay_costs"] == pytest.approx(10.0 * delay)
    assert calm_run.summary["company_delay_costs"] == 0.0


def test_community_without_resources_cannot_blockade(sim):
    """Blockades need organising resources; a community with none only protests."""
    poor = sim.run(_conflict_scenario(sim, resources=0.0), seed=SEED).timeseries
    rich = sim.run(_conflict_scenario(sim, resources=1.0), seed=SEED).timeseries
    assert rich["blockades"].sum() >= 3
    assert poor["blockades"].sum() == 0
    assert poor["protests"].sum() >= 3  # mobilised all the same: only the blockade is out of reach


# --------------------------------------------------------------------------- commitments
def test_monitoring_raises_the_share_of_commitments_kept(sim):
    """A follow-up body raises the chance a commitment is kept (Defensoría 2021): at reliability
    0.4 and monitoring_effect 0.5 the kept share should rise from about 0.4 to about 0.7."""
    kept = {}
    for monitored in (False, True):
        data = sim.scenario()
        sim.stakeholder(data, "company")["reliability"] = 0.4
        model = sim.model(data, seed=SEED)
        for _ in range(400):
            model.make_commitment("company", "community", amount=0.0, cost=0.1, due_in=0,
                                  monitored=monitored)
        model.settle_commitments()
        assert model.commitments.pending == 0
        kept[monitored] = model.commitments.kept / model.commitments.made
    assert kept[True] > kept[False] + 0.2, kept


# --------------------------------------------------------------------------- suspension
def test_licence_held_in_withdrawal_suspends_the_project(sim):
    """A collapsed social licence held for suspension_months suspends the project: no more jobs or
    revenue. A licence that is not in withdrawal does not."""
    runs = {}
    for trust in (0.05, 0.8):
        data = sim.scenario()
        data["ties"].append({"source": "community", "target": "company", "trust": trust})
        calm(data)["parameters"]["suspension_months"] = 6
        runs[trust] = sim.model(data, seed=SEED).run()
    low, high = runs[0.05], runs[0.8]
    table = low.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    assert (table["social_licence_level"].iloc[:6] == "withdrawal").all()
    assert low.project.suspended and low.project.suspension_step == 6
    after = table.iloc[6:]
    assert after["suspended"].all() and not after["project_running"].any()
    assert (after["revenue_received"] == 0).all()
    assert all(c.jobs == 0 for c in low.communities)
    assert after["phase"].eq(after["phase"].iloc[0]).all()  # the life cycle stops where it was
    assert not high.project.suspended
    control = high.datacollector.get_model_vars_dataframe()
    assert (control.loc[control["phase"] == "operation", "revenue_received"] > 0).sum() >= 20


# --------------------------------------------------------------------------- diffusion
def _pair(trust: float) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_edge("a", "b", trust=trust)
    return graph


def test_diffusion_moves_toward_a_trusted_neighbour_within_the_bound():
    params = dict(DEFAULTS)
    values = np.array([0.3, 0.5])
    moved = trust_graph.diffuse(_pair(0.9), ["a", "b"], values, params)
    assert moved[0] == pytest.approx(0.3 + params["influence_rate"] * 0.2)
    assert moved[1] == 0.5  # b does not trust a (no edge b->a): b stays


def test_diffusion_ignores_an_untrusted_neighbour():
    params = dict(DEFAULTS)
    moved = trust_graph.diffuse(_pair(0.2), ["a", "b"], np.array([0.3, 0.5]), params)
    assert moved[0] == 0.3


def test_diffusion_ignores_a_trusted_neighbour_outside_the_bound():
    params = dict(DEFAULTS)
    moved = trust_graph.diffuse(_pair(0.9), ["a", "b"], np.array([0.1, 0.9]), params)
    assert moved[0] == 0.1


def test_diffusion_weighs_neighbours_by_trust():
    """With two trusted neighbours in the bound, the more trusted one pulls harder."""
    params = dict(DEFAULTS)
    graph = nx.DiGraph()
    graph.add_edge("a", "up", trust=0.9)
    graph.add_edge("a", "down", trust=0.6)
    moved = trust_graph.diffuse(graph, ["a", "up", "down"], np.array([0.5, 0.7, 0.3]), params)
    expected = 0.5 + params["influence_rate"] * (0.9 * 0.2 + 0.6 * -0.2) / 1.5
    assert moved[0] == pytest.approx(expected) and moved[0] > 0.5
