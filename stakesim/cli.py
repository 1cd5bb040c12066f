"""The ``stakesim`` command line: thin wrappers over the library calls, with clear errors."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import tempfile
import threading
import warnings
from pathlib import Path

from stakesim import api
from stakesim.experiments.arms import ArmError
from stakesim.scenarios import (ScenarioError, ScenarioWarning, builtin_names, builtin_path, load_scenario,
                                read_yaml)
from stakesim.simulator.interventions import KINDS
from stakesim.simulator.parameters import CHANNELS
from stakesim.version import __version__

EXIT_BAD_INPUT = 2


class CLIError(Exception):
    """A user error the CLI reports in one line, exiting with code 2."""


def _whole_number(minimum: int):
    """An argparse type: a whole number of at least ``minimum``, with a plain-words error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{text}'") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        return value
    return parse


_positive_int = _whole_number(1)
_seed = _whole_number(0)

# A comparison holds every run's monthly table in memory until it writes them (about 0.1 MB a run
# of the default scenario), so replicates are bounded; more belong in several comparisons with
# different --seed values.
MAX_REPLICATES = 2000


def _replicates(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_REPLICATES:
        raise argparse.ArgumentTypeError(
            f"at most {MAX_REPLICATES} per arm, got {value}: a comparison keeps every run in memory "
            f"until it writes the report; run several comparisons with different --seed values instead")
    return value


def _where_options(command) -> None:
    """Where runs execute and what to do with an output folder that has results: sweep and compare."""
    command.add_argument("--backend", choices=("processes", "serial", "dask"), default="processes",
                         help="where runs execute: local processes (default), this process, or Dask "
                              "(a LocalCluster, or the cluster at --scheduler)")
    command.add_argument("--workers", type=_positive_int, default=None,
                         help="processes or Dask workers (default: all cores, and never more; 1 runs "
                              "serially in this process)")
    command.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="address of a running Dask scheduler (tcp://host:port); implies --backend dask")
    command.add_argument("--resume", action="store_true",
                         help="finish the runs missing from --out (an interrupted run of the same command)")
    command.add_argument("--overwrite", action="store_true",
                         help="clear the results in --out first (needed for a folder of another experiment)")
    command.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stakesim",
        description="Agent-based simulator of stakeholder negotiation around mining projects.")
    parser.add_argument("--version", action="version", version=f"stakesim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("scenarios", help="list the built-in scenarios")

    run = commands.add_parser("run", help="run one scenario once and write its tables")
    run.add_argument("scenario", help="a built-in scenario's name or a path to a YAML file")
    run.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    run.add_argument("--steps", type=_positive_int, default=None,
                     help="months to simulate (default: the scenario's)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                     help="override a scenario value, e.g. parameters.trust_loss_rate=0.4 or "
                          "stakeholders.municipality.capacity=0.8 (repeatable)")
    run.add_argument("--out", type=Path, default=None,
                     help="folder for timeseries.csv, communities.csv, interventions.csv, events.csv and "
                          "summary.json")

    compare = commands.add_parser(
        "compare", help="compare interventions on one scenario over paired replicates and write a report",
        description="Run the scenario once per arm and replicate (replicate r uses seed SEED+r in every "
                    "arm, so arms are paired) and write results.parquet, summary.csv, figures and "
                    "report.md/report.html. Runs stream to --out as they finish: an interrupted "
                    "comparison keeps them, and --resume finishes it.")
    compare.add_argument("scenario", help="a built-in scenario's name or a path to a YAML file")
    compare.add_argument("--arms", default=",".join(api.DEFAULT_ARMS),
                         help="comma-separated arms; an arm is 'baseline' (the scenario as it is) or "
                              "intervention kinds joined by '+', each added with its default settings "
                              f"(default: {','.join(api.DEFAULT_ARMS)}; kinds: {', '.join(KINDS)})")
    compare.add_argument("--replicates", type=_replicates, default=20,
                         help="runs per arm (default 20)")
    compare.add_argument("--seed", type=_seed, default=0,
                         help="base seed; replicate r uses seed SEED+r in every arm (default 0)")
    compare.add_argument("--steps", type=_positive_int, default=None,
                         help="months to simulate (default: the scenario's)")
    compare.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                         help="override a scenario value for every arm, as in 'run' (repeatable)")
    compare.add_argument("--out", type=Path, default=None,
                         help="folder for the results and report (default: out/compare-SCENARIO)")
    _where_options(compare)
    decompose = commands.add_parser(
        "decompose", help="split each intervention's effect by causal channel, switching channels off in turn",
        description="Run baseline and each arm with every causal channel on and with each channel switched "
                    "off in turn (parameters.channel_NAME=0), over paired replicates, and write "
                    "decomposition.csv and decomposition.md: per arm, outcome and channel, the part of the "
                    "arm's effect that runs through the channel (its effect with the channel on minus its "
                    "effect with it off) and that part's share of the effect.")
    decompose.add_argument("scenario", help="a built-in scenario's name or a path to a YAML file")
    decompose.add_argument("--arms", default="learning_space,negotiation_table",
                           help="comma-separated intervention arms, as in 'compare' (baseline always runs, as "
                                "the reference; default: learning_space,negotiation_table)")
    decompose.add_argument("--channels", default=",".join(CHANNELS),
                           help="comma-separated channels to switch off in turn "
                                f"(default: all: {', '.join(CHANNELS)})")
    decompose.add_argument("--outcomes", default=None,
                           help="comma-separated run-summary keys (default: blockade_months, protest_months, "
                                "peak_grievance, final trust community->company and ->government, "
                                "final_social_licence)")
    decompose.add_argument("--replicates", type=_positive_int, default=20,
                           help="paired replicates of every arm and channel setting (default 20)")
    decompose.add_argument("--seed", type=_seed, default=0,
                           help="base seed; replicate r uses seed SEED+r in every run (default 0)")
    decompose.add_argument("--steps", type=_positive_int, default=None,
                           help="months to simulate (default: the scenario's)")
    decompose.add_argument("--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE",
                           help="override a scenario value for every run, as in 'run' (repeatable)")
    decompose.add_argument("--out", type=Path, default=None,
                           help="folder for the runs and the tables (default: out/decompose-SCENARIO)")
    _where_options(decompose)
    commands.add_parser("experiments", help="list the built-in experiment files")

    sweep = commands.add_parser(
        "sweep", help="run an experiment file (a design of settings x arms x replicates), streaming results",
        description="Run every run of an experiment and stream one row per run to a Parquet dataset "
                    "in --out as runs finish; a killed sweep keeps every finished run, and --resume "
                    "finishes it without recomputing any.")
    sweep.add_argument("experiment", help="a built-in experiment's name or a path to an experiment YAML file")
    sweep.add_argument("--out", type=Path, default=None,
                       help="folder for the results (default: out/sweep-EXPERIMENT)")
    _where_options(sweep)

    analyze = commands.add_parser(
        "analyze", help="analyse a sweep folder: per-arm estimates, paired differences, sensitivity, report")
    analyze.add_argument("folder", type=Path, help="the --out folder of a `stakesim sweep`")
    analyze.add_argument("--out", type=Path, default=None, help="where to write (default: FOLDER/analysis)")
    return parser


