# nnbook: `make html` builds the book, `make test` runs every check. Both bootstrap .venv first.
PYTHON     ?= python3
VENV       ?= .venv
BIN        := $(VENV)/bin
BUILDDIR   ?= _build
SPHINXOPTS ?= -W --keep-going -n -j 2
PIP        := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
CHECKED    := src tests benchmarks conf.py

.PHONY: help html test lint serve bench clean reference

help:
	@echo "make html   build the book into $(BUILDDIR)/html (executes every chapter)"
	@echo "make test   lint, unit tests, gradient checks, torch cross-checks, docs build, browser test"
	@echo "make serve  live-reloading preview on http://127.0.0.1:8000"
	@echo "make bench  speed benchmarks against naive loops and PyTorch CPU"
	@echo "make lint   ruff check and format check"
	@echo "make reference  also install PyTorch, the reference the cross-checks compare with (see README for the CPU build)"
	@echo "make clean  remove the build, caches and the virtual environment"

# The environment is rebuilt only when pyproject.toml or the pins change.
$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "nnbook needs Python >= 3.11 (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "creating $(VENV) failed: Python's venv module is missing (Debian: apt-get install python3-venv)"; \
	  exit 1; }

$(VENV)/.docs: pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e '.[docs]'
	@touch $@

$(VENV)/.test: pyproject.toml constraints.txt $(VENV)/.docs
	$(PIP) -e '.[docs,test,serve]'
	@touch $@

# PyTorch is only a reference for the cross-check tests and the benchmarks; the CPU build is
# enough (README: PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu make reference).
$(VENV)/.reference: pyproject.toml constraints.txt $(VENV)/.test
	$(PIP) -e '.[docs,test,serve,reference]'
	@touch $@

reference: $(VENV)/.reference

html: $(VENV)/.docs
	$(BIN)/sphinx-build $(SPHINXOPTS) -b html -c . docs $(BUILDDIR)/html

lint: $(VENV)/.test
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)

test: lint
	$(BIN)/python -m pytest

serve: $(VENV)/.test
	$(BIN)/sphinx-autobuild -c . docs $(BUILDDIR)/html --host 127.0.0.1 --port 8000 \
	  --watch src -W --keep-going -n

bench: $(VENV)/.test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(BUILDDIR) $(VENV) .pytest_cache .ruff_cache src/*.egg-info
