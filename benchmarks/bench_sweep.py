"""How fast a 2,000-run sweep of the default scenario runs on each backend, and how much memory it holds.

One design throughout: a full factorial over ``parameters.trust_loss_rate`` (20 levels from 0.1 to
0.5), the baseline arm, replicates with seeds 0, 1, ... (100 replicates make 2,000 runs). Each
measurement is a fresh process (``python bench_sweep.py --child ...``) that imports stakesim,
builds the experiment with ``experiment_from_data`` and runs it with ``stakesim.sweep`` into a
temporary folder (Parquet, streamed in batches), or runs the same design with ``mesa.batch_run``
(parameters ``{"scenario": "default", "trust_loss_rate": [20 levels], "seed": [0..99]}``,
``number_processes=2``). So a figure is for the whole command: Python start, imports, pool or
cluster start, every run, writing, shutting down.

- throughput: runs per second of the whole command (spawn to exit, wall-clock) on ``serial``,
  ``processes`` (2 workers), ``dask`` (a ``LocalCluster`` of 2 workers) and ``mesa.batch_run``
  (2 processes), with the ratio to serial; also the rate of the sweep call alone.
- memory: from this process, a thread samples the resident set size (RSS) of the measured
  process and all its descendants (pool workers, Dask nanny and workers) every 0.2 s with psutil
  and keeps the peak of the sum, for every measurement above and for a series of 500, 2,000 and
  10,000 runs on ``processes`` (2 workers). The series uses a shorter run (``overrides: {steps:
  N}``, 24 months by default) so 12,500 runs fit on a loaded machine; what is measured there is
  whether memory grows with the number of runs, not the cost of a run.

A summed RSS counts pages the processes share (the libraries, and copy-on-write pages of forked
workers) once per process, so it overstates the real footprint of the tree; the overstatement is
the same at every size, which is what the series compares.

A sweep of 2,000 runs takes minutes, so each configuration is measured once (not a median of
repetitions), one after another; the 1-minute load average is recorded before and after each, as
other jobs on a shared machine slow the later measurements as much as the earlier ones.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py            # print the figures (about 20 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_sweep.py --write    # ... and update its section of docs/performance.md
    .venv/bin/python benchmarks/bench_sweep.py --quick    # a smoke run of a few hundred runs; never writes
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from machine_facts import DOC, REPO, commit, cpu_name, write_section  # noqa: E402  (a sibling script module)

BEGIN = "<!-- bench_sweep.py: begin -->"
END = "<!-- bench_sweep.py: end -->"
LEVELS = [round(0.1 + 0.4 * i / 19, 4) for i in range(20)]
PARAMETER = "parameters.trust_loss_rate"
SAMPLE_SECONDS = 0.2
WORKERS = 2


# --------------------------------------------------------------------------- the measured process
def experiment_data(replicates: int, steps: int | None) -> dict:
    data = {"name": "bench_sweep", "scenario": "default",
            "parameters": {PARAMETER: {"levels": LEVELS}}, "design": {"type": "full_factorial"},
            "arms": ["baseline"], "replicates": replicates, "seed": 0}
    if steps:
        data["overrides"] = {"steps": steps}
    return data


def child(spec: dict) -> dict:
    """Run one configuration in this (fresh) process; return its figures as plain data."""
    started = time.perf_counter()
    import stakesim  # noqa: F401  (the import is part of the whole command)

    imported = time.perf_counter()
    if spec["kind"] == "batch_run":
        import mesa

        rows = mesa.batch_run(stakesim.MiningModel, parameters={
            "scenario": "default", "trust_loss_rate": LEVELS, "seed": list(range(spec["replicates"]))},
            number_processes=spec["workers"], iterations=1, max_steps=10000, display_progress=False)
        runs, failed = len(rows), 0
    else:
        from stakesim.experiments.experiment_file import experiment_from_data

        experiment = experiment_from_data(experiment_data(spec["replicates"], spec.get("steps")))
        out = tempfile.mkdtemp(prefix="bench_sweep_")
        try:
            summary = stakesim.sweep(experiment, out, backend=spec["kind"], workers=spec["workers"],
                                     progress=False)
            runs, failed = summary.ran_now, summary.failed
        finally:
            shutil.rmtree(out, ignore_errors=True)
    done = time.perf_counter()
    return {"runs": runs, "failed": failed, "import_seconds": imported - started, "call_seconds": done - imported}


# --------------------------------------------------------------------------- measuring from outside
@dataclass
class Measurement:
    label: str
    kind: str
    replicates: int
    steps: int | None
    workers: int | None
    wall: float = 0.0
    call_seconds: float = 0.0
    import_seconds: float = 0.0
    runs: int = 0
    failed: int = 0
    peak_rss: int = 0
    peak_processes: int = 0
    samples: int = 0
    load: tuple[float, float] = (0.0, 0.0)
    rss_trace: list[int] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.runs / self.wall

    @property
    def call_rate(self) -> float:
        return self.runs / self.call_seconds


def tree_rss(proc) -> tuple[int, int]:
    import psutil

    total = count = 0
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    for member in members:
        try:
            total += member.memory_info().rss
            count += 1
        except psutil.Error:
            pass
    return total, count


def measure(m: Measurement, python: str) -> Measurement:
    import psutil

    spec = {"kind": m.kind, "replicates": m.replicates, "steps": m.steps, "workers": m.workers}
    print(f"{m.label}: {20 * m.replicates:,} runs ...", file=sys.stderr, flush=True)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen([python, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
                                stdout=output, stderr=errors, cwd=REPO)
        watched = psutil.Process(proc.pid)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss, count = tree_rss(watched)
                m.samples += 1
                m.rss_trace.append(rss)
                if rss > m.peak_rss:
                    m.peak_rss = rss
                m.peak_processes = max(m.peak_processes, count)
                stop.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        m.wall = time.perf_counter() - start
        stop.set()
        sampler.join()
        if code != 0:
            errors.seek(0)
            raise SystemExit(f"{m.label} exited with {code}:\n{errors.read().decode(errors='replace')[-3000:]}")
        output.seek(0)
        figures = json.loads(output.read().decode().strip().splitlines()[-1])
    m.runs, m.failed = figures["runs"], figures["failed"]
    m.call_seconds, m.import_seconds = figures["call_seconds"], figures["import_seconds"]
    m.load = (load_before, os.getloadavg()[0])
    print(f"  {m.wall:.1f} s, {m.rate:.2f} runs/s, peak RSS {mib(m.peak_rss)} MiB, load {m.load[0]:.2f} -> "
          f"{m.load[1]:.2f}", file=sys.stderr, flush=True)
    return m


# --------------------------------------------------------------------------- reading
def mib(n: int) -> str:
    return f"{n / 2**20:.0f}"


def runs_label(m: Measurement) -> str:
    return f"{m.runs:,}"


SPEED_HEADER = ["how", "runs", "whole command s", "runs/s", "x serial", "sweep call runs/s",
                "peak RSS of the tree MiB", "load before, after"]
MEMORY_HEADER = ["runs", "run length (months)", "whole command s", "runs/s", "peak RSS of the tree MiB",
                 "processes", "RSS samples", "load before, after"]


def speed_rows(speed: list[Measurement]) -> list[list[str]]:
    serial = speed[0]
    return [[m.label, runs_label(m), f"{m.wall:.1f}", f"{m.rate:.2f}", f"{m.rate / serial.rate:.2f}",
             f"{m.call_rate:.2f}", mib(m.peak_rss), f"{m.load[0]:.2f}, {m.load[1]:.2f}"] for m in speed]


def memory_rows(memory: list[Measurement]) -> list[list[str]]:
    return [[runs_label(m), str(m.steps or 240), f"{m.wall:.1f}", f"{m.rate:.2f}", mib(m.peak_rss),
             str(m.peak_processes), str(m.samples), f"{m.load[0]:.2f}, {m.load[1]:.2f}"] for m in memory]


def text_table(header: list[str], body: list[list[str]]) -> str:
    table = [header, *body]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in table)


def markdown_table(header: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in body])


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def reading(speed: list[Measurement], memory: list[Measurement], full_runs: int) -> list[str]:
    by = {m.kind: m for m in speed}
    serial, processes, dask, batch = by["serial"], by["processes"], by["dask"], by["batch_run"]
    lines = []
    ratio = processes.rate / serial.rate
    lines.append(f"- Two processes against serial, whole command: {processes.rate:.2f} vs {serial.rate:.2f} runs/s, "
                 f"**{ratio:.2f}x** (aim: at least 1.8x): {verdict(ratio >= 1.8)}. The sweep call alone: "
                 f"{processes.call_rate / serial.call_rate:.2f}x. Dask with 2 workers: "
                 f"{dask.rate / serial.rate:.2f}x serial ({dask.rate:.2f} runs/s).")
    lines.append(f"- Against `mesa.batch_run` with 2 processes on the same design: {processes.rate:.2f} vs "
                 f"{batch.rate:.2f} runs/s, {processes.rate / batch.rate:.2f}x (aim: more runs/s than "
                 f"batch_run): {verdict(processes.rate > batch.rate)}. batch_run collects its rows in memory "
                 f"and writes nothing; the sweep writes Parquet as it goes.")
    rate = processes.rate
    minutes = 10_000 / rate / 60
    lines.append(f"- A 10,000-run sweep of the default scenario (240 months) on two cores, **extrapolated** from "
                 f"the {full_runs:,}-run `processes` rate ({rate:.2f} runs/s; not run at full length here): "
                 f"about {minutes:.1f} minutes (aim: under 5 minutes): {verdict(minutes < 5)}"
                 + ("" if minutes < 5 else f"; under 5 minutes would need {10_000 / 300:.1f} runs/s") + ".")
    if memory:
        peaks = [m.peak_rss for m in memory]
        small, large = memory[0], memory[-1]
        growth = large.peak_rss / small.peak_rss
        flat = growth < 1.15
        lines.append(f"- Peak memory on `processes` (runs of {small.steps or 240} months) at "
                     + ", ".join(f"{m.runs:,}" for m in memory) + " runs: "
                     + ", ".join(f"{mib(p)}" for p in peaks) + f" MiB ({growth:.2f}x from the smallest to "
                     f"the largest, {large.runs / small.runs:.0f}x the runs) (aim: does not grow with the "
                     f"number of runs): {verdict(flat)}" + (" (within 15%)." if flat else "."))
    lines.append(f"- Failed runs: {sum(m.failed for m in speed + memory)}.")
    return lines


def machine(load_at_start: float) -> dict[str, str]:
    import mesa
    import psutil

    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu_name()}, {os.cpu_count()} CPUs",
        "memory": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "Python": platform.python_version(),
        "Mesa": mesa.__version__,
        "commit": commit(),
        "load average (1 min) at start and end": f"{load_at_start:.2f}, {os.getloadavg()[0]:.2f}",
    }


def section(speed, memory, facts, lines, full_runs, memory_steps) -> str:
    return f"""{BEGIN}
