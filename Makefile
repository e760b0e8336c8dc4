# Each target sets up .venv itself, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/kommuneokonomi demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests scripts benchmarks
	$(VENV)/bin/ruff format --check src tests scripts benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: lint typecheck
	$(PY) -m pytest -n auto --cov --cov-report=term-missing:skip-covered

# Timings and memory at 1/10 and full national scale (benchmarks/RESULTS.md records a run).
bench: $(STAMP)
	$(PY) benchmarks/bench.py --scales 0.1,1

# Many more fuzz cases than CI runs (FUZZ_CASES=200000 make fuzz for a long night).
fuzz: $(STAMP)
	$(PY) scripts/fuzz.py --cases $${FUZZ_CASES:-50000}

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