def cmd_scenarios(args) -> int:
    for name in builtin_names():
        data = read_yaml(builtin_path(name))
        description = " ".join(str(data.get("description", "")).split())
        print(f"{name:24s} {description}")
    return 0


def _load(args):
    """The scenario named on the command line, with --set and --steps applied and checked."""
    return load_scenario(args.scenario, args.overrides, args.steps, steps_label="--steps")


def cmd_run(args) -> int:
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise CLIError(f"--out {args.out}: is a file, not a folder; give a folder (it is created if missing)")
    result = api.simulate(_load(args), seed=args.seed)
    print(json.dumps(result.summary, indent=2, allow_nan=False))  # first: a failed write loses nothing
    for column, reason in result.provenance["empty_columns"].items():
        print(f"stakesim: note: column {column} is empty: {reason}", file=sys.stderr)
    if args.out is not None:
        try:
            written = result.write(args.out)
        except OSError as exc:
            raise CLIError(f"--out {args.out}: cannot write results ({exc.strerror}); "
                           f"the summary above is all that was kept") from None
        print(f"wrote {', '.join(str(path) for path in written.values())}", file=sys.stderr)
    return 0


def _writable_folder(out: Path) -> None:
    """Refuse an output folder that cannot hold the results, before any run is spent on them."""
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out}: is a file, not a folder; give a folder (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise CLIError(f"--out {out}: cannot write there ({exc.strerror or exc}); nothing was run") from None


@contextlib.contextmanager
def _deferred_interrupt():
    """While files are written, Ctrl-C only raises a flag that the writer checks at a safe point.

    A KeyboardInterrupt raised at an arbitrary bytecode can land in a finaliser, where Python
    prints it and carries on; a flag stops the write cleanly before anything is renamed.
    """
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: flag.set())
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_compare(args) -> int:
    from stakesim.experiments.arms import parse_arms
    from stakesim.experiments.sweep_runner import SweepError

    scenario = _load(args)
    try:
        arms = parse_arms(args.arms)
    except ArmError as exc:
        raise CLIError(str(exc)) from None
    out = args.out or Path("out") / f"compare-{re.sub(r'[^A-Za-z0-9_.-]+', '_', scenario.name)}"
    _writable_folder(out)
    runs = len(arms) * args.replicates
    backend, workers = _where(args, runs)
    print(f"comparing {len(arms)} arm(s) x {args.replicates} replicate(s) = {runs} runs of "
          f"'{scenario.name}' on {backend}" + (f" ({workers} worker(s))" if backend != "serial" else ""),
          file=sys.stderr)
    try:
        # The source as given (checked above), so the overrides are applied once and recorded.
        comparison = api.compare(args.scenario, arms=[arm.name for arm in arms], replicates=args.replicates,
                                 seed=args.seed, steps=args.steps, progress=args.progress,
                                 overrides=args.overrides, out=out, backend=backend, workers=workers,
                                 scheduler=args.scheduler, resume=args.resume, overwrite=args.overwrite)
    except ArmError as exc:
        raise CLIError(str(exc)) from None
    except SweepError as exc:
        raise CLIError(f"--out {out}: {exc}") from None
    try:
        with _deferred_interrupt() as stop:
            written = comparison.write_report(out, interrupted=stop.is_set)
    except OSError as exc:
        raise CLIError(f"--out {out}: cannot write results ({exc.strerror or exc})") from None
    print(f"wrote {len(written)} files to {out}", file=sys.stderr)
    print(f"report: {written['report_html']} (and {written['report_md'].name} beside it)")
    return 0


