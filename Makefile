# Each target sets up .venv itself, so a fresh clone needs only `make demo` or `make test`.
# Any Python 3.11 or newer: the first of these that is one (override: make PYTHON=/sti/python).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && echo $$p && break; done)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# the package alone (what `make demo` needs); STAMP adds the development tools
RUN_STAMP := $(VENV)/.installed-run

.PHONY: demo test lint typecheck bench fuzz dist clean

$(VENV)/bin/python:
	@test -n "$(PYTHON)" || { echo "Fant ingen Python 3.11 eller nyere; bruk make PYTHON=/sti/til/python" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(RUN_STAMP)

demo: $(RUN_STAMP)
	$(VENV)/bin/kommuneokonomi demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/ruff format --check src tests scripts benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: lint typecheck
	$(PY) -m pytest -n auto --cov --cov-report=term-missing:skip-covered

# The wheel (with the add-in inside) and a zip for an IT department: dist/
dist: $(RUN_STAMP)
	$(PY) scripts/make_dist.py dist

# Timings and memory at 1/10 and full national scale (benchmarks/RESULTS.md records a run).
bench: $(STAMP)
	$(PY) benchmarks/bench.py --scales 0.1,1

# Many more fuzz cases than CI runs (FUZZ_CASES=200000 make fuzz for a long night).
fuzz: $(STAMP)
	$(PY) scripts/fuzz.py --cases $${FUZZ_CASES:-50000}

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage dist
