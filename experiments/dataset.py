"""A sweep's results on disk: a Parquet dataset that grows as runs finish and is never half written.

Layout of an output folder::

    experiment.json            the manifest, written atomically before the first run
    runs/part-000001.parquet   one row per run: keys, settings, status, error, outcomes, provenance
    runs/part-000002.parquet   ...
    steps/part-000001.parquet  the per-month tables of the runs in runs/part-000001 (when kept)
    communities/part-000001.parquet    their per-community tables (one row per month and community)
    interventions/part-000001.parquet  their intervention logs (one row per meeting)
    events/part-000001.parquet         their event logs (one row per chance event)

Finished runs are buffered in memory only up to a small batch (``batch_runs`` runs or
``batch_seconds`` seconds), then written as one part: to a hidden temporary name in the same
folder, flushed and fsynced, then renamed into place with ``os.replace`` (atomic within one file
system), and the folder fsynced. A kill at any moment leaves every ``part-*.parquet`` whole; at
worst a hidden ``.part-*.tmp`` file, which readers ignore and the next sweep reports and removes.

``steps/part-N`` and the run tables' parts (kept with the steps; a table with no row in the batch,
such as an event log without events, writes no part) are written before ``runs/part-N``: the runs
part is what marks its runs finished. A part without its runs part (a kill between the renames) is
ignored by ``read_steps`` and ``read_table``, and the next writer numbers its parts past it, so no
number is reused.

Parts are read one by one and joined with permissive type promotion, so a column that was all
missing in one part (null) and numbers in another reads as numbers.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from stakesim.experiments.store import strict_json
from stakesim.experiments.tasks import RUN_KEYS, RUN_TABLES, RunRecord

MANIFEST = "experiment.json"
RUNS, STEPS = "runs", "steps"
KINDS = (RUNS, STEPS, *RUN_TABLES)  # the folders of a dataset, each holding parts
PART = re.compile(r"^part-(\d{6,})\.parquet$")
TEMP_MARK = ".tmp-"
STATUS = ("status", "error")
PROVENANCE = ("experiment", "scenario_hash", "stakesim_version")
SETTINGS_KEY = b"stakesim.settings"


class DatasetError(ValueError):
    """A results folder that cannot be read as a sweep's dataset; the message says which file."""


# --------------------------------------------------------------------------- atomic files
def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}")


