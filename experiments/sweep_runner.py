"""Run thousands of tasks on one machine or a Dask cluster, stream them to disk, never lose a run.

    summary = run_sweep(tasks, "out/sweep", {"name": "ls-vs-table", "definition": {...}},
                        backend="processes", workers=2, resume=True)

Backends (a run is a pure function of its task, so every backend gives the same table):

- ``"serial"``: in this process;
- ``"processes"``: ``experiments.runner.process_pool(workers)``, forked workers on Linux;
- ``"dask"``: a ``distributed.LocalCluster`` (one thread per worker process) started and closed
  here, or the cluster at ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``);
- ``executor=``: any ``concurrent.futures``-style executor, used as it is and not shut down.

At most ``window`` tasks (4 per worker by default) are in flight at once and finished runs go to
the dataset in small batches (``experiments.dataset``), so memory stays flat however long the
sweep. A task whose future fails for a reason outside the run (a Dask worker killed, a process
pool broken by a killed worker) is submitted again, up to ``max_attempts`` times in all; a run
that raises is recorded as failed by ``run_task`` itself and the sweep goes on.

The output folder belongs to one experiment (its manifest's hash). Into a folder with results of
another experiment, or of the same one without ``resume``, the sweep refuses (``SweepError``)
unless ``overwrite=True``, which first removes the part folders (``runs/``, ``steps/``, ...) and the
manifest.
``resume=True`` skips every run already in the folder and recomputes nothing.

SIGINT and SIGTERM (handled in the main thread only, the previous handlers restored after) stop
submitting, cancel what is queued, end the worker processes (none is left running), write what
finished, and raise ``SweepInterrupted`` (a ``KeyboardInterrupt``; the CLI exits 130).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import signal
import sys
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stakesim.experiments import dataset
from stakesim.experiments.store import strict_json
from stakesim.experiments.tasks import FAILED, RunRecord, RunTask, failed_record, one_line, run_task
from stakesim.version import __version__

BACKENDS = ("serial", "processes", "dask")
WINDOW_PER_WORKER = 4
MAX_ATTEMPTS = 3
POLL_SECONDS = 0.25


class SweepError(ValueError):
    """A sweep that cannot start as asked (the folder, the tasks or the options); says what to do."""


class SweepWarning(UserWarning):
    """Something in the output folder that the sweep ignored or cleaned up."""


@dataclass
class SweepSummary:
    """What a sweep did: runs in all, already done before it, run now, failed now, and where."""

    folder: Path
    total: int
    done_before: int
    ran_now: int
    failed: int
    backend: str
    parts_written: int = 0
    seconds: float = 0.0
    resubmitted: int = 0
    removed_temp_files: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        """Runs of the sweep not in the folder yet (non-zero only after an interruption)."""
        return self.total - self.done_before - self.ran_now

    @property
    def complete(self) -> bool:
        return self.remaining == 0


class SweepInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped the sweep; what finished was written. ``summary`` says how much."""

    def __init__(self, summary: SweepSummary, signum: int | None = None):
        name = signal.Signals(signum).name if signum else "an interrupt"
        super().__init__(f"sweep stopped by {name}: {summary.done_before + summary.ran_now} of "
                         f"{summary.total} runs are in {summary.folder}; run again with resume to finish")
        self.summary = summary
        self.signum = signum


# --------------------------------------------------------------------------- experiment identity
def experiment_hash(definition: Any) -> str:
    """SHA-256 of the experiment definition as canonical strict JSON (keys sorted)."""
    return hashlib.sha256(strict_json(definition, sort_keys=True, default=repr).encode("utf-8")).hexdigest()


