"""Put a comparison's files on disk all at once or not at all, and write its tables.

Every file is first written into a staging folder inside the output folder and renamed into
place only when all are ready, so an interrupted or failed write never leaves a half-written file
where a finished one was (renames within one file system are atomic). The tables are
``results.parquet`` (every run, every month, provenance in the file's metadata), ``summary.csv``
(the outcome table) and ``provenance.json``. JSON is strict: no NaN or Infinity, a missing
number is ``null``.

PyArrow's Parquet writer is imported where it is used, so importing this module costs nothing.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

STAGING_PREFIX = ".stakesim-staging-"


def strict_json(value, **kwargs) -> str:
    """``json.dumps`` that never writes NaN or Infinity: non-finite floats become ``null``."""
    return json.dumps(_finite(value), allow_nan=False, **kwargs)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def write_staged(out_dir: str | Path, write: Callable[[Path], dict[str, Path]],
                 interrupted: Callable[[], bool] | None = None) -> dict[str, Path]:
    """Call ``write(staging_folder)``, then move the files it returns into ``out_dir``.

    ``write`` returns the staged files by name; they are renamed into ``out_dir`` in that order
    (put reports last, so a report never points at a figure that is not there yet), and the
    final paths are returned by the same names. ``interrupted`` (for example a Ctrl-C flag a CLI
    sets) is checked before the first rename: a stop requested while staging raises
    ``KeyboardInterrupt`` and leaves ``out_dir`` exactly as it was. The staging folder is removed
    in every case.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
    try:
        staged = write(staging)
        if interrupted is not None and interrupted():
            raise KeyboardInterrupt
        final = {}
        for name, path in staged.items():
            target = out / path.name
            os.replace(path, target)
            final[name] = target
        return final
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_results_parquet(results: pd.DataFrame, prov: dict, path: Path,
                          metadata_keys: Iterable[str] = ()) -> Path:
    """Every run and month as Parquet; the whole provenance, and ``metadata_keys`` of it one by
    one, in the file's schema metadata under ``stakesim.<key>`` (strings as they are, the rest
    as JSON)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(results, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    for key in metadata_keys:
        value = prov[key]
        meta[f"stakesim.{key}".encode()] = (value if isinstance(value, str) else strict_json(value)).encode()
    meta[b"stakesim.provenance"] = strict_json(prov).encode()
    pq.write_table(table.replace_schema_metadata(meta), path)
    return path


def write_summary_csv(table: pd.DataFrame, path: Path) -> Path:
    """The outcome table as CSV (a missing number is an empty field)."""
    table.to_csv(path, index=False)
    return path


def write_json(value, path: Path) -> Path:
    """Strict, indented JSON with a final newline."""
    path.write_text(strict_json(value, indent=2) + "\n", encoding="utf-8")
    return path


def write_text(text: str, path: Path) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