def atomic_write_bytes(target: Path, write) -> Path:
    """Call ``write(binary_file)`` on a hidden temporary file beside ``target``, fsync it, and
    rename it to ``target``; on any error the temporary file is removed and ``target`` untouched."""
    target = Path(target)
    temp = _temp_name(target)
    try:
        with open(temp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        try:
            temp.unlink()
        except FileNotFoundError:
            pass
        raise
    _fsync_dir(target.parent)
    return target


def atomic_write_json(target: Path, value: Any) -> Path:
    """Strict, indented JSON written atomically."""
    data = (strict_json(value, indent=2) + "\n").encode("utf-8")
    return atomic_write_bytes(target, lambda handle: handle.write(data))


def _write_table(table, target: Path) -> Path:
    import pyarrow.parquet as pq

    return atomic_write_bytes(target, lambda handle: pq.write_table(table, handle))


# --------------------------------------------------------------------------- manifest
def read_manifest(folder: str | Path) -> dict | None:
    """The folder's ``experiment.json``, or None if it has none."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: not a readable manifest ({exc})") from None


def write_manifest(folder: str | Path, manifest: dict) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return atomic_write_json(folder / MANIFEST, manifest)


# --------------------------------------------------------------------------- listing parts
def parts(folder: str | Path, kind: str = RUNS) -> list[tuple[int, Path]]:
    """The whole part files of ``runs`` or ``steps``, as (number, path), by number."""
    where = Path(folder) / kind
    if not where.is_dir():
        return []
    found = []
    for path in where.iterdir():
        match = PART.match(path.name)
        if match and path.is_file():
            found.append((int(match.group(1)), path))
    return sorted(found)


def leftovers(folder: str | Path) -> list[Path]:
    """Files in ``runs/`` and ``steps/`` that are not whole parts (temporary files of a killed
    writer, or anything else put there); readers never count them."""
    found = []
    for kind in KINDS:
        where = Path(folder) / kind
        if where.is_dir():
            found.extend(sorted(p for p in where.iterdir() if not PART.match(p.name)))
    return found


def remove_temp_files(folder: str | Path) -> list[Path]:
    """Remove the temporary files a killed writer left (hidden ``.part-*.tmp-PID``); return them."""
    removed = []
    for path in leftovers(folder):
        if path.name.startswith(".part-") and TEMP_MARK in path.name and path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def has_results(folder: str | Path) -> bool:
    """Whether the folder holds anything of a sweep: a manifest, a part or a leftover."""
    folder = Path(folder)
    return ((folder / MANIFEST).exists() or any(parts(folder, kind) for kind in KINDS)
            or bool(leftovers(folder)))


# --------------------------------------------------------------------------- reading
def _read_part(path: Path, columns: list[str] | None = None):
    import pyarrow.parquet as pq

    try:
        return pq.read_table(path, columns=columns)
    except Exception as exc:
        raise DatasetError(f"{path}: not a readable Parquet part ({type(exc).__name__}: {exc})") from None


def _to_frame(tables: list) -> pd.DataFrame:
    """Parts joined with permissive promotion (null to numbers, int to float); parts whose types
    cannot be joined (text in one, numbers in another) are joined by pandas as objects."""
    import pyarrow as pa

    try:
        return pa.concat_tables(tables, promote_options="permissive").to_pandas()
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.concat([t.to_pandas() for t in tables], ignore_index=True)


def finished_run_ids(folder: str | Path) -> set[str]:
    """The run ids in the folder's whole runs parts (finished runs, ok or failed)."""
    ids: set[str] = set()
    for _, path in parts(folder, RUNS):
        ids.update(_read_part(path, ["run_id"]).column("run_id").to_pylist())
    return ids


def read_runs(folder: str | Path) -> pd.DataFrame:
    """One row per finished run, from every whole runs part, sorted by run id (so the table is the
    same whichever order the runs finished in); columns in ``column_order``."""
    tables = [_read_part(path) for _, path in parts(folder, RUNS)]
    if not tables:
        return pd.DataFrame(columns=[*RUN_KEYS, *STATUS])
    settings: list[str] = []
    for table in tables:
        settings.extend(json.loads((table.schema.metadata or {}).get(SETTINGS_KEY, b"[]")))
    frame = _to_frame(tables)
    frame = frame[column_order(frame.columns, settings)]
    return frame.sort_values("run_id", kind="stable").reset_index(drop=True)


class FailedRuns(RuntimeError):
    """Some runs raised; the message gives the first error and where the finished runs are kept."""


def read_finished_runs(folder: str | Path) -> pd.DataFrame:
    """``read_runs``, for callers that need every run: raises ``FailedRuns`` if any run failed."""
    table = read_runs(folder)
    failed = table[table["status"] != "ok"]
    if len(failed):
        first = failed.iloc[0]
        raise FailedRuns(f"{len(failed)} of {len(table)} runs failed (first: {first['run_id']}: "
                         f"{first['error']}); the finished runs are kept in {folder}")
    return table


def read_steps(folder: str | Path) -> pd.DataFrame:
    """Every kept per-month row of the finished runs (steps parts whose runs part exists)."""
    return read_table(folder, STEPS)


def read_table(folder: str | Path, kind: str) -> pd.DataFrame:
    """Every kept row of one of the runs' tables (``steps`` or a name of ``RUN_TABLES``) of the
    finished runs (parts whose runs part exists), sorted by run id and step (stable, so the rows
    of one month keep their order: communities in scenario order, meetings and events as logged)."""
    if kind not in KINDS or kind == RUNS:
        raise ValueError(f"unknown table '{kind}'; tables: {', '.join(k for k in KINDS if k != RUNS)}")
    committed = {number for number, _ in parts(folder, RUNS)}
    tables = [_read_part(path) for number, path in parts(folder, kind) if number in committed]
    if not tables:
        return pd.DataFrame(columns=[*RUN_KEYS, "step"])
    frame = _to_frame(tables)
    return frame.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- building tables
def _column(values: list[Any]):
    """An Arrow array from Python values; a column mixing kinds it cannot hold becomes text."""
    import pyarrow as pa

    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array([None if v is None else (v if isinstance(v, str) else json.dumps(v, default=repr))
                         for v in values], type=pa.string())


def _settings_of(row: dict[str, Any]) -> list[str]:
    """A row's setting columns: those between its keys and its status (``run_task`` writes them so)."""
    names = list(row)
    start = names.index("seed") + 1 if "seed" in names else 0
    end = names.index("status") if "status" in names else start
    return names[start:end]


def column_order(names: Iterable[str], settings: Iterable[str]) -> list[str]:
    """Keys, settings, status and error, outcomes, provenance: the same order whichever run came first."""
    names = list(dict.fromkeys(names))
    settings = [n for n in dict.fromkeys(settings) if n in names]
    fixed = set(RUN_KEYS) | set(settings) | set(STATUS) | set(PROVENANCE)
    return ([n for n in RUN_KEYS if n in names] + settings + [n for n in STATUS if n in names]
            + [n for n in names if n not in fixed] + [n for n in PROVENANCE if n in names])


def rows_table(rows: list[dict[str, Any]]):
    """The runs table of a batch, columns in ``column_order``, missing values null; the setting
    columns are named in the schema metadata (``stakesim.settings``)."""
    import pyarrow as pa

    names: dict[str, None] = {}
    settings: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
        settings.update(dict.fromkeys(_settings_of(row)))
    order = column_order(names, settings)
    table = pa.table({name: _column([row.get(name) for row in rows]) for name in order})
    return table.replace_schema_metadata({SETTINGS_KEY: json.dumps(list(settings)).encode()})


def steps_table(frames: list[pd.DataFrame]):
    import pyarrow as pa

    return pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)