## Sweeps: runs per second by backend, and memory against the number of runs

Written by `benchmarks/bench_sweep.py --write`, which updates this section only (and
`bench_run.py --write` keeps it). The design: a full factorial over `parameters.trust_loss_rate`
(20 levels, 0.1 to 0.5) on the `default` scenario, baseline arm, replicates with seeds 0, 1, ...;
{full_runs:,} runs of 240 months for the speed table. Each row is one fresh process measured once
(a sweep takes minutes, so no medians of repetitions here), one after another in this one run:
`stakesim.sweep` of the experiment (from `experiment_from_data`) into a temporary folder, or
`mesa.batch_run(stakesim.MiningModel, parameters={{"scenario": "default", "trust_loss_rate": [...],
"seed": [...]}}, number_processes=2)` on the same points and seeds. "whole command" is spawn to
exit, wall-clock: Python start, imports, pool or cluster start, the runs, writing, shutdown; "sweep
call" leaves out Python start and imports. Peak RSS is the largest sum of resident memory over the
process and all its descendants, sampled every {SAMPLE_SECONDS} s with psutil from outside; shared
pages count once per process, so it overstates the footprint equally at every size. Other jobs
ran on the machine: see the load averages.

{chr(10).join(f"- {k}: {v}" for k, v in facts.items())}

