"""Run one scenario with one seed and return its tables: the library call the CLI, notebooks and app share."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Callable

import networkx as nx
import pandas as pd

from stakesim.simulator.schema import Scenario
from stakesim.version import __version__
from stakesim.simulator.metrics import (EVENT_COLUMNS, INTERVENTION_COLUMNS, community_table, empty_columns,
                                       log_table, summarise, table)
from stakesim.simulator.model import MiningModel


# What a result without a table holds in its place: the empty table, with its columns.
_EMPTY = {"communities": partial(community_table, []),
          "interventions": partial(log_table, [], INTERVENTION_COLUMNS),
          "events": partial(log_table, [], EVENT_COLUMNS)}


class RunResult:
    """One run's outputs: the per-month table, the run summary, its provenance, the final graph,
    and the per-community table, the intervention log and the event log.

    ``RunResult(timeseries, summary, provenance, graph, communities=None, interventions=None,
    events=None)``. Each table may also be given as a function that builds it: ``run_scenario``
    passes functions, so a table is built on first use (a sweep that keeps only summaries never
    builds one), and then kept. ``communities`` is one row per month and community
    (``metrics.COMMUNITY_COLUMNS``), ``interventions`` one row per intervention meeting
    (``metrics.INTERVENTION_COLUMNS``), ``events`` one row per chance event (``step``, ``event``,
    then the event's own keys); docs/ODD.md, section 8, documents every column.
    """

    TABLES = ("timeseries", "communities", "interventions", "events")
    __slots__ = ("_timeseries", "_communities", "_interventions", "_events", "summary", "provenance", "graph")

    def __init__(self, timeseries: pd.DataFrame | Callable[[], pd.DataFrame], summary: dict,
                 provenance: dict, graph: nx.DiGraph,
                 communities: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
                 interventions: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
                 events: pd.DataFrame | Callable[[], pd.DataFrame] | None = None):
        self._timeseries = timeseries
        self._communities = communities if communities is not None else _EMPTY["communities"]
        self._interventions = interventions if interventions is not None else _EMPTY["interventions"]
        self._events = events if events is not None else _EMPTY["events"]
        self.summary = summary
        self.provenance = provenance
        self.graph = graph  # the relationship graph at the end of the run

    def _table(self, name: str) -> pd.DataFrame:
        value = getattr(self, f"_{name}")
        if not isinstance(value, pd.DataFrame):
            value = value()
            setattr(self, f"_{name}", value)
        return value

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per month (``metrics.TIMESERIES_COLUMNS``)."""
        return self._table("timeseries")

    @timeseries.setter
    def timeseries(self, table: pd.DataFrame) -> None:
        self._timeseries = table

    @property
    def communities(self) -> pd.DataFrame:
        """One row per month and community (``metrics.COMMUNITY_COLUMNS``)."""
        return self._table("communities")

    @communities.setter
    def communities(self, table: pd.DataFrame) -> None:
        self._communities = table

    @property
    def interventions(self) -> pd.DataFrame:
        """The intervention log: one row per meeting (``metrics.INTERVENTION_COLUMNS``)."""
        return self._table("interventions")

    @interventions.setter
    def interventions(self, table: pd.DataFrame) -> None:
        self._interventions = table

    @property
    def events(self) -> pd.DataFrame:
        """The event log: one row per chance event (``step``, ``event``, then its own keys)."""
        return self._table("events")

    @events.setter
    def events(self, table: pd.DataFrame) -> None:
        self._events = table

    def __getstate__(self):
        return {name: getattr(self, name) for name in (*self.TABLES, "summary", "provenance", "graph")}

    def __setstate__(self, state) -> None:
        for name, empty in _EMPTY.items():  # a result pickled before these tables existed has none
            setattr(self, f"_{name}", empty)
        for name, value in state.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return (f"RunResult(scenario={self.provenance.get('scenario')!r}, seed={self.provenance.get('seed')!r}, "
                f"steps={self.summary.get('steps')!r})")

    def summary_json(self) -> str:
        """Summary and provenance as strict JSON (no NaN or Infinity: a missing value is null)."""
        return json.dumps({**self.summary, "provenance": self.provenance}, indent=2, allow_nan=False)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write timeseries.csv, communities.csv, interventions.csv, events.csv and summary.json;
        returns their paths by table name (and ``summary``)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name in self.TABLES:
            paths[name] = out / f"{name}.csv"
            self._table(name).to_csv(paths[name], index=False)
        paths["summary"] = out / "summary.json"
        paths["summary"].write_text(self.summary_json() + "\n")
        return paths


def run_scenario(scenario: Scenario, seed: int | None = None, steps: int | None = None) -> RunResult:
    """Build the model, step it ``steps`` months (default: the scenario's), and summarise.

    With no seed the run draws fresh entropy; the seed it used is in ``provenance["seed"]``.
    """
    if steps is not None:  # checked like any value: range, and interventions' months within the run
        scenario = Scenario.model_validate({**scenario.model_dump(), "steps": steps})
    model = MiningModel(scenario, seed=seed).run()
    columns = model.datacollector.model_vars  # the model is dropped here, so the columns need no copy
    provenance = {
        "scenario": scenario.name,
        "seed": model.seed,
        "steps": scenario.months,
        "stakesim_version": __version__,
        "parameters": scenario.parameter_values(),
        "empty_columns": empty_columns(columns),
    }
    return RunResult(partial(table, columns), summarise(model, columns), provenance, model.graph,
                     communities=partial(community_table, model.datacollector.community_records),
                     interventions=partial(log_table, model.intervention_log, INTERVENTION_COLUMNS),
                     events=partial(log_table, model.event_log, EVENT_COLUMNS))
