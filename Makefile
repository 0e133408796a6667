# Two commands: `make demo` and `make test`. Everything else is set up by them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test venv system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Debian packages the tests need (espeak-ng, chromium, and npm only where none is on PATH),
# each installed on its own and only when missing; the script says what to do if apt refuses one.
system-deps:
	@bash scripts/system-deps.sh

demo: $(STAMP)
	$(BIN)/capture add samples/ --yes
	$(BIN)/capture build
	@echo
	@echo "Open the site: file://$(CURDIR)/site/index.html"
	@echo "or preview it: $(BIN)/capture serve"

# axe-core (pinned in package-lock.json) goes into node_modules/, which git ignores.
node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# One test process per core (pytest-xdist): the suite has many waits on ffmpeg, the model and the browser.
test: $(STAMP) system-deps node_modules/.installed
	$(BIN)/python -m pytest -q -n auto

clean:
	rm -rf site media .capture
