# Two commands on a fresh machine: `make demo` renders the sample, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PRECOMPILED := lstm_latex/templates/precompiled-jinja/index.json
TEX_PACKAGES := texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-pictures lmodern poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install demo worksheet golden-vectors test quick lint tex cc chromium katex docs golden bench wheel clean

install: $(STAMP) $(PRECOMPILED)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[torch,safetensors,keras,onnx,docs,test]'
	touch $@

# The built-in templates compiled ahead of time (a Python module each, and the digests in index.json),
# which a render reads instead of parsing them (most of its start-up otherwise); rewritten when a
# template, the environment or Jinja changes. A render uses a template's module only while it
# matches the template, so a stale one is just slower.
# With it, the package's bytecode (the templates' modules' too), as pip writes it for an installed
# package (an editable install has none, and where PYTHONDONTWRITEBYTECODE is set every process
# would compile every module).
$(PRECOMPILED): $(STAMP) lstm_latex/render.py lstm_latex/environment.py $(wildcard lstm_latex/templates/*.j2 lstm_latex/templates/partials/*.j2)
	$(BIN)/python -m lstm_latex.precompile
	$(BIN)/python -m compileall -q lstm_latex

# TeX from Debian's packages, when pdflatex (or a class or font the host tests compile in: Palatino, for
# mathpazo and tufte-handout, is in texlive-fonts-recommended) is not there yet.
tex:
	@command -v pdflatex >/dev/null && command -v pdftotext >/dev/null \
	  && kpsewhich beamerthememetropolis.sty >/dev/null && kpsewhich tufte-handout.cls >/dev/null \
	  && kpsewhich pplr7t.tfm >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(TEX_PACKAGES) >/dev/null; }

# C and C++ compilers from Debian's packages, for the tests that compile the golden vectors' header.
cc:
	@command -v gcc >/dev/null && command -v g++ >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends gcc g++ libc6-dev >/dev/null; }

# Chromium from Debian's packages, which the browser tests drive with Playwright (the test extra): the web page's, and a page of the documentation site.
chromium:
	@command -v chromium >/dev/null || { \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# KaTeX from npm (pinned in package-lock.json), for the test that renders every Markdown math block;
# and copied into the package (its script, stylesheet, woff2 fonts and licence), which a web page carries.
katex: node_modules/katex/package.json lstm_latex/katex-dist/katex.min.js

node_modules/katex/package.json: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lstm_latex/katex-dist/katex.min.js: node_modules/katex/package.json
	rm -rf lstm_latex/katex-dist && mkdir -p lstm_latex/katex-dist/fonts
	cp node_modules/katex/LICENSE node_modules/katex/dist/katex.min.css lstm_latex/katex-dist/
	cp node_modules/katex/dist/fonts/*.woff2 lstm_latex/katex-dist/fonts/
	cp node_modules/katex/dist/katex.min.js $@

demo: install
	@if command -v pdflatex >/dev/null; then \
	  $(BIN)/lstm-latex render samples/seed.json -o derivation.tex --compile \
	    && echo "wrote derivation.tex and derivation.pdf"; \
	else \
	  $(BIN)/lstm-latex render samples/seed.json -o derivation.tex \
	    && echo "wrote derivation.tex (for the PDF, install pdflatex: make tex)"; \
	fi

# The sample worksheet of the README: an exercise drawn from seed 2026 (an LSTM with a target), its
# key and answers in samples/worksheet/, and, with pdflatex and pdftoppm, the second page of each as a PNG.
WORKSHEET := samples/worksheet
worksheet: install
	$(BIN)/lstm-latex worksheet --seed 2026 --target -o $(WORKSHEET)/sheet.tex
	@if command -v pdflatex >/dev/null && command -v pdftoppm >/dev/null; then \
	  build=$$(mktemp -d) && for name in sheet sheet-answers; do \
	    for run in 1 2; do pdflatex -interaction=nonstopmode -halt-on-error -output-directory $$build $(WORKSHEET)/$$name.tex >/dev/null || exit 1; done \
	      && pdftoppm -png -r 60 -f 2 -l 2 -singlefile $$build/$$name.pdf $(WORKSHEET)/$$name-page || exit 1; \
	  done; rm -rf $$build; echo "wrote $(WORKSHEET)/: the sheet, its key and answers, a page of each as PNG"; \
	else echo "wrote $(WORKSHEET)/: the sheet, its key and answers (for the pictures: make tex)"; fi

# The README's golden vectors of samples/seed.json: a C header of every intermediate in float32 (needs torch).
golden-vectors: install
	$(BIN)/lstm-latex golden samples/seed.json -o samples/golden/seed.h

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The documentation site in site/ (mkdocs.yml): the guide, the CLI reference made from the commands, and a
# gallery rendered as it is built, its math typeset by the KaTeX of `make katex`, served with the site.
docs: install katex
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Every check: lint, types, and every test on both cores (pdflatex, KaTeX, torch, a C compiler, the site and a browser included).
test: install tex cc chromium katex lint
	$(BIN)/pytest -n 2

# The tests that need neither pdflatex, torch, KaTeX, a C compiler nor a browser, on both cores: for the edit-test loop.
quick: install
	$(BIN)/pytest -n 2 -m "not latex and not torch and not katex and not cc and not docs and not browser"

# Rewrite tests/golden/ from the current templates; review the diff before committing.
golden: install
	$(BIN)/pytest tests/test_golden.py --update-golden

# The figures of BENCHMARKS.md, measured in one run (several minutes; not part of `make test`).
bench: install
	$(BIN)/python bench/bench.py --json bench/last.json

# A wheel in dist/, with the templates' precompiled code in it.
wheel: install
	$(BIN)/pip wheel --quiet --no-deps -w dist .

clean:
	rm -rf $(VENV) node_modules lstm_latex/katex-dist build dist site *.egg-info derivation.* $(dir $(PRECOMPILED))
