# splitbrain: two commands matter. `make demo` runs the main job; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck contracts pytest bench clean venv postgres

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

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# PostgreSQL server binaries for the postgres tests: Debian's package, installed when missing
# and we may (CI, or root with apt-get); elsewhere those tests skip with a message.
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's postgresql package for the postgres tests"; \
	  apt-get install -y -qq --no-install-recommends postgresql >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL server binaries are missing and cannot be installed (not root)" >&2; exit 1; \
	else echo "PostgreSQL server binaries not found: the postgres tests will be skipped"; fi

pytest: $(STAMP) postgres
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck contracts pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) out .splitbrain .mypy_cache .ruff_cache
