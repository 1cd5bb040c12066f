"""How long a run takes, and how that cost grows with stakeholders, ties and community members.

Measured in the manner of Mesa's own benchmarks (``benchmarks/global_benchmark.py`` in Mesa's
repository): fixed seeds, model initialisation and running timed separately, warm-up runs first,
garbage collection off while a run is timed, several repetitions per seed. Every figure printed is
a MEDIAN over all (seed x repetition) samples, with the interquartile range and the min/max, never
a single time: one run on a shared machine says little.

Configurations (all built from the built-in ``default`` scenario, so they change as it changes):

- ``default``: the scenario as shipped, its full life cycle (240 monthly steps).
- ``stakeholders x F``: the default's communities and CSOs replicated with new ids until there are
  about F times the default's stakeholders; each copy gets the default's ties among its own
  members (and to the shared company and municipality), so ties grow in proportion.
- ``members N``: the default with its first community given N members (the others unchanged);
  per-step cost shows whether community size matters.

Usage::

    .venv/bin/python benchmarks/bench_run.py            # print the table
    .venv/bin/python benchmarks/bench_run.py --write    # ... and write docs/performance.md
    .venv/bin/python benchmarks/bench_run.py --quick    # a fast smoke run (few samples, 24 steps)

No test asserts on these times: timing assertions fail on busy machines for no fault of the code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from stakesim.scenarios.loader import load_scenario
from stakesim.simulator.schema import Scenario
from stakesim.simulator.metrics import empty_columns, summarise, table
from stakesim.simulator.model import MiningModel

from configs import members_scenario, scaled_scenario, with_steps  # noqa: E402  (sibling script modules)
from machine_facts import DOC, REPO, commit, cpu_name  # noqa: E402

# Measured speed-ups worth remembering; --write copies them into docs/performance.md.
# (date, change, how it was measured, before, after): CPU-time medians of the whole run
# (init + run + tables), old and new code alternating in one process so both saw the same load.
HISTORY = [
    ("2026-11-22",
     "`simulator/metrics.py`: one snapshot per step for all columns (one pass over the graph, the "
     "population means together) instead of one reporter call and deep copy per column; "
     "`simulator/graph.py`: edge lookups through `get_edge_data`, the diffusion matrix filled "
     "from the adjacency dicts instead of `nx.to_numpy_array`. Outputs byte-identical.",
     "default, 30 + 30 samples; stakeholders x10, 6 + 6 samples; machine load 3-5 on 2 CPUs",
     "default 241 ms; x10 1468 ms", "default 154 ms; x10 1013 ms"),
    ("2026-11-23",
     "`simulator/graph.py`: the graph's structure indexed once per change (checked on every use), "
     "so the tie summary and the diffusion matrix only read the trust values; edge lookups straight "
     "from the adjacency. `simulator/metrics.py`: the month's row as a tuple, short means and the "
     "population means in plain floats in numpy's own order (`numbers.array_sum`), the run summary "
     "from the collector's columns (`numbers.column_sum` and others, pandas' arithmetic). "
     "`simulator/run.py`: the timeseries table built on first use. Outputs byte-identical "
     "(`benchmarks/same_numbers.py`, 92 runs).",
     "`benchmarks/ab_run.py --rev 19ffa97`: both versions in one process, alternating run by run, "
     "60 + 60 runs per configuration, median of the paired ratios; machine load 0.9-1.0 on 2 CPUs",
     "default 164 ms; default + learning space + negotiation table 214 ms; x5 766 ms",
     "default 146 ms (x1.12); with space and table 184 ms (x1.12); x5 751 ms (x1.02)"),
]


# --------------------------------------------------------------------------- timing
@dataclass
class Sample:
    """One run's times in seconds: CPU time of this process and wall-clock time, per part."""

    init: float
    run: float
    tables: float
    wall_init: float
    wall_run: float
    wall_tables: float

    @property
    def total(self) -> float:
        return self.init + self.run + self.tables

    @property
    def wall_total(self) -> float:
        return self.wall_init + self.wall_run + self.wall_tables