def cmd_decompose(args) -> int:
    from stakesim.experiments import decomposition
    from stakesim.experiments.sweep_runner import SweepError

    scenario = _load(args)
    try:
        arms = decomposition.check_arms(args.arms)
        channels = decomposition.check_channels(args.channels)
        outcomes = decomposition.check_outcomes(args.outcomes)
    except (ArmError, decomposition.DecompositionError) as exc:
        raise CLIError(str(exc)) from None
    out = args.out or Path("out") / f"decompose-{re.sub(r'[^A-Za-z0-9_.-]+', '_', scenario.name)}"
    _writable_folder(out)
    runs = (1 + len(channels)) * (1 + len(arms)) * args.replicates
    backend, workers = _where(args, runs)
    print(f"decomposing: {1 + len(channels)} channel setting(s) (all on, then each of {len(channels)} off) "
          f"x {1 + len(arms)} arm(s) (baseline, {', '.join(arms)}) x {args.replicates} replicate(s) = "
          f"{runs} runs of '{scenario.name}' on {backend}"
          + (f" ({workers} worker(s))" if backend != "serial" else ""),
          file=sys.stderr)
    try:
        table = api.decompose(args.scenario, arms=arms, channels=channels, outcomes=outcomes,
                              replicates=args.replicates, seed=args.seed, steps=args.steps,
                              overrides=args.overrides, out=out, backend=backend, workers=workers,
                              scheduler=args.scheduler, resume=args.resume, overwrite=args.overwrite,
                              progress=args.progress)
    except (ArmError, decomposition.DecompositionError) as exc:
        raise CLIError(str(exc)) from None
    except SweepError as exc:
        raise CLIError(f"--out {out}: {exc}") from None
    except decomposition.FailedRuns as exc:
        print(f"stakesim: error: {exc}", file=sys.stderr)
        return 1
    title = f"Effects by channel: {scenario.name}, {args.replicates} replicate(s), seed {args.seed}"
    print(decomposition.markdown(table, title))  # first: a failed write loses nothing
    try:
        with _deferred_interrupt() as stop:
            written = decomposition.write(table, out, title, interrupted=stop.is_set)
    except OSError as exc:
        raise CLIError(f"--out {out}: cannot write the tables ({exc.strerror or exc}); the runs are kept "
                       f"there, and --resume writes them without running again") from None
    print(f"wrote {written['csv']} and {written['md']}", file=sys.stderr)
    return 0


