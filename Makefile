# The two commands of the README: `make demo` runs the product, `make test` runs the checks.
# Both create .venv with the machine's python3 when it is missing and install the project.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck pytest bench thorough soak clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	bash scripts/demo.sh

test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

# Thousands of random state-machine examples (CI runs a fixed 300); worth running after any
# change to the planner, executor or engine.
thorough: $(STAMP)
	HYPOTHESIS_PROFILE=thorough $(BIN)/python -m pytest -q tests/syncengine/test_state_machine.py \
		tests/providers/test_state_machine.py

# Random edits, faults and SIGKILLed workers over the HTTPS emulators, then the invariants
# (bench/soak/). Options: make soak CYCLES=500 MAIL=google SEED=3 (MAIL: microsoft, google, exchange)
CYCLES ?= 100
MAIL ?= microsoft
SEED ?= 1
soak: $(STAMP)
	$(BIN)/python -m bench.soak --cycles $(CYCLES) --mail $(MAIL) --seed $(SEED) 2>/dev/null

clean:
	rm -rf $(VENV) var/*.sqlite3