@dataclass
class Result:
    label: str
    group: str
    stakeholders: int
    ties: int
    members: int
    steps: int
    varied_members: int = 0  # members of the community a ``members`` configuration varies
    samples: list[Sample] = field(default_factory=list)

    def stat(self, part: str) -> dict[str, float]:
        values = sorted(getattr(s, part) for s in self.samples)
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        return {"median": statistics.median(values), "q1": q1, "q3": q3,
                "min": values[0], "max": values[-1]}

    @property
    def per_step(self) -> float:
        """Median running time per step, seconds."""
        return self.stat("run")["median"] / self.steps


def time_one(scenario: Scenario, seed: int) -> tuple[Sample, MiningModel]:
    """One run, with garbage collection off while it is timed (as Mesa's benchmarks and timeit do).

    Both clocks are read at each boundary: CPU time of this process (``time.process_time``), which
    a busy machine disturbs little, and wall-clock time (``time.perf_counter``), which includes
    any wait for a CPU.
    """
    gc.collect()
    gc.disable()
    try:
        marks = [(time.process_time(), time.perf_counter())]
        model = MiningModel(scenario, seed=seed)
        marks.append((time.process_time(), time.perf_counter()))
        model.run()
        marks.append((time.process_time(), time.perf_counter()))
        columns = model.datacollector.model_vars  # as run_scenario: summary and provenance from the
        summarise(model, columns)  # columns, and the table a reader of RunResult.timeseries gets
        empty_columns(columns)
        table(columns)
        marks.append((time.process_time(), time.perf_counter()))
    finally:
        gc.enable()
    cpu = [b[0] - a[0] for a, b in zip(marks, marks[1:])]
    wall = [b[1] - a[1] for a, b in zip(marks, marks[1:])]
    return Sample(*cpu, *wall), model


def measure(configs: list[tuple[str, str, Scenario]], seeds: list[int], repeats: int,
            warmup: int) -> list[Result]:
    """Time every configuration, interleaved: each repetition visits every configuration in turn.

    Interleaving spreads any drift in machine load over all configurations alike, so comparisons
    between them (50 vs 5,000 members, 1x vs 10x stakeholders) are fairer than timing one
    configuration after another.
    """
    results = []
    for label, group, scenario in configs:
        for i in range(warmup):
            time_one(scenario, seeds[i % len(seeds)])
        _, model = time_one(scenario, seeds[0])
        results.append(Result(label, group, len(scenario.stakeholders), model.graph.number_of_edges(),
                              sum(c.population for c in model.communities), scenario.months,
                              varied_members=model.communities[0].population))
    for repetition in range(repeats):
        print(f"repetition {repetition + 1} of {repeats} ...", file=sys.stderr, flush=True)
        for result, (_, _, scenario) in zip(results, configs):
            for seed in seeds:
                result.samples.append(time_one(scenario, seed)[0])
    return results


# --------------------------------------------------------------------------- reading
def slope(small: Result, large: Result, size) -> float:
    """Slope of log(cost per step) against log(size) between two configurations (1 = linear)."""
    return math.log(large.per_step / small.per_step) / math.log(size(large) / size(small))


def growth_verdict(exponent: float) -> str:
    if exponent < 0.95:
        return "less than linearly (a fixed cost per step is shared by more stakeholders)"
    if exponent <= 1.1:
        return "about linearly"
    return "FASTER than linearly"


