"""How long ``stakesim run default`` takes as a whole process, against ``python -c "import mesa"``.

A single run from the command line pays for starting Python and importing its stack before the
first step, and on a 240-month scenario that start-up is most of the time a user waits. Mesa is
the floor: a run cannot start faster than Mesa imports. So the figure that matters is the ratio
of the two, measured on the same machine, in the same minutes.

Each command runs as a fresh process (nothing cached in the interpreter; the operating system's
file cache is warmed by warm-up runs first). The commands are interleaved: every repetition runs
each once, in turn, so a change in machine load touches all of them alike. For each process the
wall-clock time (spawn to exit) and the CPU time (user + system, from the child's own resource
usage) are recorded. Every figure printed is a MEDIAN over the repetitions, with the interquartile
range; the ratios are ratios of medians from this one run.

Commands:

- ``import mesa``: ``python -c "import mesa"``, the floor.
- ``import stakesim.cli``: what the CLI imports before it parses its arguments.
- ``stakesim run default``: the installed console script (``.venv/bin/stakesim``; ``python -m
  stakesim.cli`` if there is none), whole: import, one default run (240 months), summary on stdout.

Usage::

    .venv/bin/python benchmarks/bench_startup.py            # print the table
    .venv/bin/python benchmarks/bench_startup.py --write    # ... and update its section of docs/performance.md
    .venv/bin/python benchmarks/bench_startup.py --quick    # a fast smoke run (few repetitions)

No test asserts on these times (tests/test_startup.py checks which modules a run loads instead).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from machine_facts import DOC, REPO, commit, cpu_name, write_section  # noqa: E402  (a sibling script module)
BEGIN = "<!-- bench_startup.py: begin -->"
END = "<!-- bench_startup.py: end -->"


@dataclass
class Command:
    label: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def stat(self, part: str) -> dict[str, float]:
        values = sorted(getattr(self, part))
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive") if len(values) > 1 else values * 3
        return {"median": statistics.median(values), "q1": q1, "q3": q3}


def commands(python: str) -> list[Command]:
    script = Path(python).with_name("stakesim")
    run = [str(script)] if script.is_file() else [python, "-m", "stakesim.cli"]
    return [
        Command("import mesa", [python, "-c", "import mesa"]),
        Command("import stakesim.cli", [python, "-c", "import stakesim.cli"]),
        Command("stakesim run default", [*run, "run", "default"]),
    ]


def time_process(argv: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one fresh process; stdout discarded."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty child cannot block
        if hasattr(os, "wait4"):
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, cwd=REPO)
            # wait4 reaps the child and returns its own resource usage, not that of other children
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - start
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            cpu = usage.ru_utime + usage.ru_stime
        else:  # no wait4: the difference in the usage of all reaped children
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            code = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=errors, cwd=REPO).returncode
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if code != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")[-2000:]
            raise SystemExit(f"{' '.join(argv)} exited with {code}:\n{message}")
    return wall, cpu


def measure(cmds: list[Command], repeats: int, warmup: int) -> None:
    for _ in range(warmup):
        for cmd in cmds:
            time_process(cmd.argv)
    for repetition in range(repeats):
        print(f"repetition {repetition + 1} of {repeats} ...", file=sys.stderr, flush=True)
        for cmd in cmds:
            wall, cpu = time_process(cmd.argv)
            cmd.wall.append(wall)
            cmd.cpu.append(cpu)


# --------------------------------------------------------------------------- reading
def ms(seconds: float) -> str:
    return f"{1e3 * seconds:.0f}"


def ratio(cmd: Command, floor: Command, part: str) -> float:
    return cmd.stat(part)["median"] / floor.stat(part)["median"]


HEADER = ["command", "wall ms (IQR)", "CPU ms (IQR)", "x import mesa (wall)", "x import mesa (CPU)", "n"]


def rows(cmds: list[Command]) -> list[list[str]]:
    floor = cmds[0]
    out = []
    for cmd in cmds:
        wall, cpu = cmd.stat("wall"), cmd.stat("cpu")
        out.append([f"`{cmd.label}`", f"{ms(wall['median'])} ({ms(wall['q1'])}-{ms(wall['q3'])})",
                    f"{ms(cpu['median'])} ({ms(cpu['q1'])}-{ms(cpu['q3'])})",
                    f"{ratio(cmd, floor, 'wall'):.2f}", f"{ratio(cmd, floor, 'cpu'):.2f}", str(len(cmd.wall))])
    return out


def loads_mesa(python: str) -> bool:
    """Whether importing the CLI already imports Mesa (the reading says what the CLI row holds)."""
    done = subprocess.run([python, "-c", "import sys, stakesim.cli; print('mesa' in sys.modules)"],
                          capture_output=True, text=True, cwd=REPO)
    return done.stdout.strip() == "True"


def reading(cmds: list[Command], cli_imports_mesa: bool) -> list[str]:
    floor, imported, run = cmds
    beyond = run.stat("cpu")["median"] - floor.stat("cpu")["median"]
    cli = ("Mesa among them, through the library API it wraps" if cli_imports_mesa
           else "Mesa is not among them: it loads when the run starts")
    return [
        f"- `stakesim run default` takes {ms(run.stat('wall')['median'])} ms wall-clock and "
        f"{ms(run.stat('cpu')['median'])} ms of CPU time as a whole process (medians): "
        f"**{ratio(run, floor, 'wall'):.2f}x** the wall-clock time of `python -c \"import mesa\"` and "
        f"{ratio(run, floor, 'cpu'):.2f}x its CPU time, {ms(beyond)} ms of CPU time beyond Mesa's import.",
        f"- The CLI's own imports, before it parses its arguments, take {ms(imported.stat('cpu')['median'])} ms "
        f"of CPU time, the Python start included ({cli}); the run adds "
        f"{ms(run.stat('cpu')['median'] - imported.stat('cpu')['median'])} ms (medians of separate "
        f"processes: differences of medians are rough).",
        "- A single run imports no plotting or statistics stack of its own (matplotlib, seaborn, "
        "SciPy's stats and PyArrow's Parquet writer load only for comparisons): "
        "`tests/test_startup.py` checks which modules a run loads. Mesa itself loads `scipy.spatial` "
        "and pandas loads `pyarrow` when they are imported, so those are inside the floor.",
    ]


def text_table(cmds: list[Command]) -> str:
    body = [[h for h in HEADER], *[[c.strip("`") for c in row] for row in rows(cmds)]]
    widths = [max(len(row[i]) for row in body) for i in range(len(HEADER))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in body)


def markdown_table(cmds: list[Command]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows(cmds)]
    return "\n".join(lines)


def machine(load_at_start: float) -> dict[str, str]:
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": f"{cpu_name()}, {os.cpu_count()} CPUs",
        "Python": platform.python_version(),
        "commit": commit(),
        "load average (1 min) at start and end": f"{load_at_start:.2f}, {os.getloadavg()[0]:.2f}",
    }


def section(cmds: list[Command], facts: dict[str, str], settings: str, lines: list[str]) -> str:
    return f"""{BEGIN}
