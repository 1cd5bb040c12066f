"""A/B timing of a change: the working tree against the same tree with some files as they were.

On a shared machine one run's time says little, and two timings taken minutes apart compare
different loads. This script times both versions in turn, many times over, so that both see the
same load: it copies the package as it is now into two temporary trees, puts the given files back
as they were at a git revision in one of them ("before"), and alternates fresh processes of the
two ("before", "after", "before", ...). Each process does a warm-up run and then times ``--runs``
runs of ``run_scenario`` (CPU time of the process, garbage collection off during a run, as in
``bench_run.py``). The medians over all runs and their ratio are printed; the machine load at the
start and the end is printed too.

Both trees are copied at the start, so files that others edit while it runs do not change one
side only.

Usage::

    .venv/bin/python benchmarks/ab_run.py                      # HEAD's engine files vs the working tree
    .venv/bin/python benchmarks/ab_run.py --rev HEAD~3 --rounds 10 --runs 8
    .venv/bin/python benchmarks/ab_run.py --files simulator/graph.py --config default
    .venv/bin/python benchmarks/ab_run.py --before-tree /tmp/other_checkout   # any two trees

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
import gc, json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[4])
import stakesim
assert stakesim.__file__.startswith(sys.argv[1]), stakesim.__file__
from stakesim.scenarios.loader import load_scenario
from stakesim.simulator.run import run_scenario
config, runs = sys.argv[2], int(sys.argv[3])
scenario = load_scenario("default")
if config == "default+learning_space+negotiation_table":
    from stakesim.experiments.arms import arm_scenario, parse_arms
    scenario = arm_scenario(scenario, parse_arms("learning_space+negotiation_table")[0])
elif config == "default x5":
    from bench_run import scaled_scenario
    scenario = scaled_scenario(scenario, 5)
run_scenario(scenario, seed=0)
times = []
for seed in range(1, runs + 1):
    gc.collect()
    gc.disable()
    start = time.process_time()
    run_scenario(scenario, seed=seed)
    times.append(time.process_time() - start)
    gc.enable()
print(json.dumps(times))
"""


def copy_tree(target: Path) -> None:
    for folder, name in PACKAGES.items():
        shutil.copytree(REPO / folder, target / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def put_back(target: Path, rev: str, files: list[str]) -> None:
    for path in files:
        folder, rest = path.split("/", 1)
        text = subprocess.run(["git", "show", f"{rev}:{path}"], cwd=REPO, check=True,
                              capture_output=True).stdout
        (target / PACKAGES[folder] / rest).write_bytes(text)


def time_side(tree: Path, config: str, runs: int) -> list[float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(tree), config, str(runs),
                          str(Path(__file__).parent)],
                         check=True, capture_output=True, text=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rev", default="HEAD", help="git revision of the 'before' files (default HEAD)")
    parser.add_argument("--files", nargs="+", default=ENGINE_FILES,
                        help=f"files put back as they were at --rev (default: {' '.join(ENGINE_FILES)})")
    parser.add_argument("--before-tree", type=Path, default=None,
                        help="a checkout to time as 'before' instead (its folders as in the repository)")
    parser.add_argument("--config", nargs="+", choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument("--rounds", type=int, default=8, help="processes per side and configuration")
    parser.add_argument("--runs", type=int, default=6, help="timed runs per process")
    args = parser.parse_args(argv)

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="stakesim-ab-") as tmp:
        before, after = Path(tmp) / "before", Path(tmp) / "after"
        copy_tree(after)
        if args.before_tree is not None:
            for folder, name in PACKAGES.items():
                shutil.copytree(args.before_tree / folder, before / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            what = f"before: {args.before_tree}"
        else:
            copy_tree(before)
            put_back(before, args.rev, args.files)
            what = f"before: {', '.join(args.files)} at {args.rev}"
        print(f"{what}; after: the working tree. {args.rounds} processes a side, {args.runs} runs each; "
              f"load (1 min) at start {load_start:.2f}", file=sys.stderr)
        results = {}
        for config in args.config:
            samples: dict[str, list[float]] = {"before": [], "after": []}
            for round_ in range(args.rounds):
                for side, tree in (("before", before), ("after", after)) if round_ % 2 == 0 else (
                        ("after", after), ("before", before)):
                    samples[side] += time_side(tree, config, args.runs)
            results[config] = samples
    load_end = os.getloadavg()[0]
    print(f"\nCPU ms per run of run_scenario, median (IQR) over {args.rounds} x {args.runs} runs a side; "
          f"load (1 min) {load_start:.2f} at start, {load_end:.2f} at end")
    for config, samples in results.items():
        cells = []
        for side in ("before", "after"):
            q1, med, q3 = statistics.quantiles(samples[side], n=4, method="inclusive")
            cells.append(f"{side} {1e3 * statistics.median(samples[side]):.1f} ({1e3 * q1:.1f}-{1e3 * q3:.1f})")
        ratio = statistics.median(samples["before"]) / statistics.median(samples["after"])
        print(f"  {config}: {'; '.join(cells)}; before/after x{ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