def reading(results: list[Result]) -> list[str]:
    lines = []
    default = next(r for r in results if r.group == "default")
    run = default.stat("run")["median"]
    total = default.stat("total")["median"]
    wall = default.stat("wall_total")["median"]
    lines.append(f"- The default scenario ({default.steps} steps) takes {fmt_ms(total)} ms of CPU time "
                 f"from building the model to the summary (median; {fmt_ms(wall)} ms wall-clock); "
                 f"{fmt_ms(run)} ms of it is stepping, {1e6 * default.per_step:.0f} us a step.")
    scale = sorted((r for r in results if r.group in ("default", "scale")), key=lambda r: r.stakeholders)
    if len(scale) > 1:
        first, last = scale[0], scale[-1]
        by_stakeholders = slope(first, last, lambda r: r.stakeholders)
        by_ties = slope(first, last, lambda r: r.ties)
        steps = ", ".join(f"{a.stakeholders}->{b.stakeholders}: {slope(a, b, lambda r: r.stakeholders):.2f}"
                          for a, b in zip(scale, scale[1:]))
        lines.append(
            f"- From {first.stakeholders} to {last.stakeholders} stakeholders ({first.ties} to "
            f"{last.ties} ties) the cost of a step grows {growth_verdict(max(by_stakeholders, by_ties))}: "
            f"log-log slope {by_stakeholders:.2f} against stakeholders and {by_ties:.2f} against ties "
            f"(1 is linear; between neighbouring sizes: {steps}). A stakeholder-step costs "
            f"{1e6 * first.per_step / first.stakeholders:.0f} us at the small end and "
            f"{1e6 * last.per_step / last.stakeholders:.0f} us at the large end.")
    members = {r.varied_members: r for r in results if r.group == "members"}
    if len(members) > 1:
        small = members[min(members)]
        for size in sorted(members)[1:]:
            large = members[size]
            ratio = large.per_step / small.per_step
            lines.append(
                f"- One community of {small.varied_members:,} members vs {large.varied_members:,}: "
                f"{1e6 * small.per_step:.0f} vs {1e6 * large.per_step:.0f} us a step (x{ratio:.2f}).")
        lines.append("  Members are numpy arrays, so a community's size costs only array arithmetic; "
                     "the runs also differ in what happens (a larger community mobilises "
                     "differently), which moves the per-step cost a little either way.")
    return lines


# --------------------------------------------------------------------------- output
def fmt_ms(seconds: float) -> str:
    ms = 1e3 * seconds
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


HEADER = ["configuration", "stakeholders", "ties", "members", "steps", "init ms",
          "run ms (IQR; min-max)", "us/step", "total ms", "wall run ms (IQR)", "wall total ms", "n"]


def rows(results: list[Result]) -> list[list[str]]:
    out = []
    for r in results:
        init, run, total = r.stat("init"), r.stat("run"), r.stat("total")
        wall_run, wall_total = r.stat("wall_run"), r.stat("wall_total")
        out.append([
            r.label, str(r.stakeholders), str(r.ties), f"{r.members:,}", str(r.steps),
            fmt_ms(init["median"]),
            f"{fmt_ms(run['median'])} ({fmt_ms(run['q1'])}-{fmt_ms(run['q3'])}; "
            f"{fmt_ms(run['min'])}-{fmt_ms(run['max'])})",
            f"{1e6 * r.per_step:.0f}", fmt_ms(total["median"]),
            f"{fmt_ms(wall_run['median'])} ({fmt_ms(wall_run['q1'])}-{fmt_ms(wall_run['q3'])})",
            fmt_ms(wall_total["median"]), str(len(r.samples)),
        ])
    return out


def text_table(results: list[Result]) -> str:
    body = [HEADER, *rows(results)]
    widths = [max(len(row[i]) for row in body) for i in range(len(HEADER))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in body)


def markdown_table(results: list[Result]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(results)]
    return "\n".join(lines)


def machine() -> dict[str, str]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": cpu_name(),
        "CPU count": str(os.cpu_count()),
        "platform": platform.platform(),
        "Python": platform.python_version(),
        "Mesa": mesa.__version__,
        "numpy": np.__version__,
        "networkx": nx.__version__,
        "pandas": pd.__version__,
        "commit": commit(),
        "load average (1 min) at the end": f"{os.getloadavg()[0]:.2f}",
    }


