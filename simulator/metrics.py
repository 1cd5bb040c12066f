"""What a run records each month, and the run-level summary derived from it.

Column names here are the ones documented in docs/ODD.md ("Outputs"); change both together.
"""

from __future__ import annotations

import math
import operator
from functools import partial
from typing import Mapping, Sequence

import mesa
import numpy as np
import pandas as pd

from stakesim.simulator import graph as trust_graph
from stakesim.simulator import licence
from stakesim.simulator.numbers import PAIRWISE_BLOCK, column_max, column_mean, column_sum, ordered_sum


# The columns of the monthly record, in the order of the timeseries table (after "step"); ``row``
# below gives their values in this order.
COLUMNS = (
    "phase", "project_running", "suspended",
    "trust_community_company", "trust_community_government", "trust_company_community",
    "trust_government_community", "trust_company_government", "trust_community_cso",
    "grievance_mean", "grievance_company", "grievance_government", "mobilised_share",
    "protests", "blockades", "social_licence", "social_licence_level", "project_delay_months",
    "agreements_made", "agreements_kept", "agreements_broken",
    "expectation_mean", "benefits_mean", "perceived_impact_mean", "actual_impact_mean",
    "understanding_mean",
    "revenue_received", "revenue_invested", "revenue_leaked", "government_balance",
    "company_delay_costs", "trusted_tie_density", "bridging_ties", "intervention_cost",
)

# Column -> (source type, target type) of the edges whose mean trust it reports.
TRUST_COLUMNS = {
    "trust_community_company": ("community", "company"),
    "trust_community_government": ("community", "local_government"),
    "trust_company_community": ("company", "community"),
    "trust_government_community": ("local_government", "community"),
    "trust_company_government": ("company", "local_government"),
    "trust_community_cso": ("community", "cso"),
}

# Column -> community attribute whose population-weighted mean it reports.
POPULATION_MEANS = {
    "grievance_company": "grievance_company",
    "grievance_government": "grievance_government",
    "mobilised_share": "active_share",
    "expectation_mean": "expectation",
    "benefits_mean": "benefits",
    "perceived_impact_mean": "perceived_impact",
    "actual_impact_mean": "actual_impact",
    "understanding_mean": "understanding",
}


def _population_means(communities) -> list[float]:
    """Population-weighted means of community attributes (in ``POPULATION_MEANS`` order), as
    ``np.average`` computes them, to the last bit.

    numpy's arithmetic is: multiply in float64, sum the products, divide by the summed weights.
    With fewer than eight communities numpy adds left to right (``numbers.array_sum``), so plain
    float arithmetic gives the same numbers without building arrays; with more, numpy does it.
    """
    if len(communities) >= PAIRWISE_BLOCK:
        weights = np.asarray([c.population for c in communities])
        values = np.asarray([[getattr(c, attribute) for c in communities]
                             for attribute in POPULATION_MEANS.values()], dtype=float)
        means = np.multiply(values, weights, dtype=float).sum(axis=1) / weights.sum(dtype=float)
        return means.tolist()
    values_of = _POPULATION_ATTRIBUTES
    total = 0.0
    sums = [0.0] * len(POPULATION_MEANS)  # numpy's sums start from 0 (0.0 + -0.0 is 0.0)
    for c in communities:
        weight = float(c.population)
        total += weight
        sums = [running + float(value) * weight for running, value in zip(sums, values_of(c))]
    return [weighted / total for weighted in sums]


_POPULATION_ATTRIBUTES = operator.attrgetter(*POPULATION_MEANS.values())  # one call reads all of them


def row(model) -> tuple:
    """One month's values, in ``COLUMNS`` order: every column computed together, shared work done once.

    Mesa's DataCollector calls one reporter per column; here the graph's trust is read once for
    all its columns (six mean trusts, trusted-tie density, bridging ties) and the community
    weights once for all population means. Values are plain Python scalars (immutable), so the
    row needs no copying. A tuple, not a mapping, as the collector appends it column by column:
    a new column goes into ``COLUMNS`` and here at the same place (the golden tables, which
    hold every column, catch a value in the wrong place).
    """
    communities = model.communities
    governments = model.governments
    project = model.project
    commitments = model.commitments
    ties = trust_graph.tie_summary(model.graph, model.p["trusted_tie_threshold"])
    mean_trust = ties.mean_trust
    (grievance_company, grievance_government, mobilised_share, expectation, benefits,
     perceived_impact, actual_impact, understanding) = _population_means(communities)
    total_population = sum(c.population for c in communities)
    # ndarray.sum's arithmetic (np.add.reduce) without its Python wrapper; the built-in sum adds
    # numpy scalars, which Python 3.12+ does not compensate.
    grievance = float(sum(np.add.reduce(c.grievance) for c in communities) / total_population)
    return (
        project.phase_name,  # phase
        project.active,  # project_running
        project.suspended,  # suspended
        *[mean_trust(*types) for types in TRUST_COLUMNS.values()],  # trust_community_company ... _cso
        grievance,  # grievance_mean
        grievance_company,
        grievance_government,
        mobilised_share,
        sum(c.protesting for c in communities),  # protests
        sum(c.blockading for c in communities),  # blockades
        model.licence_score,  # social_licence
        licence.level(model.licence_score),  # social_licence_level
        project.delay_months,  # project_delay_months
        commitments.made,  # agreements_made
        commitments.kept,  # agreements_kept
        commitments.broken,  # agreements_broken
        expectation,  # expectation_mean
        benefits,  # benefits_mean
        perceived_impact,  # perceived_impact_mean
        actual_impact,  # actual_impact_mean
        understanding,  # understanding_mean
        ordered_sum(g.received_now for g in governments),  # revenue_received
        ordered_sum(g.invested_now for g in governments),  # revenue_invested
        ordered_sum(g.leaked_now for g in governments),  # revenue_leaked
        ordered_sum(g.unspent for g in governments),  # government_balance
        model.company.delay_costs,  # company_delay_costs
        ties.trusted_density,  # trusted_tie_density
        ties.bridging,  # bridging_ties
        model.intervention_cost_now,  # intervention_cost
    )