{markdown_table(SPEED_HEADER, speed_rows(speed))}

Memory on `processes` with {WORKERS} workers against the number of runs (the same design with
more or fewer replicates; runs shortened to {memory_steps} months with `overrides: {{steps: {memory_steps}}}`
so that 12,500 runs fit in the time, since what is measured is growth with the number of runs):

{markdown_table(MEMORY_HEADER, memory_rows(memory))}

{chr(10).join(lines)}

Rerun with `.venv/bin/python benchmarks/bench_sweep.py --write` (about 20 minutes on two cores);
`--quick` runs a few hundred runs and prints without writing.
{END}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="update the sweep section of docs/performance.md")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 200 runs per backend, memory at 100/200/400 runs (never writes)")
    parser.add_argument("--memory-steps", type=int, default=24,
                        help="run length in months for the memory series (default 24)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to measure (default: this one)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))), flush=True)
        return 0
    if args.quick and args.write:
        parser.error("--quick figures are too rough to publish; run without --quick to --write")
    speed_reps = 10 if args.quick else 100
    memory_reps = [5, 10, 20] if args.quick else [25, 100, 500]
    steps = args.memory_steps

    load_at_start = os.getloadavg()[0]
    speed = [measure(Measurement(label, kind, speed_reps, None, workers), args.python) for label, kind, workers in [
        ("serial", "serial", None), (f"processes ({WORKERS} workers)", "processes", WORKERS),
        (f"dask LocalCluster ({WORKERS} workers)", "dask", WORKERS),
        (f"mesa.batch_run ({WORKERS} processes)", "batch_run", WORKERS)]]
    memory = [measure(Measurement(f"memory, {20 * r:,} runs of {steps} months", "processes", r, steps, WORKERS),
                      args.python) for r in memory_reps]
    facts = machine(load_at_start)
    full_runs = 20 * speed_reps
    print()
    for key, value in facts.items():
        print(f"{key}: {value}")
    print()
    print(text_table(SPEED_HEADER, speed_rows(speed)))
    print()
    print(text_table(MEMORY_HEADER, memory_rows(memory)))
    print()
    lines = reading(speed, memory, full_runs)
    print("\n".join(lines))
    if args.write:
        write_section(section(speed, memory, facts, lines, full_runs, steps), BEGIN, END)
        print(f"\nwrote its section of {DOC.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