def profile_default(scenario: Scenario, seed: int) -> list[tuple[str, float]]:
    """Share of ``MiningModel.step``'s time spent in each function it calls, from one cProfile run.

    cProfile adds a cost to every call, so the shares lean towards parts that make many small
    calls; they say where to look, the timings above say how long things take.
    """
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    model = MiningModel(scenario, seed=seed)
    profiler.runcall(model.run)
    stats = pstats.Stats(profiler).stats
    step = next((key for key in stats if key[2] == "step" and key[0].endswith("model.py")), None)
    if step is None:
        return []
    step_time = stats[step][3]
    parts = []
    for (path, _, name), (_, _, _, cumulative, callers) in stats.items():
        if step in callers:
            label = name if path == "~" else f"{Path(path).stem}.{name}"  # "~": a built-in
            parts.append((label, callers[step][3] / step_time))
    return sorted(parts, key=lambda part: -part[1])


def profile_table(parts: list[tuple[str, float]]) -> str:
    if not parts:
        return "(no profile: MiningModel.step was not found)"
    lines = ["| called from `MiningModel.step` | share of the step (cProfile) |", "|---|---|"]
    lines += [f"| `{name}` | {100 * share:.0f}% |" for name, share in parts if share >= 0.005]
    return "\n".join(lines)


def rerun_sentence() -> str:
    """How to regenerate this file, true to what the Makefile's ``bench`` target runs today."""
    command = "`.venv/bin/python benchmarks/bench_run.py --write`"
    try:
        lines = (REPO / "Makefile").read_text().splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("bench:"))
        recipe = " ".join(line.strip() for line in lines[start + 1:start + 3] if line.startswith("\t"))
    except (OSError, StopIteration):
        recipe = ""
    if "bench_run.py" in recipe and "--write" in recipe:
        return f"`make bench` runs {command}, which prints the table and rewrites this file"
    return f"{command} prints the table and rewrites this file (`make bench` only prints the table)"


def startup_section(script: str = "bench_startup") -> str:
    """A sibling script's section of the current docs/performance.md (with a blank line after), or ""."""
    module = __import__(script)  # the benchmarks folder is on the path of a script run from it
    BEGIN, END = module.BEGIN, module.END

    try:
        text = DOC.read_text()
    except OSError:
        return ""
    start, end = text.find(BEGIN), text.find(END)
    return text[start:end + len(END)] + "\n\n" if 0 <= start < end else ""


def write_doc(results: list[Result], facts: dict[str, str], settings: str,
              profile: list[tuple[str, float]]) -> None:
    history = "\n".join(f"| {' | '.join(entry)} |" for entry in HISTORY)
    startup = startup_section() + startup_section("bench_sweep")  # kept as they are: their --write updates them
    text = f"""# Performance

How long a run of the simulator takes and how the cost grows with the size of a scenario.
This file is written by `benchmarks/bench_run.py --write`; edit the script, not this file.

## How it is measured

In the manner of Mesa's own benchmarks: fixed seeds, model initialisation ("init") and stepping
("run") timed separately, warm-up runs before timing, garbage collection off while a run is
timed, several repetitions per seed; the repetitions visit the configurations in turn, so a
change in machine load touches all of them alike. "total" also includes the run summary and
provenance and building the timeseries table: what `simulator.run.run_scenario` does and a reader
of its `timeseries` gets (it builds the table on first use). Every figure is a **median** over all
samples ({settings}); the run column also gives the interquartile range and min-max.

Times are CPU time of the benchmarking process (`time.process_time`) unless a column says
"wall": on a shared machine wall-clock time also counts the time spent waiting for a CPU, which
says more about the other jobs than about the simulator. Wall-clock medians are given alongside;
on an idle machine the two agree. Compare figures taken on the same machine only.

Configurations, all built from the built-in `default` scenario by the script:

- `default`: the scenario as shipped, its whole life cycle.
- `stakeholders xF`: communities and CSOs copied with new ids until there are about F times the
  default's stakeholders; every copy keeps the default's ties, so ties grow in proportion; the
  company and municipality are shared.
- `members N`: the default with its first community given N members.

## Machine

{chr(10).join(f"- {k}: {v}" for k, v in facts.items())}

## Results

{markdown_table(results)}

## Reading

{chr(10).join(reading(results))}

Absolute times move with the machine and with the model. On this shared machine the CPU time of
the same run has moved by up to half within an hour and by about 2x between days (other virtual
machines on the host), and mechanisms added to the model cost time too; so a table taken on
another day says little about a change. To compare two versions, time them together with
`benchmarks/ab_run.py` (both versions in one process, run by run): the speed-ups below were
measured so.

The diffusion step on the relationship graph uses a dense n x n trust matrix (see
`simulator/graph.py`, `diffuse`), kept because it fixes the numbers to the last bit. It is the one
part whose cost grows with the square of the stakeholders: about 50 us a step at 80 stakeholders
(around 1% of a step), several milliseconds at a few hundred, where a sparse version would pay.

## Where a default step's time goes

{profile_table(profile)}

## Speed-ups measured

Each measured A/B at the time (old and new code alternating in one process, CPU-time medians of
the whole run), so the before and after figures of a row compare; they need not match the
table above, taken at another time under another load.

| date | change | how measured | before | after |
|---|---|---|---|---|
{history}

{startup}## How to rerun

{rerun_sentence()}; a full run takes a few minutes. `--factors 2 5 10 20` changes
the stakeholder multiples; `--quick` is a fast smoke run with few samples and 24 steps that prints
but never writes this file. To look inside a run, profile it:
`.venv/bin/python -m cProfile -s cumulative -m stakesim.cli run default --seed 1 | head -40`.
`.venv/bin/python benchmarks/bench_startup.py --write` measures `stakesim run default` as a whole
process against `python -c "import mesa"` and rewrites its own section above.
To measure a change, `.venv/bin/python benchmarks/ab_run.py --rev REV` times the working tree
against the engine files at REV, both in one process, run by run (this machine's speed drifts by
tens of percent within minutes, so only paired ratios compare), and
`.venv/bin/python benchmarks/same_numbers.py --against REV` checks that 92 runs (every built-in
scenario, every intervention, larger scenarios, `mesa.batch_run`) give byte-identical outputs.
Never assert on times in tests: they fail on busy machines for no fault of the code.
"""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


