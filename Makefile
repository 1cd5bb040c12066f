# The two commands a newcomer needs: `make demo` runs the main job, `make test` runs the tests.
# Both create the virtual environment .venv (if missing) and install the project into it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-newest install docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/stakesim compare default --replicates 30 --out out/demo --overwrite

test: $(STAMP)
	$(BIN)/pytest -n auto

# The same numbers on the newest supported Python and Mesa: the determinism, golden-table and
# library-API tests in a second environment (Python 3.13 from pyenv, Mesa 3.5+).
NEWEST_PYTHON ?= $(lastword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3))
NEWEST_VENV   ?= .venv-newest

test-newest:
	@if [ -z "$(NEWEST_PYTHON)" ]; then echo "test-newest: no Python 3.13 found (set NEWEST_PYTHON=...)"; exit 1; fi
	test -x $(NEWEST_VENV)/bin/python || $(NEWEST_PYTHON) -m venv $(NEWEST_VENV)
	$(NEWEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(NEWEST_VENV)/bin/python -m pip install --quiet -e ".[dev]"
	$(NEWEST_VENV)/bin/pytest -n auto -p no:cacheprovider tests/test_golden.py tests/test_determinism.py tests/test_api.py

docs: $(STAMP)
	$(BIN)/python -m stakesim.docgen
	$(BIN)/python -m stakesim.scenario_pages

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py --write
	$(BIN)/python benchmarks/bench_startup.py --write
	$(BIN)/python benchmarks/bench_sweep.py --write

clean:
	rm -rf $(VENV) $(NEWEST_VENV) out build *.egg-info
