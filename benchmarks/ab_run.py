"""A/B timing of a change: the working tree against the same tree with some files as they were.

On a shared machine one run's time says little, and two timings taken minutes apart compare
different loads (on this machine the same run's CPU time has been seen to move by half within
minutes). This script times both versions run by run, interleaved: it copies the package as it is
now into two temporary trees, puts the given files back as they were at a git revision in one of
them ("before"), and starts processes that import both versions side by side (each run swaps its
version's modules in) and alternate them: seed 1 before, seed 1 after, seed 2 after, seed 2
before, ... Each run is timed as in ``bench_run.py`` (CPU time of the process, garbage collection
off during the run) after a warm-up run of each. Printed: the medians over all runs a side with
their ratio, and the ratio paired run by run (the same seed, back to back, so a slow spell of the
machine falls on both): its median and interquartile range. The machine load at the start and the
end is printed too.

Both trees are copied at the start, so files that others edit while it runs do not change one
side only.

Usage::

    .venv/bin/python benchmarks/ab_run.py                      # HEAD's engine files vs the working tree
    .venv/bin/python benchmarks/ab_run.py --rev HEAD~3 --processes 3 --rounds 5 --runs 6
    .venv/bin/python benchmarks/ab_run.py --files simulator/graph.py --config default
    .venv/bin/python benchmarks/ab_run.py --before-tree /tmp/a --after-tree /tmp/b   # any two checkouts

No test asserts on these times.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine_facts import REPO  # noqa: E402  (a sibling script module)

# The import name of each top-level folder (pyproject.toml's package-dir).
PACKAGES = {"stakesim": "stakesim", "simulator": "stakesim/simulator", "agents": "stakesim/agents",
            "scenarios": "stakesim/scenarios", "experiments": "stakesim/experiments"}
ENGINE_FILES = ["simulator/graph.py", "simulator/metrics.py", "simulator/run.py", "simulator/numbers.py"]

CONFIGS = {
    "default": "the default scenario",
    "default+learning_space+negotiation_table": "the default with a learning space and a negotiation table",
    "default x5": "the default's communities and CSOs copied to about 5x the stakeholders",
}

CHILD = r"""
import gc, importlib, json, statistics, sys, time

trees, config, rounds, runs, benchmarks = sys.argv[1:3], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
sys.path.insert(0, benchmarks)


def load(tree):
    # Import the package from ``tree``: its modules are kept aside, so both versions live in
    # this one process and each run swaps its own version's modules in.
    for name in [n for n in sys.modules if n == "stakesim" or n.startswith("stakesim.")]:
        del sys.modules[name]
    sys.path.insert(0, tree)
    importlib.invalidate_caches()
    import stakesim
    assert stakesim.__file__.startswith(tree), stakesim.__file__
    from stakesim.scenarios.loader import load_scenario
    from stakesim.simulator.run import run_scenario
    scenario = load_scenario("default")
    if config == "default+learning_space+negotiation_table":
        from stakesim.experiments.arms import arm_scenario, parse_arms
        scenario = arm_scenario(scenario, parse_arms("learning_space+negotiation_table")[0])
    elif config == "default x5":
        from configs import scaled_scenario
        scenario = scaled_scenario(scenario, 5)
    sys.path.remove(tree)
    modules = {n: m for n, m in sys.modules.items() if n == "stakesim" or n.startswith("stakesim.")}
    return modules, run_scenario, scenario


sides = [load(tree) for tree in trees]


def timed(side, seed):
    modules, run_scenario, scenario = side
    sys.modules.update(modules)
    gc.collect()
    gc.disable()
    start = time.process_time()
    run_scenario(scenario, seed=seed)
    elapsed = time.process_time() - start
    gc.enable()
    return elapsed


for side in sides:  # warm-up
    timed(side, 0)
times = [[], []]
for round_ in range(rounds):
    for seed in range(1, runs + 1):
        order = (0, 1) if (round_ + seed) % 2 == 0 else (1, 0)
        for k in order:
            times[k].append(timed(sides[k], seed))
