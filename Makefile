# splitbrain: two commands matter. `make demo` runs the main job; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=
# Python may cache compiled modules (__pycache__/ is ignored by git): the suite starts hundreds of
# Python processes (engines killed and restarted, CLIs, Locust, worlds), and without the cache each
# one compiles every module it imports again. Some environments set this variable; not for us.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint typecheck contracts pytest bench clean venv postgres load

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/splitbrain demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# PostgreSQL server binaries for the postgres tests (tests/postgres_server.py starts a throwaway
# cluster with them): Debian's package, installed only when missing and we may (CI=true, through
# sudo when not root; or root with apt-get). Elsewhere, or with $SPLITBRAIN_TEST_POSTGRES set,
# nothing is installed and the postgres tests skip (or use that server).
PG_INITDB = /usr/lib/postgresql/*/bin/initdb
PG_CONFIG = pg_config
APT_POSTGRES = env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
postgres:
	@if [ -n "$$SPLITBRAIN_TEST_POSTGRES" ]; then :; \
	elif ls $(PG_INITDB) >/dev/null 2>&1 || test -x "$$($(PG_CONFIG) --bindir 2>/dev/null)/initdb"; then :; \
	elif command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || [ "$$CI" = "true" ]; }; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	  echo "installing Debian's postgresql package for the postgres tests"; \
	  $$SUDO $(APT_POSTGRES) >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO $(APT_POSTGRES) >/dev/null; }; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL server binaries are missing and apt-get is not available to install them" >&2; exit 1; \
	else echo "PostgreSQL server binaries not found (installing needs apt-get and root or CI=true): the postgres tests will be skipped"; fi

pytest: $(STAMP) postgres
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck contracts pytest

# A headless Locust run against the embedded world and the reference engine ([tool.locust] in
# pyproject.toml): Locust's CSV and HTML plus our summary.json / summary.md in out/load/. The
# exit code is 1 on any SLO breach (load/thresholds.yaml) or checker anomaly. LOAD_ARGS adds
# options, e.g. LOAD_ARGS="--store sqlite:out/load/engine.db -t 120s" (docs/load.md).
LOAD_ARGS ?=
load: $(STAMP)
	$(BIN)/locust $(LOAD_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) out .splitbrain .mypy_cache .ruff_cache