def _identity(experiment: dict) -> tuple[str, Any, str]:
    if not isinstance(experiment, dict) or not experiment.get("name"):
        raise SweepError("experiment must be a mapping with at least a 'name' (and a 'definition' "
                         "or 'hash' that identifies it)")
    definition = experiment.get("definition")
    digest = experiment.get("hash") or experiment_hash(definition)
    return str(experiment["name"]), definition, str(digest)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"stakesim": __version__, "python": sys.version.split()[0]}
    for name in ("mesa", "numpy", "pandas", "pyarrow"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            pass
    return found


# --------------------------------------------------------------------------- the output folder
def _prepare(folder: Path, tasks: list[RunTask], name: str, definition: Any, digest: str,
             resume: bool, overwrite: bool) -> tuple[set[str], list[str], list[str]]:
    """Check the folder belongs to this experiment (or clear it), write the manifest; return the
    run ids already finished, the temporary files removed, and other files ignored."""
    hashes = sorted({task.scenario_hash for task in tasks})
    scenario = hashes[0] if len(hashes) == 1 else hashes
    manifest = dataset.read_manifest(folder) if folder.exists() else None
    if folder.exists() and dataset.has_results(folder):
        if overwrite:
            dataset.clear(folder)
            manifest = None
        elif manifest is None:
            raise SweepError(f"{folder} holds sweep results but no {dataset.MANIFEST}, so it cannot "
                             f"tell which experiment wrote them; choose another folder or pass "
                             f"overwrite to replace them")
        elif manifest.get("experiment_hash") != digest:
            raise SweepError(f"{folder} holds results of a different experiment "
                             f"('{manifest.get('experiment')}', hash {str(manifest.get('experiment_hash'))[:12]}; "
                             f"this one is '{name}', hash {digest[:12]}); choose another folder or pass "
                             f"overwrite to replace them")
        elif not resume:
            raise SweepError(f"{folder} already holds results of experiment '{name}'; pass resume to "
                             f"run only what is missing, or overwrite to start again")
        elif manifest.get("scenario_hash") != scenario:
            raise SweepError(f"{folder}: the scenario changed since the sweep started (hash "
                             f"{str(manifest.get('scenario_hash'))[:12]}, now {str(scenario)[:12]}); "
                             f"choose another folder or pass overwrite to start again")
    removed = [str(p) for p in dataset.remove_temp_files(folder)] if folder.exists() else []
    ignored = [str(p) for p in dataset.leftovers(folder)] if folder.exists() else []
    if removed:
        warnings.warn(f"{folder}: removed {len(removed)} temporary file(s) left by an interrupted "
                      f"writer (never counted as results): {', '.join(Path(p).name for p in removed)}",
                      SweepWarning, stacklevel=3)
    if ignored:
        warnings.warn(f"{folder}: ignoring {len(ignored)} file(s) that are not result parts: "
                      f"{', '.join(ignored)}", SweepWarning, stacklevel=3)
    if manifest is None:
        dataset.write_manifest(folder, {
            "experiment": name, "experiment_hash": digest, "definition": definition,
            "scenario_hash": scenario, "total_runs": len(tasks), "versions": _versions(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        })
    wanted = {task.run_id for task in tasks}
    return dataset.finished_run_ids(folder) & wanted, removed, ignored


# --------------------------------------------------------------------------- signals
class _Stop:
    """SIGINT/SIGTERM set a flag the loop polls; a forked child that inherited the handler dies as
    it would by default; during a serial run the signal interrupts the run at once."""

    def __init__(self) -> None:
        self.signum: int | None = None
        self.interruptible = False
        self._pid = os.getpid()
        self._previous: dict[int, Any] = {}

    def __call__(self, signum, frame) -> None:
        if os.getpid() != self._pid:  # a forked worker inherited this handler
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        first = self.signum is None
        self.signum = self.signum or signum
        if self.interruptible and first:
            raise KeyboardInterrupt

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous.clear()


# --------------------------------------------------------------------------- backends
_WORKER_READY = False


def _run_in_own_worker(task: RunTask) -> RunRecord:
    """``run_task`` in a worker of a pool this module owns: on its first call the worker asks Linux
    to kill it if its parent dies (even by SIGKILL), so no worker outlives the sweep."""
    global _WORKER_READY
    if not _WORKER_READY:
        _WORKER_READY = True
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
            except (OSError, AttributeError):
                pass
    return run_task(task)


class _Futures:
    """A ``concurrent.futures``-style executor behind the window: submit, recover, close."""

    def __init__(self, executor, owned: bool, workers: int | None, make=None, function=run_task):
        self.executor = executor
        self.owned = owned
        self.make = make                # builds a new pool when an owned one breaks
        self.function = function
        self.generation = 0
        self.workers = workers or getattr(executor, "_max_workers", None) or os.cpu_count() or 1

    def submit(self, task: RunTask):
        future = self.executor.submit(self.function, task)
        future.generation = self.generation  # type: ignore[attr-defined]
        return future

    def recover(self, future, exc: BaseException) -> None:
        """A broken pool this module owns is replaced once per breakage; others are left as they are."""
        from concurrent.futures.process import BrokenProcessPool

        if (isinstance(exc, BrokenProcessPool) and self.owned and self.make is not None
                and getattr(future, "generation", -1) == self.generation):
            self._end(self.executor)
            self.executor = self.make()
            self.generation += 1

    @staticmethod
    def _end(executor) -> None:
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=3)
            if process.is_alive():
                process.kill()
                process.join(timeout=3)

    def close(self, futures: Iterable, stop: bool) -> None:
        if stop:
            for future in futures:
                future.cancel()
        if not self.owned:
            return
        if stop:
            self._end(self.executor)
        else:
            self.executor.shutdown(wait=True)


class _Dask(_Futures):
    """A Dask client (a LocalCluster this module starts and closes, or a given scheduler)."""

    def __init__(self, workers: int | None, scheduler: str | None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepError("the dask backend needs Dask's distributed scheduler: "
                             "pip install 'stakesim[distributed]'") from None
        self.cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            self.cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                        processes=True, dashboard_address=None)
            client = Client(self.cluster)
        self.client = client
        count = len(client.scheduler_info().get("workers", {}))
        super().__init__(client.get_executor(pure=False), owned=False, workers=max(count, workers or 0, 1))

    def close(self, futures: Iterable, stop: bool) -> None:
        for future in futures:
            future.cancel()
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


def _backend(backend: str, workers: int | None, scheduler: str | None, executor) -> _Futures | None:
    if executor is not None:
        return _Futures(executor, owned=False, workers=workers)
    if backend == "serial":
        return None
    if backend == "dask":
        return _Dask(workers, scheduler)
    from stakesim.experiments.runner import process_pool

    return _Futures(process_pool(workers), owned=True, workers=workers,
                    make=lambda: process_pool(workers), function=_run_in_own_worker)


def _lost(task: RunTask, exc: BaseException, attempts: int) -> RunRecord:
    """The record of a run whose worker failed ``attempts`` times (not an error of the run)."""
    return failed_record(task, f"the worker failed {attempts} times ({one_line(exc)})")


# --------------------------------------------------------------------------- the sweep
def run_sweep(tasks: Iterable[RunTask], out_dir: str | Path, experiment: dict, backend: str = "processes",
              workers: int | None = None, scheduler: str | None = None, executor=None,
              resume: bool = False, overwrite: bool = False, progress: bool = True, *,
              window: int | None = None, batch_runs: int = 200, batch_seconds: float = 10.0,
              max_attempts: int = MAX_ATTEMPTS) -> SweepSummary:
    """Run every task not yet in ``out_dir`` and write its record there; see the module notes.

    ``experiment`` is ``{"name": ..., "definition": ..., "hash": ...}`` (the hash defaults to
    ``experiment_hash(definition)``). Returns a ``SweepSummary``; raises ``SweepError`` before any
    run for a folder of another experiment or bad options, ``SweepInterrupted`` on SIGINT/SIGTERM.
    """
    started = time.monotonic()
    tasks = list(tasks)
    if backend not in BACKENDS:
        raise SweepError(f"unknown backend '{backend}'; choose one of {', '.join(BACKENDS)}")
    if scheduler and backend != "dask":
        raise SweepError("a scheduler address needs backend='dask'")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise SweepError(f"workers must be a whole number of at least 1, got {workers!r}")
    if resume and overwrite:
        raise SweepError("pass resume (finish the runs that are missing) or overwrite (start again), not both")
    seen: set[str] = set()
    for task in tasks:
        if task.run_id in seen:
            raise SweepError(f"run id '{task.run_id}' appears twice among the tasks; every run needs its own id")
        seen.add(task.run_id)
    name, definition, digest = _identity(experiment)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    done, removed, ignored = _prepare(folder, tasks, name, definition, digest, resume, overwrite)
    todo = deque(task for task in tasks if task.run_id not in done)
    summary = SweepSummary(folder, len(tasks), len(done), 0, 0, "executor" if executor is not None else backend,
                           removed_temp_files=removed, ignored_files=ignored)
    writer = dataset.DatasetWriter(folder, {"experiment": name}, batch_runs, batch_seconds)
    stop = _Stop()
    bar = None
    pool: _Futures | None = None
    inflight: dict[Any, tuple[RunTask, int]] = {}

    def new_bar():
        from tqdm import tqdm

        return tqdm(total=len(tasks), initial=len(done), desc=name[:30], unit="run", file=sys.stderr,
                    disable=not progress, dynamic_ncols=True, smoothing=0.05)

    def finished(record: RunRecord) -> None:
        writer.add(record)
        summary.ran_now += 1
        if record.status == FAILED:
            summary.failed += 1
            if bar is not None:
                bar.set_postfix(failed=summary.failed, refresh=False)
        if bar is not None:
            bar.update()

    stopped = clean = False
    stop.install()
    try:
        if todo:
            pool = _backend(backend, workers, scheduler, executor)
        if pool is None:
            bar = new_bar()
            while todo and not stop.requested:
                task = todo.popleft()
                stop.interruptible = True
                try:
                    record = run_task(task)
                finally:
                    stop.interruptible = False
                finished(record)
                writer.maybe_flush()
        else:
            limit = window or WINDOW_PER_WORKER * pool.workers
            while (todo or inflight) and not stop.requested:
                while todo and len(inflight) < limit and not stop.requested:
                    task = todo.popleft()
                    inflight[pool.submit(task)] = (task, 1)
                if bar is None:  # after the first submit: a forked pool starts before the bar's thread
                    bar = new_bar()
                ready, _ = cf.wait(list(inflight), timeout=POLL_SECONDS, return_when=cf.FIRST_COMPLETED)
                for future in ready:
                    task, attempt = inflight.pop(future)
                    try:
                        record = future.result()
                    except BaseException as exc:  # the worker failed, not the run
                        if isinstance(exc, KeyboardInterrupt):
                            raise
                        pool.recover(future, exc)
                        if attempt < max_attempts and not stop.requested:
                            summary.resubmitted += 1
                            inflight[pool.submit(task)] = (task, attempt + 1)
                            continue
                        record = _lost(task, exc, attempt)
                    finished(record)
                writer.maybe_flush()
        stopped = stop.requested
        clean = True
    except KeyboardInterrupt:
        stopped = True
    finally:
        try:
            if pool is not None:
                pool.close(list(inflight), stop=stopped or not clean)
        finally:
            writer.flush()
            summary.parts_written = writer.parts_written
            summary.seconds = time.monotonic() - started
            if bar is not None:
                bar.close()
            stop.restore()
    if stopped:
        raise SweepInterrupted(summary, stop.signum)
    return summary


__all__ = ["BACKENDS", "SweepError", "SweepInterrupted", "SweepSummary", "SweepWarning",
           "experiment_hash", "run_sweep"]
