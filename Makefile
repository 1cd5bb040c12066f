# The two commands a newcomer needs: `make demo` runs the main job, `make test` runs the tests.
# Both create the virtual environment .venv (if missing) and install the project into it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/stakesim compare default --replicates 30 --out out/demo

test: $(STAMP)
	$(BIN)/pytest -n auto

docs: $(STAMP)
	$(BIN)/python -m stakesim.docgen

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_run.py --write

clean:
	rm -rf $(VENV) out build *.egg-info
