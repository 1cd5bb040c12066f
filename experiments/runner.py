"""Run every arm of a comparison over replicates, on any ``concurrent.futures``-style executor.

Replicate ``r`` runs with seed ``base_seed + r`` in every arm (common random numbers), so arms are
paired: a difference between two arms in one replicate comes from the interventions, not from
luck. Each run is a pure function of (scenario, seed), so results do not depend on the executor,
the number of workers or the order runs finish in; the runner sorts them back into (arm,
replicate) order. The executor is anything with ``submit`` returning futures (a local process
pool, or Dask's ``client.get_executor()``); ``None`` runs serially in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd
from tqdm import tqdm

from stakesim.simulator.schema import Scenario
from stakesim.simulator.run import run_scenario

RUN_KEYS = ["arm", "replicate", "seed"]


@dataclass(frozen=True)
class RunTask:
    arm: str
    replicate: int
    seed: int
    scenario: Scenario
    keep_graph: bool = False


@dataclass
class RunOutput:
    arm: str
    replicate: int
    seed: int
    timeseries: pd.DataFrame
    summary: dict
    graph: nx.DiGraph | None = None


@dataclass
class Runs:
    """Every run of a comparison gathered into tables, in (arm, replicate) order.

    The raw material of ``experiments.comparison.Comparison``, which adds the scenario, the arms'
    interventions and provenance to it.
    """

    arm_names: list[str]
    replicates: int
    base_seed: int
    steps: int                     # months actually simulated (the largest step in ``results``)
    results: pd.DataFrame          # every run, every step: arm, replicate, seed + timeseries columns
    summaries: pd.DataFrame        # one row per run: arm, replicate, seed + run summary
    graphs: dict[str, nx.DiGraph] = field(default_factory=dict)  # final graph of one replicate per arm
    graph_replicate: int = 0


def run_one(task: RunTask) -> RunOutput:
    """One run. Module-level so process pools can pickle it; it reads nothing but its task."""
    result = run_scenario(task.scenario, seed=task.seed)
    return RunOutput(task.arm, task.replicate, task.seed, result.timeseries, result.summary,
                     result.graph if task.keep_graph else None)


def plan(scenarios: dict[str, Scenario], replicates: int, base_seed: int = 0, steps: int | None = None,
         graph_replicate: int = 0) -> list[RunTask]:
    """The runs of a comparison: every arm times every replicate, seeds shared across arms."""
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, got {replicates}")
    tasks = []
    for arm, scenario in scenarios.items():
        if steps is not None:
            scenario = scenario.model_copy(update={"steps": steps})
        for r in range(replicates):
            tasks.append(RunTask(arm, r, base_seed + r, scenario, keep_graph=(r == graph_replicate)))
    return tasks


def _ignore_interrupts() -> None:
    """Worker initialiser: Ctrl-C is the parent's to handle, so workers do not print tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """The embedded default: a local process pool with ``workers`` processes (default: all cores).

    On Linux the workers are forked: importing Mesa switches the global start method to "spawn"
    (mesa.batchrunner does so at import), and spawned workers would each re-import the whole
    stack before their first run, several seconds apiece. Forked workers start with it loaded.
    """
    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    return ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1, mp_context=context,
                               initializer=_ignore_interrupts)


def execute(tasks: list[RunTask], executor: Executor | None = None, progress: bool = True) -> list[RunOutput]:
    """Run the tasks (serially when ``executor`` is None) with a progress bar on stderr."""
    # Submit before the bar exists: the bar starts a monitor thread, and a pool may fork workers
    # on the first submit.
    futures = [executor.submit(run_one, task) for task in tasks] if executor is not None else []
    bar = tqdm(total=len(tasks), desc="runs", unit="run", file=sys.stderr, disable=not progress,
               dynamic_ncols=True)
    outputs: list[RunOutput] = []
    try:
        if executor is None:
            for task in tasks:
                outputs.append(run_one(task))
                bar.update()
        else:
            for future in as_completed(futures):
                outputs.append(future.result())
                bar.update()
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    finally:
        bar.close()
    order = {(t.arm, t.replicate): i for i, t in enumerate(tasks)}
    return sorted(outputs, key=lambda o: order[(o.arm, o.replicate)])


def run_arms(scenarios: dict[str, Scenario], replicates: int, base_seed: int = 0,
             steps: int | None = None, executor: Executor | None = None,
             progress: bool = True, graph_replicate: int = 0) -> Runs:
    """Run every arm (name -> validated scenario) ``replicates`` times and gather the tables."""
    tasks = plan(scenarios, replicates, base_seed, steps, graph_replicate)
    outputs = execute(tasks, executor, progress)
    frames, rows, graphs = [], [], {}
    for out in outputs:
        keys = {"arm": out.arm, "replicate": out.replicate, "seed": out.seed}
        frame = out.timeseries.copy()
        for position, (name, value) in enumerate(keys.items()):
            frame.insert(position, name, value)
        frames.append(frame)
        rows.append({**keys, **out.summary})
        if out.graph is not None:
            graphs[out.arm] = out.graph
    results = pd.concat(frames, ignore_index=True)
    results["arm"] = results["arm"].astype(str)
    summaries = pd.DataFrame(rows)
    months = int(results["step"].max())
    return Runs(list(scenarios), replicates, base_seed, months, results, summaries, graphs, graph_replicate)
