# Every target bootstraps .venv on a fresh machine (needs only Python >= 3.11, make and git).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1:8000
export NO_MKDOCS_2_WARNING := 1

.PHONY: install serve build test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[docs,test,dask,search]"
	@touch $(STAMP)

# --dirty rebuilds only the saved page (a strict build would stop on the warning it prints);
# scripts/exec_cache.py skips re-running its unchanged code. Restart after editing src/.
serve: $(STAMP)  ## the site on http://127.0.0.1:8000, the saved page rebuilt in about a second
	$(BIN)/mkdocs serve -a $(HOST) --dirty --no-strict

# Never pass -q to a strict build: quiet mode drops the warnings strict mode counts.
build: $(STAMP)
	$(BIN)/mkdocs build --strict

# pytest runs the strict build once (conftest.py at the root) and serves that build to the browser
# tests, so the site is not built twice; `make build` writes site/ for publishing.
test: lint  ## lint, then pytest: strict build, unit, doctests, docs snippets, browser
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff, and mypy --strict on the package
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)  ## speed and scale measurements (prints figures; never part of test)
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/batchnorm.py
	$(BIN)/python benchmarks/search.py
	$(BIN)/python benchmarks/halving.py

clean:
	rm -rf site .pytest_cache .ruff_cache .mypy_cache
