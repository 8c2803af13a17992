# Otklik: `make run` runs the system, `make test` runs the tests. Both create .venv and install first.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-pg test-sqlite lint bench install clean

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "нужен Python 3.11 ($(PYTHON))"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/otklik run

# The whole suite on PostgreSQL when reachable (else SQLite), then the database tests on SQLite too.
test: $(STAMP)
	$(PY) -m pytest -q
	OTKLIK_TEST_BACKEND=sqlite $(PY) -m pytest -q -m db

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy domain models workflows activities api worker.py cli.py

bench: $(STAMP)
	$(PY) bench/worktime.py
	$(PY) bench/suggest.py
	$(PY) bench/api.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
