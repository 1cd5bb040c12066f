"""The package move and later refactors change no number: every built-in scenario, seeds 0-2,
gives byte-identical tables to the ones saved before the move (tests/data/golden)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from stakesim.scenarios.loader import builtin_names, load_scenario
from stakesim.simulator.run import run_scenario

GOLDEN = Path(__file__).parent / "data" / "golden"
CASES = sorted(p.name.removesuffix(".csv.gz") for p in GOLDEN.glob("*.csv.gz"))


def test_every_builtin_scenario_has_golden_tables():
    assert {c.rsplit("-seed", 1)[0] for c in CASES} >= set(builtin_names()) - NEW_SINCE_GOLDEN
    assert len(CASES) >= 15


# Built-in scenarios added after the golden tables were saved have no "before" to compare with.
NEW_SINCE_GOLDEN: set[str] = set()


@pytest.mark.parametrize("case", CASES)
def test_tables_identical_to_before(case):
    name, seed = case.rsplit("-seed", 1)
    result = run_scenario(load_scenario(name), seed=int(seed))
    expected = gzip.decompress((GOLDEN / f"{case}.csv.gz").read_bytes()).decode()
    assert result.timeseries.to_csv(index=False) == expected
    summary = json.loads((GOLDEN / f"{case}.summary.json").read_text())
    assert json.loads(json.dumps(result.summary, sort_keys=True)) == summary


def regenerate() -> None:
    """Write the golden tables anew: only for a change MEANT to change results, said in its commit."""
    for name in builtin_names():
        for seed in range(3):
            result = run_scenario(load_scenario(name), seed=seed)
            with gzip.GzipFile(GOLDEN / f"{name}-seed{seed}.csv.gz", "wb", mtime=0) as table:
                table.write(result.timeseries.to_csv(index=False).encode())
            (GOLDEN / f"{name}-seed{seed}.summary.json").write_text(
                json.dumps(result.summary, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":  # python tests/test_golden.py
    regenerate()
