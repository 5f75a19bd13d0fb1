# nnbook: `make html` builds the book, `make test` runs every check. Both bootstrap .venv first.
PYTHON     ?= python3
VENV       ?= .venv
BIN        := $(VENV)/bin
BUILDDIR   ?= _build
SPHINXOPTS ?= -W --keep-going -n -j 2
PIP        := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt
CHECKED    := src tests benchmarks conf.py docs/_ext

.PHONY: help html update-po test lint serve bench clean reference references

help:
	@echo "make html   build the book into $(BUILDDIR)/html, its Korean edition into html/ko (executes every chapter)"
	@echo "make update-po  refresh the Korean catalogs (locales/ko) after an edit of the English text"
	@echo "make test   lint, unit tests, gradient checks, torch cross-checks, docs build, browser test"
	@echo "make serve  live-reloading preview on http://127.0.0.1:8000"
	@echo "make bench  speed benchmarks against naive loops and PyTorch CPU, and Lighthouse on every page"
	@echo "make lint   ruff check and format check"
	@echo "make reference  also install PyTorch, the reference the cross-checks compare with (see README for the CPU build)"
	@echo "make references record PyTorch's results for the cross-checks and the book's Verified boxes (needs PyTorch)"
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

# PyTorch's results, recorded so that every cross-check and every Verified box compares against
# PyTorch where it is not installed: tests/references for the tests, src/nnbook/reference_data
# for the book's examples (shipped with the package). Re-run after changing a cross-check's or an
# example's inputs; with PyTorch installed, `make test` fails on a stale or missing record.
references: $(VENV)/.reference
	@$(BIN)/python -c "import torch" || { echo "make references needs PyTorch: make reference"; exit 1; }
	rm -rf tests/references src/nnbook/reference_data $(BUILDDIR)/references
	NNBOOK_RECORD_REFERENCES=1 NNBOOK_CACHE_DIR=$(BUILDDIR)/references/cache \
	  $(BIN)/sphinx-build -q $(SPHINXOPTS) -b html -c . docs $(BUILDDIR)/references/html
	rm -rf $(BUILDDIR)/references
	NNBOOK_RECORD_REFERENCES=1 $(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/docs
	@echo "recorded: $$(find tests/references src/nnbook/reference_data -name '*.npz' | wc -l) files, $$(du -sch tests/references src/nnbook/reference_data | tail -1 | cut -f1)"

# The English site, then the Korean edition from the catalogs in locales/ko (it executes no
# notebook: the English build has left every output in the execution cache), copied to html/ko/.
html: $(VENV)/.docs
	$(BIN)/sphinx-build $(SPHINXOPTS) -b html -c . docs $(BUILDDIR)/html
	$(BIN)/sphinx-build $(SPHINXOPTS) -b html -D language=ko -d $(BUILDDIR)/ko/doctrees \
	  -c . docs $(BUILDDIR)/ko/html
	$(BIN)/python docs/_ext/editions.py $(BUILDDIR)/html $(BUILDDIR)/ko/html

# After an edit of the English text: extract its messages and bring the Korean catalogs up to
# date. A changed message loses its translation (sphinx-intl marks it fuzzy): translate it anew;
# `make test` fails until every message is translated (tests/catalogs.py lists them).
update-po: $(VENV)/.test
	$(BIN)/sphinx-build -q -b gettext -c . docs $(BUILDDIR)/gettext
	rm -rf $(BUILDDIR)/gettext/api  # the API reference stays English
	$(BIN)/sphinx-intl update -p $(BUILDDIR)/gettext -l ko -d locales --no-obsolete
	$(BIN)/python tests/catalogs.py $(BUILDDIR)/gettext locales/ko/LC_MESSAGES || true

# The browser tools the site tests and benchmarks use (axe-core, Lighthouse), pinned in tests/docs/package.json; from npm.
NODE_TOOLS := tests/docs/node_modules/.package-lock.json
$(NODE_TOOLS): tests/docs/package.json tests/docs/package-lock.json
	@if command -v npm >/dev/null; then npm ci --prefix tests/docs --no-audit --no-fund --loglevel=error; \
	  else echo "npm not found: the browser test's accessibility check will be skipped"; fi

lint: $(VENV)/.test
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)

test: lint $(NODE_TOOLS)
	$(BIN)/python -m pytest

serve: $(VENV)/.test
	$(BIN)/sphinx-autobuild -c . docs $(BUILDDIR)/html --host 127.0.0.1 --port 8000 \
	  --watch src -W --keep-going -n

bench: $(VENV)/.test $(NODE_TOOLS)
	$(BIN)/python benchmarks/run.py
	$(MAKE) html
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/live.py
	$(BIN)/python benchmarks/figures.py

clean:
	rm -rf $(BUILDDIR) $(VENV) .pytest_cache .ruff_cache src/*.egg-info
