"""What a run records each month, and the run-level summary derived from it.

Column names here are the ones documented in docs/ODD.md ("Outputs"); change both together.
"""

from __future__ import annotations

import math

import mesa
import numpy as np
import pandas as pd

from simulator import graph as trust_graph
from simulator import licence


def _population_mean(model, attribute: str) -> float:
    communities = model.communities
    weights = [c.population for c in communities]
    return float(np.average([getattr(c, attribute) for c in communities], weights=weights))


def _grievance_mean(model) -> float:
    total = sum(c.population for c in model.communities)
    return float(sum(c.grievance.sum() for c in model.communities) / total)


def _trusted(model) -> float:
    return model.p["trusted_tie_threshold"]


REPORTERS = {
    "phase": lambda m: m.project.phase_name,
    "project_running": lambda m: m.project.active,
    "suspended": lambda m: m.project.suspended,
    "trust_community_company": lambda m: trust_graph.mean_trust(m.graph, "community", "company"),
    "trust_community_government": lambda m: trust_graph.mean_trust(m.graph, "community", "local_government"),
    "trust_company_community": lambda m: trust_graph.mean_trust(m.graph, "company", "community"),
    "trust_government_community": lambda m: trust_graph.mean_trust(m.graph, "local_government", "community"),
    "trust_company_government": lambda m: trust_graph.mean_trust(m.graph, "company", "local_government"),
    "trust_community_cso": lambda m: trust_graph.mean_trust(m.graph, "community", "cso"),
    "grievance_mean": _grievance_mean,
    "grievance_company": lambda m: _population_mean(m, "grievance_company"),
    "grievance_government": lambda m: _population_mean(m, "grievance_government"),
    "mobilised_share": lambda m: _population_mean(m, "active_share"),
    "protests": lambda m: sum(c.protesting for c in m.communities),
    "blockades": lambda m: sum(c.blockading for c in m.communities),
    "social_licence": lambda m: m.licence_score,
    "social_licence_level": lambda m: licence.level(m.licence_score),
    "project_delay_months": lambda m: m.project.delay_months,
    "agreements_made": lambda m: m.commitments.made,
    "agreements_kept": lambda m: m.commitments.kept,
    "agreements_broken": lambda m: m.commitments.broken,
    "expectation_mean": lambda m: _population_mean(m, "expectation"),
    "benefits_mean": lambda m: _population_mean(m, "benefits"),
    "perceived_impact_mean": lambda m: _population_mean(m, "perceived_impact"),
    "actual_impact_mean": lambda m: _population_mean(m, "actual_impact"),
    "understanding_mean": lambda m: _population_mean(m, "understanding"),
    "revenue_received": lambda m: sum(g.received_now for g in m.governments),
    "revenue_invested": lambda m: sum(g.invested_now for g in m.governments),
    "revenue_leaked": lambda m: sum(g.leaked_now for g in m.governments),
    "government_balance": lambda m: sum(g.balance for g in m.governments),
    "company_delay_costs": lambda m: m.company.delay_costs,
    "trusted_tie_density": lambda m: trust_graph.trusted_tie_density(m.graph, _trusted(m)),
    "bridging_ties": lambda m: trust_graph.bridging_ties(m.graph, _trusted(m)),
    "intervention_cost": lambda m: m.intervention_cost_now,
}

TIMESERIES_COLUMNS = ["step", *REPORTERS]


def make_datacollector() -> mesa.DataCollector:
    return mesa.DataCollector(model_reporters=dict(REPORTERS))


def timeseries(model) -> pd.DataFrame:
    """The per-month table, one row per step from 1."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    frame.insert(0, "step", np.arange(1, len(frame) + 1))
    return frame


def summarise(model, table: pd.DataFrame) -> dict:
    """Run-level outcomes; plain Python types so they serialise to JSON."""
    last = table.iloc[-1]
    suspension = model.project.suspension_step
    summary = {
        "steps": int(len(table)),
        "final_phase": str(last["phase"]),
        "project_finished": bool(model.project.finished),
        "suspended": bool(model.project.suspended),
        "suspension_step": int(suspension) if suspension is not None else None,
        "blockade_months": int((table["blockades"] > 0).sum()),
        "protest_months": int((table["protests"] > 0).sum()),
        "project_delay_months": int(last["project_delay_months"]),
        "peak_grievance": float(table["grievance_mean"].max()),
        "mean_grievance": float(table["grievance_mean"].mean()),
        "peak_mobilised_share": float(table["mobilised_share"].max()),
        "final_trust_community_company": float(last["trust_community_company"]),
        "final_trust_community_government": float(last["trust_community_government"]),
        "final_trust_company_community": float(last["trust_company_community"]),
        "final_social_licence": float(last["social_licence"]),
        "final_social_licence_level": str(last["social_licence_level"]),
        "months_in_withdrawal": int((table["social_licence_level"] == "withdrawal").sum()),
        "agreements_made": int(last["agreements_made"]),
        "agreements_kept": int(last["agreements_kept"]),
        "agreements_broken": int(last["agreements_broken"]),
        "revenue_received_total": float(table["revenue_received"].sum()),
        "revenue_invested_total": float(table["revenue_invested"].sum()),
        "revenue_leaked_total": float(table["revenue_leaked"].sum()),
        "company_delay_costs": float(last["company_delay_costs"]),
        "final_trusted_tie_density": float(last["trusted_tie_density"]),
        "final_bridging_ties": int(last["bridging_ties"]),
        "intervention_cost_total": float(table["intervention_cost"].sum()),
    }
    for key, value in summary.items():
        if isinstance(value, float) and math.isnan(value):
            summary[key] = None
    return summary