def snapshot(model) -> dict[str, object]:
    """One month's row as a mapping, column name -> value."""
    return dict(zip(COLUMNS, row(model)))


def _column(name: str, model) -> object:
    return snapshot(model)[name]


TIMESERIES_COLUMNS = ["step", *COLUMNS]


class SnapshotCollector(mesa.DataCollector):
    """Mesa's DataCollector with the same columns, filled from one snapshot per step.

    Only ``collect`` differs from Mesa's: instead of calling each reporter (and deep-copying its
    value) it computes the row once with ``row`` and appends each column. ``model_vars`` and
    ``get_model_vars_dataframe`` are Mesa's own, so code reading the collector (``batch_run``
    among it) sees no difference.
    """

    def __init__(self):
        # Mesa needs a reporter per column to set the columns up; collect() below never calls them.
        super().__init__(model_reporters={name: partial(_column, name) for name in COLUMNS})
        if list(self.model_vars) != list(COLUMNS):  # Mesa keeps the reporters in the order given
            raise RuntimeError("the collector's columns are not COLUMNS, in order")

    def collect(self, model) -> None:
        for column, value in zip(self.model_vars.values(), row(model), strict=True):
            column.append(value)
        if hasattr(self, "_collection_steps"):  # Mesa 3.4+: batch_run finds rows by these times
            self._collection_steps.append(getattr(model, "time", model.steps))


def make_datacollector() -> mesa.DataCollector:
    return SnapshotCollector()


def timeseries(model) -> pd.DataFrame:
    """The per-month table, one row per step from 1."""
    return table(model.datacollector.model_vars)


def table(columns: Mapping[str, Sequence]) -> pd.DataFrame:
    """The per-month table from the collector's columns (``model_vars``): a "step" column from 1
    first, then the columns with the types pandas infers from the values (as Mesa's
    ``get_model_vars_dataframe`` gives them)."""
    steps = len(next(iter(columns.values()), ()))
    return pd.DataFrame({"step": np.arange(1, steps + 1), **columns})


def empty_columns(columns: Mapping[str, Sequence]) -> dict[str, str]:
    """Trust columns with no value in any month, and why: a scenario without such ties.

    An empty trust column means "there is no tie of this kind", which is not a trust of zero; the
    run's provenance lists these columns so the gap is never silent. ``columns`` is the
    collector's ``model_vars`` or the timeseries table.
    """
    return {column: f"no {source} -> {target} ties in any month, so no mean trust to report"
            for column, (source, target) in TRUST_COLUMNS.items()
            if np.isnan(np.asarray(columns[column], dtype=float)).all()}


def _last(values):
    return values.iloc[-1] if isinstance(values, pd.Series) else values[-1]


def _months(values, test) -> int:
    return sum(1 for value in values if test(value))


def summarise(model, columns: Mapping[str, Sequence]) -> dict:
    """Run-level outcomes; plain Python types so they serialise to JSON.

    ``columns`` is the collector's ``model_vars`` (as ``run_scenario`` passes it, so a run needs
    no table to be summarised) or the timeseries table: sums, means and peaks are computed as
    pandas computes them on the table's columns (``numbers.column_sum`` and others), so both give
    the same summary to the last bit.
    """
    last = {name: _last(values) for name, values in columns.items()}
    suspension = model.project.suspension_step
    summary = {
        "steps": len(columns["phase"]),
        "final_phase": str(last["phase"]),
        "project_finished": bool(model.project.finished),
        "suspended": bool(model.project.suspended),
        "suspension_step": int(suspension) if suspension is not None else None,
        "blockade_months": _months(columns["blockades"], lambda v: v > 0),
        "protest_months": _months(columns["protests"], lambda v: v > 0),
        "project_delay_months": int(last["project_delay_months"]),
        "peak_grievance": column_max(columns["grievance_mean"]),
        "mean_grievance": column_mean(columns["grievance_mean"]),
        "peak_mobilised_share": column_max(columns["mobilised_share"]),
        "final_trust_community_company": float(last["trust_community_company"]),
        "final_trust_community_government": float(last["trust_community_government"]),
        "final_trust_company_community": float(last["trust_company_community"]),
        "final_social_licence": float(last["social_licence"]),
        "final_social_licence_level": str(last["social_licence_level"]),
        "months_in_withdrawal": _months(columns["social_licence_level"], lambda v: v == "withdrawal"),
        "agreements_made": int(last["agreements_made"]),
        "agreements_kept": int(last["agreements_kept"]),
        "agreements_broken": int(last["agreements_broken"]),
        "revenue_received_total": column_sum(columns["revenue_received"]),
        "revenue_invested_total": column_sum(columns["revenue_invested"]),
        "revenue_leaked_total": column_sum(columns["revenue_leaked"]),
        "company_delay_costs": float(last["company_delay_costs"]),
        "final_trusted_tie_density": float(last["trusted_tie_density"]),
        "final_bridging_ties": int(last["bridging_ties"]),
        "intervention_cost_total": column_sum(columns["intervention_cost"]),
    }
    for key, value in summary.items():
        if isinstance(value, float) and math.isnan(value):
            summary[key] = None
    return summary