def _where(args, runs: int) -> tuple[str, int]:
    """The backend and number of workers: --workers 1 means serial; never more workers than cores."""
    backend = "dask" if args.scheduler else args.backend
    cores = os.cpu_count() or 1
    if args.workers is not None and args.workers > cores and not args.scheduler:
        print(f"stakesim: note: --workers {args.workers} is more than the {cores} cores here; "
              f"using {cores}", file=sys.stderr)
    workers = min(args.workers or cores, cores, runs) if not args.scheduler else args.workers
    if backend == "processes" and workers == 1:
        backend = "serial"
    return backend, workers


def cmd_experiments(args) -> int:
    from stakesim.experiments.experiment_file import builtin_experiments, load_experiment

    for name in builtin_experiments():
        experiment = load_experiment(name)
        description = " ".join(experiment.description.split())
        print(f"{name:20s} {experiment.run_count():>6,} runs  {description}")
    return 0


def cmd_sweep(args) -> int:
    from stakesim.experiments.experiment_file import load_experiment

    experiment = load_experiment(args.experiment)
    out = args.out or Path("out") / f"sweep-{experiment.name}"
    backend, workers = _where(args, experiment.run_count())
    print(f"sweep '{experiment.name}': {experiment.run_count():,} runs ({experiment.point_count()} point(s) x "
          f"{len(experiment.arms)} arm(s) x {experiment.replicates} replicate(s)) on {backend}, into {out}",
          file=sys.stderr)
    from stakesim.experiments.sweep_runner import SweepError

    try:
        summary = api.sweep(experiment, out, backend=backend, workers=workers,
                            scheduler=args.scheduler, resume=args.resume, overwrite=args.overwrite,
                            progress=args.progress)
    except SweepError as exc:
        raise CLIError(f"--out {out}: {exc}") from None
    print(f"{summary.ran_now} run(s) now, {summary.done_before} already there, {summary.failed} failed; "
          f"results in {summary.folder}. Next: stakesim analyze {summary.folder}")
    return 0


def cmd_analyze(args) -> int:
    from stakesim.experiments.dataset import DatasetError

    try:
        analysis = api.analyze(args.folder)
        written = analysis.write(args.out)
    except DatasetError as exc:
        raise CLIError(str(exc)) from None
    if analysis.failed:
        print(f"stakesim: note: {analysis.failed} run(s) failed; see their errors in the runs table",
              file=sys.stderr)
    print(f"report: {written['report_html']} (tables and figures beside it)")
    return 0


COMMANDS = {"scenarios": cmd_scenarios, "run": cmd_run, "compare": cmd_compare, "decompose": cmd_decompose,
            "experiments": cmd_experiments, "sweep": cmd_sweep, "analyze": cmd_analyze}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Scenario warnings as one plain line; anything else as Python shows it."""
    if issubclass(category, ScenarioWarning):
        print(f"stakesim: warning: {message}", file=sys.stderr)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ScenarioWarning)
            warnings.showwarning = _show_warning
            return COMMANDS[args.command](args)
    except (ScenarioError, CLIError) as exc:
        print(f"stakesim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        print(f"stakesim: interrupted{': ' + str(exc) if str(exc) else ''}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
