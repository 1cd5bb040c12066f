"""A single run starts fast: it loads no plotting or statistics stack of its own.

``stakesim run`` needs Mesa, pandas and the engine, not matplotlib, seaborn, SciPy's statistics or
PyArrow's Parquet writer; those are for comparisons and load where they are used. The check is on
which modules are loaded, in a fresh interpreter, never on times (times fail on busy machines for
no fault of the code; benchmarks/bench_startup.py measures them).

Mesa and pandas load some of these stacks themselves when imported (Mesa 3.3 imports
``scipy.spatial`` for its continuous space, pandas imports ``pyarrow`` when it is installed), so
what a run may load is compared with what ``import mesa`` alone loads on the same machine:
stakesim must add nothing from them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "seaborn", "scipy", "pyarrow")

REPORT = """
import json, sys
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""

RUN = """
import contextlib, io, sys
from stakesim.cli import main

with contextlib.redirect_stdout(io.StringIO()):
    code = main(["run", "default"])
if code != 0:
    sys.exit(f"stakesim run default exited with {{code}}")
"""


def loaded(code: str) -> set[str]:
    """The heavy-stack modules loaded after running ``code`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", code + REPORT.format(heavy=HEAVY)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.fixture(scope="module")
def mesa_alone() -> set[str]:
    return loaded("import mesa\n")


def _added(modules: set[str], baseline: set[str]) -> list[str]:
    added = sorted(modules - baseline)
    return sorted({name.split(".")[0] for name in added}) + added[:10]


def test_a_single_run_loads_no_plotting_or_statistics_stack(mesa_alone):
    after_run = loaded(RUN)
    assert not (after_run - mesa_alone), f"stakesim run loaded beyond Mesa: {_added(after_run, mesa_alone)}"
    assert "matplotlib" not in after_run and "seaborn" not in after_run  # Mesa loads neither


def test_importing_the_comparison_object_loads_no_plotting_or_statistics_stack(mesa_alone):
    """The library API may import it at the top: figures, intervals and Parquet load when used."""
    after = loaded("import stakesim.experiments.comparison, stakesim.experiments.arms\n")
    assert not (after - mesa_alone), f"importing the comparison loaded: {_added(after, mesa_alone)}"
