"""The teaching notebooks run top to bottom, are stored clean, and call only the library API.

Each notebook is executed in a fresh kernel by nbclient (one test per notebook, so pytest-xdist
spreads them over the workers). A notebook must be stored without outputs or execution counts, so
what a student opens is what the code produces on her machine, not a stale copy.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))

# What a notebook may import from stakesim: the library API, the check cells, and (for the
# notebook that writes an intervention) the registration interface.
STAKESIM_MODULES = {"stakesim", "stakesim.teaching", "stakesim.simulator.interventions",
                    "stakesim.simulator.interventions.base"}


def _code(path: Path) -> list[str]:
    """Each code cell's Python, without IPython's magics (``%matplotlib inline``)."""
    return ["\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def test_there_are_at_least_six_notebooks_and_the_readme_lists_each():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]
    readme = (FOLDER / "README.md").read_text(encoding="utf-8")
    missing = [p.name for p in NOTEBOOKS if p.name not in readme]
    assert not missing, f"notebooks/README.md does not list {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    kept = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            and (cell.outputs or cell.execution_count is not None)]
    assert not kept, (f"{path.name}: cells {kept} keep outputs or execution counts; clear them "
                      f"(Jupyter: Edit > Clear All Outputs) before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_imports_only_the_library_api(path):
    imported = set()
    for source in _code(path):
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    beyond = sorted(m for m in imported if m.split(".")[0] == "stakesim" and m not in STAKESIM_MODULES)
    assert not beyond, f"{path.name} reaches below the library API: {beyond}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom(path):
    """Executed as a student would, from the notebooks folder, in a fresh kernel."""
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(FOLDER)}})
    client.execute()
    figures = sum(1 for cell in notebook.cells if cell.cell_type == "code"
                  for output in cell.get("outputs", []) if "image/png" in output.get("data", {}))
    assert figures >= 1, f"{path.name} drew no figure"
