# Two entry points for a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO := demo
PORT ?= 8501

.PHONY: setup browser demo test lint bench

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,distributed]'
	touch $@

setup: $(VENV)/.installed

# Debian's Chromium for the browser tests (Playwright must never download a browser here).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

demo: setup
	rm -rf $(DEMO)
	$(BIN)/python -m qroi.sample_repos.build demo $(DEMO)/widget
	$(BIN)/qroi ingest $(DEMO)/widget --db $(DEMO)/qroi.db
	$(BIN)/qroi summary widget --db $(DEMO)/qroi.db
	$(BIN)/qroi dashboard --db $(DEMO)/qroi.db --port $(PORT)

test: setup browser
	$(BIN)/pytest -n 2 --dist loadgroup

lint: setup
	$(BIN)/ruff check tracker dashboard tests sample_repos bench