print(json.dumps(times))
"""


def copy_tree(target: Path, source: Path = REPO) -> None:
    """The package's folders in ``source`` (laid out as the repository) copied as importable ``stakesim``."""
    for folder, name in PACKAGES.items():
        shutil.copytree(source / folder, target / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def put_back(target: Path, rev: str, files: list[str]) -> None:
    for path in files:
        folder, rest = path.split("/", 1)
        text = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO, check=True,
                              capture_output=True).stdout
        (target / PACKAGES[folder] / rest).write_bytes(text)


def time_both(before: Path, after: Path, config: str, rounds: int, runs: int) -> tuple[list[float], list[float]]:
    """One process that imports both versions and alternates their runs: the CPU seconds of each run."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(before), str(after), config, str(rounds), str(runs),
                          str(Path(__file__).parent)],
                         check=True, capture_output=True, text=True, cwd=before)
    first, second = json.loads(out.stdout.strip().splitlines()[-1])
    return first, second


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rev", default="HEAD", help="git revision of the 'before' files (default HEAD)")
    parser.add_argument("--files", nargs="+", default=ENGINE_FILES,
                        help=f"files put back as they were at --rev (default: {' '.join(ENGINE_FILES)})")
    parser.add_argument("--before-tree", type=Path, default=None,
                        help="a checkout to time as 'before' instead (its folders as in the repository)")
    parser.add_argument("--after-tree", type=Path, default=None,
                        help="a checkout to time as 'after' instead of the working tree")
    parser.add_argument("--config", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--processes", type=int, default=2, help="processes per configuration")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over the seeds in each process")
    parser.add_argument("--runs", type=int, default=6, help="seeds per round (one run of each side per seed)")
    args = parser.parse_args(argv)

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="stakesim-ab-") as tmp:
        before, after = Path(tmp) / "before", Path(tmp) / "after"
        copy_tree(after, args.after_tree or REPO)
        if args.before_tree is not None:
            copy_tree(before, args.before_tree)
            what = f"before: {args.before_tree}"
        else:
            copy_tree(before)
            put_back(before, args.rev, args.files)
            what = f"before: {', '.join(args.files)} at {args.rev}"
        print(f"{what}; after: {args.after_tree or 'the working tree'}. {args.processes} processes, "
              f"{args.rounds} rounds of {args.runs} seeds each; load (1 min) at start {load_start:.2f}",
              file=sys.stderr)
        results, paired = {}, {}
        for config in args.config:
            samples: dict[str, list[float]] = {"before": [], "after": []}
            ratios = []
            for process in range(args.processes):
                first, second = time_both(before, after, config, args.rounds, args.runs)
                samples["before"] += first
                samples["after"] += second
                ratios += [a / b for a, b in zip(first, second)]
            results[config], paired[config] = samples, ratios
    load_end = os.getloadavg()[0]
    n = args.processes * args.rounds * args.runs
    print(f"\nCPU ms per run of run_scenario, median (IQR) over {n} runs a side; "
          f"load (1 min) {load_start:.2f} at start, {load_end:.2f} at end")
    for config, samples in results.items():
        cells = []
        for side in ("before", "after"):
            q1, med, q3 = statistics.quantiles(samples[side], n=4, method="inclusive")
            cells.append(f"{side} {1e3 * statistics.median(samples[side]):.1f} ({1e3 * q1:.1f}-{1e3 * q3:.1f})")
        ratio = statistics.median(samples["before"]) / statistics.median(samples["after"])
        ratios = paired[config]
        q1, _, q3 = statistics.quantiles(ratios, n=4, method="inclusive")
        print(f"  {config}: {'; '.join(cells)}; before/after x{ratio:.2f} (ratio of the medians); "
              f"paired run by run x{statistics.median(ratios):.2f} (IQR {q1:.2f}-{q3:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
