# Two commands on a fresh machine: `make demo` renders the sample, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-pictures lmodern poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install demo test quick lint tex katex golden bench clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[torch,test]'
	touch $@

# TeX from Debian's packages, when pdflatex is not there yet.
tex:
	@command -v pdflatex >/dev/null && command -v pdftotext >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; }

# KaTeX from npm (pinned in package-lock.json), for the test that renders every Markdown math block.
katex: node_modules/katex/package.json

node_modules/katex/package.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

demo: $(STAMP)
	@if command -v pdflatex >/dev/null; then \
	  $(BIN)/lstm-latex render samples/seed.json -o derivation.tex --compile \
	    && echo "wrote derivation.tex and derivation.pdf"; \
	else \
	  $(BIN)/lstm-latex render samples/seed.json -o derivation.tex \
	    && echo "wrote derivation.tex (for the PDF, install pdflatex: make tex)"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Every check: lint, types, and every test on both cores (pdflatex, KaTeX and torch included).
test: $(STAMP) tex katex lint
	$(BIN)/pytest -n 2

# The tests that need neither pdflatex nor torch: seconds, for the edit-test loop.
quick: $(STAMP)
	$(BIN)/pytest -m "not latex and not torch"

# Rewrite tests/golden/ from the current templates; review the diff before committing.
golden: $(STAMP)
	$(BIN)/pytest tests/test_golden.py --update-golden

# The figures of BENCHMARKS.md, measured in one run (several minutes; not part of `make test`).
bench: $(STAMP)
	$(BIN)/python bench/bench.py --json bench/last.json

clean:
	rm -rf $(VENV) node_modules build dist *.egg-info derivation.*
