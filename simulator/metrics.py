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
from stakesim.simulator.numbers import (PAIRWISE_BLOCK, array_sum, column_max, column_mean, column_sum,
                                       ordered_sum)


# The columns of the monthly record, in the order of the timeseries table (after "step"); ``row``
# below gives their values in this order.
COLUMNS = (
    "phase", "project_running", "suspended",
    "trust_community_company", "trust_community_government", "trust_company_community",
    "trust_government_community", "trust_company_government", "trust_community_cso",
    "trust_own_company", "trust_own_government",
    "grievance_mean", "grievance_company", "grievance_government", "mobilised_share",
    "protests", "blockades", "social_licence", "social_licence_level", "project_delay_months",
    "agreements_signed", "commitments_made", "commitments_kept", "commitments_broken",
    "expectation_mean", "benefits_mean", "perceived_impact_mean", "concern_mean", "actual_impact_mean",
    "understanding_mean",
    "revenue_received", "revenue_invested", "revenue_leaked", "revenue_forgone", "government_balance",
    "company_delay_costs", "trusted_tie_density", "bridging_ties", "cross_type_ties", "intervention_cost",
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
    "concern_mean": "concern",
    "actual_impact_mean": "actual_impact",
    "understanding_mean": "understanding",
}

# The per-community table (``communities.csv``): one row per month and community. The first
# ``len(POPULATION_MEANS)`` values of a community's record are the attributes the population
# means read, in that order, so the record is read once for both tables.
COMMUNITY_COLUMNS = (
    "step", "community",
    "grievance_company", "grievance_government", "mobilised_share", "expectation", "benefits",
    "perceived_impact", "concern", "actual_impact", "understanding",
    "grievance", "protesting", "blockading", "trust_own_company", "trust_own_government",
    "jobs", "services", "agreement_benefit", "promised", "leak_signal", "exposure", "resources",
)
_EXTRA_ATTRIBUTES = ("jobs", "services", "agreement_benefit", "promised", "leak_signal", "exposure",
                     "resources")
_RECORD_ATTRIBUTES = operator.attrgetter(*POPULATION_MEANS.values(), *_EXTRA_ATTRIBUTES)
_MEANS = len(POPULATION_MEANS)


def community_records(model, grievance_sums: list | None = None) -> list[tuple]:
    """Each community's values this month, in ``COMMUNITY_COLUMNS`` order after step and id.

    Plain Python scalars (immutable), read once: the population means of the monthly record are
    taken from these same values (``_population_means``). The sum of each community's member
    grievance (a numpy scalar) is appended to ``grievance_sums`` when given, for ``row``.
    """
    graph = model.graph
    records = []
    nan = float("nan")
    for c in model.communities:
        values = _RECORD_ATTRIBUTES(c)
        total = np.add.reduce(c.grievance)
        if grievance_sums is not None:
            grievance_sums.append(total)
        grievance = float(total / c.population)
        records.append((
            c.key, *values[:_MEANS], grievance, c.protesting, c.blockading,
            trust_graph.trust(graph, c.key, model.own_company(c).key, nan),
            trust_graph.trust(graph, c.key, c.government_key, nan),
            *values[_MEANS:],
        ))
    return records


def _population_means(communities, records) -> list[float]:
    """Population-weighted means of community attributes (in ``POPULATION_MEANS`` order), as
    ``np.average`` computes them, to the last bit, from the communities' ``records``.

    numpy's arithmetic is: multiply in float64, sum the products, divide by the summed weights.
    With fewer than eight communities numpy adds left to right (``numbers.array_sum``), so plain
    float arithmetic gives the same numbers without building arrays; with more, numpy does it.
    """
    if len(communities) >= PAIRWISE_BLOCK:
        weights = np.asarray([c.population for c in communities])
        values = np.asarray([[record[1 + k] for record in records] for k in range(_MEANS)], dtype=float)
        means = np.multiply(values, weights, dtype=float).sum(axis=1) / weights.sum(dtype=float)
        return means.tolist()
    total = 0.0
    sums = [0.0] * _MEANS  # numpy's sums start from 0 (0.0 + -0.0 is 0.0)
    for c, record in zip(communities, records):
        weight = float(c.population)
        total += weight
        sums = [running + float(value) * weight for running, value in zip(sums, record[1:1 + _MEANS])]
    return [weighted / total for weighted in sums]


