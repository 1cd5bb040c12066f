"""The runner for sweeps at scale: same results on every backend, a dataset that survives kills,
resume that recomputes nothing, signals that leave no worker behind, and Dask clusters (local,
real on loopback, and with a worker killed mid-sweep).

Every test runs the minimal scenario from ``conftest`` written to a YAML file, referenced by its
absolute path as a sweep would, over 24 or 48 months to stay quick.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import minimal_scenario
from stakesim.experiments import dataset
from stakesim.experiments.dataset import finished_run_ids, read_runs, read_steps
from stakesim.experiments.sweep_runner import SweepError, SweepInterrupted, run_sweep
from stakesim.experiments.tasks import RunTask, base_hash, make_tasks, run_task

EXPERIMENT = {"name": "test-sweep", "definition": {"what": "trust loss x arms", "version": 1}}
ARMS = ["baseline", "negotiation_table"]
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "minimal.yaml"
    path.write_text(yaml.safe_dump(minimal_scenario(communities=2)), encoding="utf-8")
    return path


def tasks_for(scenario_file: Path, levels=(0.1, 0.3, 0.5), replicates: int = 3, steps: int = 24,
              keep_steps: bool = False, outcomes=()) -> list[RunTask]:
    points = [{"parameters.trust_loss_rate": level} for level in levels]
    return make_tasks(points, ARMS, replicates, 100, str(scenario_file), base_hash(str(scenario_file)),
                      steps=steps, outcomes=outcomes, keep_steps=keep_steps)


def assert_same_runs(left: pd.DataFrame, right: pd.DataFrame) -> None:
    """Equal run tables: same runs, same values (dtype may differ where one dataset's part had
    only missing values in a column and another's had numbers)."""
    assert list(left.columns) == list(right.columns)
    pd.testing.assert_frame_equal(left.reset_index(drop=True), right.reset_index(drop=True), check_dtype=False)


def child_processes(pid: int) -> list:
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


# --------------------------------------------------------------------------- tasks
def test_tasks_are_small_paired_and_stable(scenario_file):
    tasks = tasks_for(scenario_file)
    assert len(tasks) == 3 * 2 * 3
    assert len({t.run_id for t in tasks}) == len(tasks)
    assert tasks[0].run_id == "p00000-baseline-r000"
    # common random numbers: a replicate has one seed in every arm and at every point
    for replicate in range(3):
        assert {t.seed for t in tasks if t.replicate == replicate} == {100 + replicate}
    assert len(pickle.dumps(tasks[0])) < 1000
    again = tasks_for(scenario_file)
    assert again == tasks
    record = run_task(tasks[0])
    assert record.status == "ok" and record.row["parameters.trust_loss_rate"] == 0.1
    assert record.row["seed"] == 100 and "final_social_licence" in record.row
    assert run_task(tasks[0]).row == record.row  # a pure function of the task


def test_kept_outcomes_and_steps(scenario_file, tmp_path):
    tasks = tasks_for(scenario_file, levels=(0.2,), replicates=2, keep_steps=True,
                      outcomes=("final_social_licence", "blockade_months"))
    summary = run_sweep(tasks, tmp_path / "out", EXPERIMENT, backend="serial", progress=False)
    assert summary.ran_now == 4 and summary.failed == 0
    runs = read_runs(tmp_path / "out")
    assert list(runs.columns) == ["run_id", "point", "arm", "replicate", "seed", "parameters.trust_loss_rate",
                                  "status", "error", "final_social_licence", "blockade_months",
                                  "experiment", "scenario_hash", "stakesim_version"]
    assert set(runs["experiment"]) == {"test-sweep"}
    assert set(runs["scenario_hash"]) == {base_hash(str(scenario_file))}
    steps = read_steps(tmp_path / "out")
    assert len(steps) == 4 * 24 and set(steps["run_id"]) == set(runs["run_id"])
    manifest = json.loads((tmp_path / "out" / "experiment.json").read_text())
    assert manifest["experiment"] == "test-sweep" and manifest["total_runs"] == 4
    assert manifest["versions"]["stakesim"]


# --------------------------------------------------------------------------- backends
def test_serial_processes_and_dask_give_identical_tables(scenario_file, tmp_path):
    tasks = tasks_for(scenario_file, keep_steps=True)
    tables, steps = {}, {}
    for backend in ("serial", "processes", "dask"):
        out = tmp_path / backend
        summary = run_sweep(tasks, out, EXPERIMENT, backend=backend, workers=2, progress=False, batch_runs=5)
        assert (summary.total, summary.ran_now, summary.failed, summary.remaining) == (18, 18, 0, 0)
        assert summary.parts_written == 4
        tables[backend], steps[backend] = read_runs(out), read_steps(out)
    assert (tables["serial"]["status"] == "ok").all()
    for backend in ("processes", "dask"):
        assert_same_runs(tables["serial"], tables[backend])
        pd.testing.assert_frame_equal(steps["serial"], steps[backend])


def test_any_executor_is_used_as_is_with_a_bounded_window(scenario_file, tmp_path):
    class Counting(ThreadPoolExecutor):
        def __init__(self):
            super().__init__(max_workers=2)
            self.submitted, self.in_flight, self.peak = 0, 0, 0
            self.lock = threading.Lock()

        def submit(self, fn, *args, **kwargs):
            with self.lock:
                self.submitted += 1
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
            future = super().submit(fn, *args, **kwargs)
            future.add_done_callback(self._done)
            return future

        def _done(self, _):
            with self.lock:
                self.in_flight -= 1

    tasks = tasks_for(scenario_file)
    with Counting() as executor:
        summary = run_sweep(tasks, tmp_path / "out", EXPERIMENT, executor=executor, window=3, progress=False)
        assert executor.submitted == 18 and executor.peak <= 3
        # resume: everything is there, nothing is submitted
        again = run_sweep(tasks, tmp_path / "out", EXPERIMENT, executor=executor, resume=True, progress=False)
        assert executor.submitted == 18
    assert summary.ran_now == 18
    assert (again.done_before, again.ran_now) == (18, 0)
    serial = run_sweep(tasks, tmp_path / "serial", EXPERIMENT, backend="serial", progress=False)
    assert serial.ran_now == 18
    assert_same_runs(read_runs(tmp_path / "out"), read_runs(tmp_path / "serial"))


# --------------------------------------------------------------------------- failures and folders
def test_a_failing_run_is_recorded_and_the_rest_complete(scenario_file, tmp_path):
    tasks = tasks_for(scenario_file, levels=(0.2, -1.0, 0.4), replicates=2)
    summary = run_sweep(tasks, tmp_path / "out", EXPERIMENT, backend="processes", workers=2, progress=False)
    assert (summary.ran_now, summary.failed) == (12, 4)
    runs = read_runs(tmp_path / "out")
    failed = runs[runs["status"] == "failed"]
    assert set(failed["point"]) == {1}
    assert failed["error"].str.startswith("ScenarioError: ").all()
    assert failed["error"].str.contains("trust_loss_rate").all() and failed["error"].str.contains("out of range").all()
    assert not failed["error"].str.contains("\n").any()
    ok = runs[runs["status"] == "ok"]
    assert len(ok) == 8 and ok["error"].isna().all() and ok["final_social_licence"].notna().all()


def test_a_scenario_changed_after_planning_fails_its_runs(scenario_file, tmp_path):
    tasks = tasks_for(scenario_file, levels=(0.2,), replicates=2)
    changed = minimal_scenario(communities=2)
    changed["project"]["delay_cost_per_month"] = 11.0
    scenario_file.write_text(yaml.safe_dump(changed), encoding="utf-8")
    summary = run_sweep(tasks, tmp_path / "out", EXPERIMENT, backend="serial", progress=False)
    assert summary.failed == 4
    assert read_runs(tmp_path / "out")["error"].str.contains("scenario changed since the sweep started").all()


def test_a_scenario_edited_and_planned_again_in_the_same_process_runs_the_new_version(scenario_file, tmp_path):
    """The per-process cache is not stale: a notebook that edits the file and plans again gets it."""
    first = run_sweep(tasks_for(scenario_file, levels=(0.2,), replicates=1), tmp_path / "a", EXPERIMENT,
                      backend="serial", progress=False)
    changed = minimal_scenario(communities=2)
    changed["project"]["delay_cost_per_month"] = 11.0
    scenario_file.write_text(yaml.safe_dump(changed), encoding="utf-8")
    second = run_sweep(tasks_for(scenario_file, levels=(0.2,), replicates=1), tmp_path / "b", EXPERIMENT,
                       backend="serial", progress=False)
    assert first.failed == second.failed == 0
    assert read_runs(tmp_path / "a")["scenario_hash"][0] != read_runs(tmp_path / "b")["scenario_hash"][0]


def test_folders_of_other_experiments_are_refused_and_resume_recomputes_nothing(scenario_file, tmp_path):
    out = tmp_path / "out"
    tasks = tasks_for(scenario_file, levels=(0.2,), replicates=2)
    first = run_sweep(tasks, out, EXPERIMENT, backend="serial", progress=False)
    before = {p.name: p.stat().st_mtime_ns for _, p in dataset.parts(out)}
    other = {"name": "another", "definition": {"what": "something else"}}
    with pytest.raises(SweepError, match="different experiment.*overwrite"):
        run_sweep(tasks, out, other, backend="serial", progress=False)
    with pytest.raises(SweepError, match="pass resume.*or overwrite"):
        run_sweep(tasks, out, EXPERIMENT, backend="serial", progress=False)
    with pytest.raises(SweepError, match="different experiment"):
        run_sweep(tasks, out, other, backend="serial", progress=False, resume=True)
    resumed = run_sweep(tasks, out, EXPERIMENT, backend="processes", progress=False, resume=True)
    assert (first.ran_now, resumed.done_before, resumed.ran_now, resumed.parts_written) == (4, 4, 0, 0)
    assert {p.name: p.stat().st_mtime_ns for _, p in dataset.parts(out)} == before
    replaced = run_sweep(tasks, out, other, backend="serial", progress=False, overwrite=True)
    assert replaced.ran_now == 4 and len(read_runs(out)) == 4
    assert json.loads((out / "experiment.json").read_text())["experiment"] == "another"


def test_temp_files_of_a_killed_writer_are_never_counted(scenario_file, tmp_path):
    out = tmp_path / "out"
    tasks = tasks_for(scenario_file, levels=(0.2,), replicates=2)
    run_sweep(tasks, out, EXPERIMENT, backend="serial", progress=False)
    half = out / "runs" / ".part-000002.parquet.tmp-99999"
    half.write_bytes(b"PAR1 half a file")
    assert finished_run_ids(out) == {t.run_id for t in tasks}
    assert len(read_runs(out)) == 4
    more = tasks + tasks_for(scenario_file, levels=(0.2, 0.6), replicates=2)[4:]
    with pytest.warns(UserWarning, match="temporary file"):
        summary = run_sweep(more, out, EXPERIMENT, backend="serial", progress=False, resume=True)
    assert summary.removed_temp_files == [str(half)] and not half.exists()
    assert (summary.done_before, summary.ran_now) == (4, 4)


# --------------------------------------------------------------------------- kills and signals
SCRIPT = textwrap.dedent("""
    import sys
    from stakesim.experiments.sweep_runner import run_sweep
    from stakesim.experiments.tasks import base_hash, make_tasks
    scenario, out, marker = sys.argv[1], sys.argv[2], sys.argv[3]
    points = [{"parameters.trust_loss_rate": round(0.05 + 0.9 * i / 24, 4)} for i in range(25)]
    tasks = make_tasks(points, ["baseline", "negotiation_table"], 3, 100, scenario, base_hash(scenario), steps=36)
    try:
        run_sweep(tasks, out, {"name": "test-kill", "definition": {"points": 25}}, backend="processes",
                  workers=2, progress=False, batch_runs=10, batch_seconds=0.5)
    except KeyboardInterrupt:
        sys.exit(130)
""")


def kill_tasks(scenario_file: Path) -> list[RunTask]:
    points = [{"parameters.trust_loss_rate": round(0.05 + 0.9 * i / 24, 4)} for i in range(25)]
    return make_tasks(points, ARMS, 3, 100, str(scenario_file), base_hash(str(scenario_file)), steps=36)


def start_script(scenario_file: Path, out: Path, marker: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", SCRIPT, str(scenario_file), str(out), marker],
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_part(proc: subprocess.Popen, out: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not dataset.parts(out):
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before writing a part: {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail("no part written in time")
        time.sleep(0.05)


def test_kill_and_resume_gives_every_run_once_and_equal_to_an_uninterrupted_sweep(scenario_file, tmp_path):
    out = tmp_path / "killed"
    proc = start_script(scenario_file, out, "stakesim-test-kill")
    try:
        wait_for_part(proc, out)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    tasks = kill_tasks(scenario_file)
    done_at_kill = finished_run_ids(out)
    assert 0 < len(done_at_kill) < len(tasks), "the kill should land part-way"
    # a writer killed mid-part leaves at most a hidden temporary file, never counted
    (out / "runs" / ".part-999999.parquet.tmp-1").write_bytes(b"PAR1 torn")
    assert finished_run_ids(out) == done_at_kill
    with pytest.warns(UserWarning, match="temporary file"):
        resumed = run_sweep(tasks, out, {"name": "test-kill", "definition": {"points": 25}},
                            backend="processes", workers=2, progress=False, resume=True)
    assert resumed.done_before == len(done_at_kill)
    assert resumed.ran_now == len(tasks) - len(done_at_kill) and resumed.complete
    runs = read_runs(out)
    assert len(runs) == len(tasks) and runs["run_id"].is_unique
    assert set(runs["run_id"]) == {t.run_id for t in tasks}
    whole = run_sweep(tasks, tmp_path / "whole", {"name": "test-kill", "definition": {"points": 25}},
                      backend="processes", workers=2, progress=False)
    assert whole.ran_now == len(tasks)
    assert_same_runs(runs, read_runs(tmp_path / "whole"))


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_sweep_keeps_what_finished_and_leaves_no_worker(scenario_file, tmp_path, signum):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    marker = f"stakesim-test-signal-{os.getpid()}-{signum}"
    proc = start_script(scenario_file, out, marker)
    try:
        wait_for_part(proc, out)
        workers = child_processes(proc.pid)
        assert len(workers) >= 2, "the pool's workers should be running"
        os.kill(proc.pid, signum)
        code = proc.wait(timeout=30)
        stderr = proc.stderr.read().decode()
        assert code == 130, stderr[-2000:]
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"workers left running: {alive}"
        assert not [p for p in psutil.process_iter(["cmdline"]) if marker in (p.info["cmdline"] or [])]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    runs = read_runs(out)
    assert 0 < len(runs) < 150 and runs["run_id"].is_unique
    assert not dataset.leftovers(out)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux's")
def test_workers_die_with_their_sweep_even_when_it_is_killed_with_sigkill(scenario_file, tmp_path):
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "out"
    proc = start_script(scenario_file, out, f"stakesim-test-orphans-{os.getpid()}")
    workers = []
    try:
        wait_for_part(proc, out)
        workers = child_processes(proc.pid)
        assert len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)  # the sweep alone, not its process group
        proc.wait(timeout=10)
        gone, alive = psutil.wait_procs(workers, timeout=10)
        assert not alive, f"orphaned workers: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        for worker in workers:
            try:
                worker.kill()
            except psutil.NoSuchProcess:
                pass


# --------------------------------------------------------------------------- a real Dask cluster
@pytest.fixture
def dask_cluster(tmp_path):
    """``dask scheduler`` and two ``dask worker`` processes on loopback; stopped after the test."""
    dask = BIN / "dask"  # the dev extra installs dask[distributed], whose command this is
    assert dask.exists(), f"no {dask}: install the dev extra (pip install -e '.[dev]')"
    scheduler_file = tmp_path / "scheduler.json"
    env = dict(os.environ)
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                              cwd=tmp_path, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, "the scheduler did not start"
            time.sleep(0.1)
        for _ in range(2):
            procs.append(subprocess.Popen([str(dask), "worker", "--nworkers", "1", "--nthreads", "1",
                                           "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                          cwd=tmp_path, env=env, start_new_session=True,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = json.loads(scheduler_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)


def test_a_real_dask_cluster_on_loopback(scenario_file, tmp_path, dask_cluster):
    tasks = tasks_for(scenario_file, keep_steps=True)
    summary = run_sweep(tasks, tmp_path / "dask", EXPERIMENT, backend="dask", scheduler=dask_cluster, progress=False)
    assert (summary.ran_now, summary.failed, summary.remaining) == (18, 0, 0)
    run_sweep(tasks, tmp_path / "serial", EXPERIMENT, backend="serial", progress=False)
    assert_same_runs(read_runs(tmp_path / "dask"), read_runs(tmp_path / "serial"))
    pd.testing.assert_frame_equal(read_steps(tmp_path / "dask"), read_steps(tmp_path / "serial"))


def wait_for_first_part(out, timeout: float = 60) -> None:
    """Block until the sweep into ``out`` has written its first part of results (or ``timeout`` passes)."""
    deadline = time.monotonic() + timeout
    while not dataset.parts(out) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_dask_worker_killed_mid_sweep_loses_no_run(scenario_file, tmp_path, dask_cluster):
    from distributed import Client

    with Client(dask_cluster) as client:
        pids = sorted(client.run(os.getpid).values())
    assert len(pids) == 2
    tasks = kill_tasks(scenario_file)
    out = tmp_path / "out"
    killed: dict[str, int] = {}

    def kill_one_worker():
        wait_for_first_part(out)
        killed["finished"] = len(finished_run_ids(out))
        os.kill(pids[0], signal.SIGKILL)

    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    summary = run_sweep(tasks, out, EXPERIMENT, backend="dask", scheduler=dask_cluster, progress=False,
                        batch_runs=10, batch_seconds=0.5)
    killer.join(timeout=5)
    assert 0 < killed["finished"] < len(tasks), "the worker should die part-way"
    assert (summary.ran_now, summary.failed, summary.remaining) == (len(tasks), 0, 0)
    runs = read_runs(out)
    assert len(runs) == len(tasks) and runs["run_id"].is_unique and (runs["status"] == "ok").all()


def test_a_process_worker_killed_mid_sweep_loses_no_run(scenario_file, tmp_path):
    """A killed pool worker breaks the pool; the runner starts a new one and submits again."""
    psutil = pytest.importorskip("psutil")
    tasks = kill_tasks(scenario_file)
    out = tmp_path / "out"
    killed: dict[str, int] = {}

    def kill_one_worker():
        wait_for_first_part(out)
        mine = psutil.Process().cmdline()
        workers = [p for p in psutil.Process().children() if p.cmdline() == mine]
        killed["finished"] = len(finished_run_ids(out))
        killed["workers"] = len(workers)
        os.kill(workers[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    summary = run_sweep(tasks, out, EXPERIMENT, backend="processes", workers=2, progress=False,
                        batch_runs=10, batch_seconds=0.5)
    killer.join(timeout=5)
    assert killed["workers"] == 2 and 0 < killed["finished"] < len(tasks)
    assert summary.resubmitted > 0
    assert (summary.ran_now, summary.failed, summary.remaining) == (len(tasks), 0, 0)
    runs = read_runs(out)
    assert len(runs) == len(tasks) and runs["run_id"].is_unique and (runs["status"] == "ok").all()