# --------------------------------------------------------------------------- writing
@dataclass
class DatasetWriter:
    """Buffers finished runs and writes them as parts; memory holds at most one batch.

    ``extra`` columns (the experiment's name) are added to every runs row. Parts are numbered
    past every part already in the folder, so a resumed sweep adds parts and rewrites none.
    """

    folder: Path
    extra: dict[str, Any] = field(default_factory=dict)
    batch_runs: int = 200
    batch_seconds: float = 10.0
    parts_written: int = 0
    _rows: list[dict[str, Any]] = field(default_factory=list, repr=False)
    _steps: list[pd.DataFrame] = field(default_factory=list, repr=False)
    _tables: dict[str, list[pd.DataFrame]] = field(default_factory=dict, repr=False)
    _since: float = field(default_factory=time.monotonic, repr=False)
    _next: int = 0

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        for kind in KINDS:
            (self.folder / kind).mkdir(parents=True, exist_ok=True)
        numbers = [n for kind in KINDS for n, _ in parts(self.folder, kind)]
        self._next = max(numbers, default=0) + 1

    @property
    def buffered(self) -> int:
        return len(self._rows)

    def add(self, record: RunRecord) -> None:
        """Buffer one finished run; write a part when the batch is full or old enough."""
        if not self._rows:
            self._since = time.monotonic()
        self._rows.append({**record.row, **self.extra})
        if record.steps is not None:
            self._steps.append(record.steps)
        for kind, frame in record.tables.items():
            if len(frame):
                self._tables.setdefault(kind, []).append(frame)
        self.maybe_flush()

    def add_all(self, records: Iterable[RunRecord]) -> None:
        for record in records:
            self.add(record)

    def maybe_flush(self) -> bool:
        """Write the buffer if it holds ``batch_runs`` runs or its first run waited ``batch_seconds``."""
        if self._rows and (len(self._rows) >= self.batch_runs
                           or time.monotonic() - self._since >= self.batch_seconds):
            self.flush()
            return True
        return False

    def flush(self) -> None:
        """Write what is buffered as the next part (steps and the run tables first, then runs, each
        atomically)."""
        if not self._rows:
            return
        name = f"part-{self._next:06d}.parquet"
        if self._steps:
            _write_table(steps_table(self._steps), self.folder / STEPS / name)
        for kind, frames in self._tables.items():
            _write_table(steps_table(frames), self.folder / kind / name)
        _write_table(rows_table(self._rows), self.folder / RUNS / name)
        self._next += 1
        self.parts_written += 1
        self._rows, self._steps, self._tables = [], [], {}


def clear(folder: str | Path) -> None:
    """Remove a sweep's results from the folder: its part folders and the manifest (nothing else)."""
    import shutil

    folder = Path(folder)
    for kind in KINDS:
        shutil.rmtree(folder / kind, ignore_errors=True)
    (folder / MANIFEST).unlink(missing_ok=True)


__all__ = [
    "DatasetError", "DatasetWriter", "KINDS", "MANIFEST", "RUNS", "STEPS", "atomic_write_bytes",
    "atomic_write_json", "clear", "finished_run_ids", "has_results", "leftovers", "parts", "read_manifest",
    "read_runs", "read_steps", "read_table", "remove_temp_files", "rows_table", "write_manifest",
]
