# Otklik: `make run` runs the system, `make test` runs the tests. Both create .venv and install first.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-pg test-sqlite lint bench install clean lock

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "нужен Python 3.11 ($(PYTHON))"; exit 2; }
	$(PYTHON) -m venv $(VENV)

# Locked, hashed versions first (requirements-dev.lock, `make lock`); then the project itself, which also
# brings in anything pyproject.toml gained since the lock was made.
$(STAMP): pyproject.toml requirements-dev.lock | $(PY)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --require-hashes -r requirements-dev.lock
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/otklik run

# The whole suite on PostgreSQL when reachable (else SQLite), then the database tests on SQLite too; on
# TEST_WORKERS processes (pytest-xdist; each has its own Temporal dev server, fakes and database).
TEST_WORKERS ?= 2
test: $(STAMP)
	$(PY) -m pytest -q -n $(TEST_WORKERS)
	OTKLIK_TEST_BACKEND=sqlite $(PY) -m pytest -q -n $(TEST_WORKERS) -m db

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy domain models workflows activities api worker.py cli.py

bench: $(STAMP)
	$(PY) bench/worktime.py
	$(PY) bench/suggest.py
	$(PY) bench/api.py

# Regenerate the hashed lock files (the image installs requirements.lock, `make install` and CI
# requirements-dev.lock) after a dependency change in pyproject.toml.
LOCK := $(VENV)/bin/uv pip compile --universal --python-version 3.11 --generate-hashes -q --custom-compile-command "make lock"
lock: | $(PY)
	$(PY) -m pip install -q uv
	$(LOCK) pyproject.toml deploy/build-requirements.in -o requirements.lock
	$(LOCK) pyproject.toml --extra dev -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
