"""Fingerprints of many runs, to check that a speed-up changes no number (a wider net than the golden tables).

``tests/test_golden.py`` pins the built-in scenarios as shipped, seeds 0-2. A speed-up touches
code paths those runs may not reach (interventions that add ties, more stakeholders, bigger
communities), so before and after a change this script prints one SHA-256 per run of: every
built-in scenario, seeds 0-4; the default with every intervention kind alone, with a learning
space and a negotiation table together and with all kinds at once, seeds 0-4; the scaled
configurations of ``bench_run.py`` (``configs.py``); and a small ``mesa.batch_run``. Each fingerprint covers the
timeseries table's CSV text, the summary and provenance as JSON, and the final graph's edges.

Usage::

    .venv/bin/python benchmarks/same_numbers.py --against HEAD           # engine files at HEAD vs now
    .venv/bin/python benchmarks/same_numbers.py --trees /tmp/a /tmp/b    # two checkouts
    .venv/bin/python benchmarks/same_numbers.py --save /tmp/before.json   # on the old code
    .venv/bin/python benchmarks/same_numbers.py --check /tmp/before.json  # on the new code

``--against REV`` copies the package as it is now into two temporary trees, puts the engine files
(``--files``, by default those ``ab_run.py`` times) back as they were at REV in one of them, and
fingerprints both: other files edited meanwhile are the same on both sides. ``--check`` and
``--against`` exit with status 1 and list the runs that differ. No time is measured here.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import mesa

import stakesim
from stakesim.experiments.arms import arm_scenario, parse_arms
from stakesim.scenarios.loader import builtin_names, load_scenario
from stakesim.simulator.interventions import KINDS
from stakesim.simulator.run import run_scenario

sys.path.insert(0, str(Path(__file__).parent))
from configs import members_scenario, scaled_scenario  # noqa: E402  (a sibling script module)

SEEDS = range(5)


def scenarios():
    """(label, scenario) for every run fingerprinted."""
    for name in builtin_names():
        yield name, load_scenario(name)
    default = load_scenario("default")
    arms = [*KINDS, "learning_space+negotiation_table", "+".join(KINDS)]
    for arm in parse_arms(",".join(arms)):
        try:
            yield f"default+{arm.name}", arm_scenario(default, arm)
        except ValueError as exc:  # a kind the default cannot host: say so, fingerprint the rest
            print(f"skipped arm {arm.name}: {exc}", file=sys.stderr)
    for factor in (2, 5):
        yield f"default x{factor}", scaled_scenario(default, factor)
    yield "default members 5000", members_scenario(default, 5000)


def digest(*parts: str) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode())
        sha.update(b"\0")
    return sha.hexdigest()


def fingerprints() -> dict[str, str]:
    out = {}
    for label, scenario in scenarios():
        for seed in SEEDS:
            result = run_scenario(scenario, seed=seed)
            provenance = {k: v for k, v in result.provenance.items() if k != "stakesim_version"}
            edges = json.dumps(sorted((u, v, sorted(d.items())) for u, v, d in result.graph.edges(data=True)))
            out[f"{label} seed {seed}"] = digest(result.timeseries.to_csv(index=False),
                                                 json.dumps(result.summary, sort_keys=True),
                                                 json.dumps(provenance, sort_keys=True, default=str),
                                                 edges)
    parameters = {"scenario": "default", "trust_loss_rate": [0.2, 0.4]}
    seeds = [0, 1]
    for period in (1, -1):
        options = dict(max_steps=240, number_processes=1, data_collection_period=period, display_progress=False)
        if "rng" in inspect.signature(mesa.batch_run).parameters:  # Mesa 3.4+ takes the seeds as rng
            rows = mesa.batch_run(stakesim.MiningModel, parameters=parameters, rng=seeds, **options)
        else:
            rows = mesa.batch_run(stakesim.MiningModel, parameters={**parameters, "seed": seeds}, **options)
        out[f"mesa.batch_run period {period}"] = digest(json.dumps(rows, sort_keys=True, default=repr))
    return out


def fingerprints_of(tree: Path, out: Path) -> dict[str, str]:
    """Fingerprints computed by a fresh process importing the package from ``tree``."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import stakesim; "
            "assert stakesim.__file__.startswith(sys.argv[1]); "
            "sys.argv = [sys.argv[2], '--save', sys.argv[3]]; "
            "import runpy; runpy.run_path(sys.argv[0], run_name='__main__')")
    subprocess.run([sys.executable, "-c", code, str(tree), __file__, str(out)], check=True, cwd=tree)
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=Path, help="write the fingerprints to this JSON file")
    group.add_argument("--check", type=Path, help="compare with fingerprints saved earlier")
    group.add_argument("--against", metavar="REV", help="compare with the engine files as they were at REV")
    group.add_argument("--trees", nargs=2, type=Path, metavar=("BEFORE", "AFTER"),
                       help="compare two checkouts (folders as in the repository)")
    parser.add_argument("--files", nargs="+", default=None, help="with --against: the files to put back")
    args = parser.parse_args()
    if args.against or args.trees:
        from ab_run import ENGINE_FILES, REPO, copy_tree, put_back

        with tempfile.TemporaryDirectory(prefix="stakesim-same-") as tmp:
            before, after = Path(tmp) / "before", Path(tmp) / "after"
            copy_tree(before, args.trees[0] if args.trees else REPO)
            copy_tree(after, args.trees[1] if args.trees else REPO)
            if args.against:
                put_back(before, args.against, args.files or ENGINE_FILES)
            saved = fingerprints_of(before, Path(tmp) / "before.json")
            found = fingerprints_of(after, Path(tmp) / "after.json")
    else:
        found = fingerprints()
    if args.save:
        args.save.write_text(json.dumps(found, indent=1) + "\n")
        print(f"{len(found)} fingerprints written to {args.save}")
        return
    if args.check:
        saved = json.loads(args.check.read_text())
    differ = sorted(k for k in saved.keys() | found.keys() if saved.get(k) != found.get(k))
    for key in differ:
        print(f"DIFFERS: {key}")
    print(f"{len(found) - len(differ)} of {len(saved.keys() | found.keys())} runs identical")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