# --------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write docs/performance.md")
    parser.add_argument("--quick", action="store_true",
                        help="fast smoke run: few samples, 24 steps (cannot be combined with --write)")
    parser.add_argument("--factors", type=float, nargs="+", default=None, metavar="F",
                        help="stakeholder multiples to time (default: 2 5 10; quick: 2 10)")
    args = parser.parse_args(argv)
    if args.quick and args.write:
        parser.error("--quick figures are too rough to publish; run without --quick to --write")

    if args.quick:
        seeds, repeats, warmup, steps = [1, 2], 1, 1, 24
        factors, members = [2, 10], [50, 5000]
    else:
        seeds, repeats, warmup, steps = [1, 2, 3, 4, 5], 4, 2, None
        factors, members = [2, 5, 10], [50, 500, 5000, 50_000]
    factors = args.factors or factors
    settings = f"seeds {seeds[0]}-{seeds[-1]} x {repeats} repetitions = {len(seeds) * repeats} samples, {warmup} warm-up runs"

    base = load_scenario("default")
    configs = [("default", "default", with_steps(base, steps))]
    configs += [(f"stakeholders x{f:g}", "scale", with_steps(scaled_scenario(base, f), steps)) for f in factors]
    configs += [(f"members {n:,}", "members", with_steps(members_scenario(base, n), steps)) for n in members]

    load_at_start = os.getloadavg()[0]
    results = measure(configs, seeds, repeats, warmup)

    facts = machine()
    facts["load average (1 min) at the start"] = f"{load_at_start:.2f}"
    print()
    for key, value in facts.items():
        print(f"{key}: {value}")
    print(f"samples: {settings}\n")
    print(text_table(results))
    print()
    print("\n".join(reading(results)))
    profile = profile_default(with_steps(base, steps), seeds[0])
    print("\nwhere a default step's time goes (cProfile):")
    print("\n".join(f"  {100 * share:5.1f}%  {name}" for name, share in profile if share >= 0.005))
    if args.write:
        write_doc(results, facts, settings, profile)
        print(f"\nwrote {DOC.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