## Start-up: a single run as a whole process

Written by `benchmarks/bench_startup.py --write`, which updates this section only (and
`bench_run.py --write` keeps it). Each command runs as a fresh process, the commands interleaved
({settings}); wall-clock time from spawn to exit, CPU time the child's own user + system time;
medians with the interquartile range, ratios of medians from this one run. Mesa is the floor: a run
cannot start before Mesa is imported. The ratio of `stakesim run default` to `import mesa` should
not grow; the closer to 1, the better.

{chr(10).join(f"- {k}: {v}" for k, v in facts.items())}

{markdown_table(cmds)}

{chr(10).join(lines)}
{END}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="update the start-up section of docs/performance.md")
    parser.add_argument("--quick", action="store_true",
                        help="fast smoke run: 3 repetitions (cannot be combined with --write)")
    parser.add_argument("--repeats", type=int, default=None, help="repetitions (default 15; quick: 3)")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter of the environment to measure (default: this one)")
    args = parser.parse_args(argv)
    if args.quick and args.write:
        parser.error("--quick figures are too rough to publish; run without --quick to --write")
    repeats = args.repeats or (3 if args.quick else 15)
    warmup = 1 if args.quick else 2
    settings = f"{repeats} repetitions after {warmup} warm-up round{'s' if warmup > 1 else ''}"

    cmds = commands(args.python)
    load_at_start = os.getloadavg()[0]
    measure(cmds, repeats, warmup)
    facts = machine(load_at_start)
    print()
    for key, value in facts.items():
        print(f"{key}: {value}")
    print(f"samples: {settings}\n")
    print(text_table(cmds))
    print()
    lines = reading(cmds, loads_mesa(args.python))
    print("\n".join(lines))
    if args.write:
        write_section(section(cmds, facts, settings, lines), BEGIN, END)
        print(f"\nwrote its section of {DOC.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