_OWN_TRUST = (1 + _MEANS + 3, 1 + _MEANS + 4)  # where trust in own company and government sit in a record


def row(model, records: list[tuple] | None = None, grievance_sums: list | None = None) -> tuple:
    """One month's values, in ``COLUMNS`` order: every column computed together, shared work done once.

    Mesa's DataCollector calls one reporter per column; here the graph's trust is read once for
    all its columns (six mean trusts, trusted-tie density, bridging ties) and each community once
    for the population means and the per-community table (``records``, from
    ``community_records``, with the sums of member grievance it read; computed here when not
    given). Values are plain Python scalars
    (immutable), so the row needs no copying. A tuple, not a mapping, as the collector appends it
    column by column: a new column goes into ``COLUMNS`` and here at the same place (the golden
    tables, which hold every column, catch a value in the wrong place).
    """
    communities = model.communities
    if records is None:
        grievance_sums = []
        records = community_records(model, grievance_sums)
    governments = model.governments
    project = model.project
    commitments = model.commitments
    ties = trust_graph.tie_summary(model.graph, model.p["trusted_tie_threshold"])
    mean_trust = ties.mean_trust
    (grievance_company, grievance_government, mobilised_share, expectation, benefits,
     perceived_impact, concern, actual_impact, understanding) = _population_means(communities, records)
    total_population = sum(c.population for c in communities)
    # ndarray.sum's arithmetic (np.add.reduce) without its Python wrapper; the built-in sum adds
    # numpy scalars, which Python 3.12+ does not compensate.
    if grievance_sums is None:
        grievance_sums = [np.add.reduce(c.grievance) for c in communities]
    grievance = float(sum(grievance_sums) / total_population)
    own_company, own_government = _OWN_TRUST
    n = len(records)
    return (
        project.phase_name,  # phase
        project.active,  # project_running
        project.suspended,  # suspended
        *[mean_trust(*types) for types in TRUST_COLUMNS.values()],  # trust_community_company ... _cso
        array_sum([r[own_company] for r in records]) / n,  # trust_own_company
        array_sum([r[own_government] for r in records]) / n,  # trust_own_government
        grievance,  # grievance_mean
        grievance_company,
        grievance_government,
        mobilised_share,
        sum(c.protesting for c in communities),  # protests
        sum(c.blockading for c in communities),  # blockades
        model.licence_score,  # social_licence
        licence.level(model.licence_score),  # social_licence_level
        project.delay_months,  # project_delay_months
        commitments.agreements,  # agreements_signed
        commitments.made,  # commitments_made
        commitments.kept,  # commitments_kept
        commitments.broken,  # commitments_broken
        expectation,  # expectation_mean
        benefits,  # benefits_mean
        perceived_impact,  # perceived_impact_mean
        concern,  # concern_mean
        actual_impact,  # actual_impact_mean
        understanding,  # understanding_mean
        ordered_sum(g.received_now for g in governments),  # revenue_received
        ordered_sum(g.invested_now for g in governments),  # revenue_invested
        ordered_sum(g.leaked_now for g in governments),  # revenue_leaked
        model.revenue_forgone_now,  # revenue_forgone
        ordered_sum(g.unspent for g in governments),  # government_balance
        model.company.delay_costs,  # company_delay_costs
        ties.trusted_density,  # trusted_tie_density
        ties.bridging,  # bridging_ties
        ties.cross_type,  # cross_type_ties
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
        # One list of community records (``community_records``) per step, for the per-community
        # table, built on first use (``community_table``).
        self.community_records: list[list[tuple]] = []

    def collect(self, model) -> None:
        grievance_sums: list = []
        records = community_records(model, grievance_sums)
        self.community_records.append(records)
        for column, value in zip(self.model_vars.values(), row(model, records, grievance_sums), strict=True):
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


def community_table(records: Sequence[Sequence[tuple]]) -> pd.DataFrame:
    """The per-community table (``COMMUNITY_COLUMNS``) from the collector's ``community_records``:
    one row per step (from 1) and community, communities in scenario order within a step."""
    rows = [(step, *record) for step, month in enumerate(records, start=1) for record in month]
    return pd.DataFrame.from_records(rows, columns=list(COMMUNITY_COLUMNS))


# The intervention log's columns (``interventions.csv``), in order; each row of
# ``model.intervention_log`` is a dict with these keys (``Intervention.hold_meeting``).
INTERVENTION_COLUMNS = ("step", "intervention", "kind", "attendance", "agreements", "cost")
# The event log's first columns (``events.csv``); each chance event adds its own keys after them.
EVENT_COLUMNS = ("step", "event")


def log_table(rows: Sequence[Mapping], first: Sequence[str]) -> pd.DataFrame:
    """A log (a list of dicts) as a table: ``first`` columns in order, then any other keys in the
    order they first appear; an empty log gives an empty table with the ``first`` columns."""
    names = dict.fromkeys(first)
    for entry in rows:
        names.update(dict.fromkeys(entry))
    return pd.DataFrame.from_records([dict(entry) for entry in rows], columns=list(names))


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


# Debtor types as they read in summary keys (``commitments_kept_government``, ...).
DEBTOR_LABELS = {"company": "company", "local_government": "government", "community": "community", "cso": "cso"}


def _by_debtor(ledger) -> dict[str, int]:
    """Commitments made, kept and broken by each type of debtor, as summary keys."""
    counts = {}
    for what, by in (("made", ledger.made_by), ("kept", ledger.kept_by), ("broken", ledger.broken_by)):
        for debtor, label in DEBTOR_LABELS.items():
            counts[f"commitments_{what}_{label}"] = int(by[debtor])
    return counts


def summarise(model, columns: Mapping[str, Sequence]) -> dict:
    """Run-level outcomes; plain Python types so they serialise to JSON.

    ``columns`` is the collector's ``model_vars`` (as ``run_scenario`` passes it, so a run needs
    no table to be summarised) or the timeseries table: sums, means and peaks are computed as
    pandas computes them on the table's columns (``numbers.column_sum`` and others), so both give
    the same summary to the last bit.
    """
    last = {name: _last(values) for name, values in columns.items()}
    suspension = model.project.suspension_step
    delay_costs = float(last["company_delay_costs"])
    revenue_forgone = column_sum(columns["revenue_forgone"])
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
        "final_trust_own_company": float(last["trust_own_company"]),
        "final_trust_own_government": float(last["trust_own_government"]),
        "agreements_signed": int(last["agreements_signed"]),
        "commitments_made": int(last["commitments_made"]),
        "commitments_kept": int(last["commitments_kept"]),
        "commitments_broken": int(last["commitments_broken"]),
        **_by_debtor(model.commitments),
        "revenue_received_total": column_sum(columns["revenue_received"]),
        "revenue_invested_total": column_sum(columns["revenue_invested"]),
        "revenue_leaked_total": column_sum(columns["revenue_leaked"]),
        "revenue_forgone_total": revenue_forgone,
        "company_delay_costs": delay_costs,
        "final_trusted_tie_density": float(last["trusted_tie_density"]),
        "final_bridging_ties": int(last["bridging_ties"]),
        "final_cross_type_ties": int(last["cross_type_ties"]),
        "conflict_cost_total": delay_costs + revenue_forgone,
        "intervention_cost_total": column_sum(columns["intervention_cost"]),
    }
    for key, value in summary.items():
        if isinstance(value, float) and math.isnan(value):
            summary[key] = None
    return summary
