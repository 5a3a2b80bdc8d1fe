# One-command run and test. Everything installs into .venv from the pinned, hashed
# exports in requirements/ (see `make lock`), with uv for speed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: help install install-dev run serve worker migrate test test-fast fuzz lint lock clean \
	browser vendor screenshots

help:
	@echo "make run      install, migrate and serve on http://$(HOST):$(PORT)"
	@echo "make worker   run background jobs from Redis (QUEUE_BACKEND=arq, REDIS_URL)"
	@echo "make test     install, start a throw-away PostgreSQL, run the whole suite"
	@echo "make migrate  apply database migrations"
	@echo "make fuzz     schemathesis against a served app for FUZZ_SECONDS (default 900)"
	@echo "make lint     ruff and mypy"
	@echo "make lock     re-export requirements/*.txt from pyproject.toml"
	@echo "make vendor   refresh the admin UI's vendored JavaScript from npm"
	@echo "make screenshots  the admin UI's main screens as PNG, light and dark (docs/screenshots)"

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.runtime-installed: requirements/runtime.txt pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/runtime.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

$(VENV)/.dev-installed: requirements/dev.txt pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/dev.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@ $(VENV)/.runtime-installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed

migrate: install
	$(BIN)/hexa migrate

run: install
	$(BIN)/hexa migrate
	$(BIN)/hexa serve

serve: run

# Background jobs from Redis (QUEUE_BACKEND=arq, REDIS_URL); run beside `make run`.
worker: install
	$(BIN)/hexa worker

test: install-dev browser
	scripts/with-test-services.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# The system Chromium the admin UI's browser tests drive (installed when missing and root).
browser:
	scripts/chromium.sh

# The admin UI's vendored JavaScript (Preact + htm, axe-core for the tests), from npm.
vendor:
	scripts/vendor-ui.sh

screenshots: install-dev browser
	$(BIN)/python scripts/screenshots.py

# The suite without the throw-away servers: PostgreSQL and MongoDB cases skip.
test-fast: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A longer schemathesis campaign than the suite's, with a fresh seed: embedded SQLite, then
# a throw-away PostgreSQL. Reports in var/fuzz/.
FUZZ_SECONDS ?= 900
fuzz: install-dev
	$(BIN)/python scripts/fuzz_api.py --max-time $$(( $(FUZZ_SECONDS) / 2 ))
	scripts/with-test-services.sh sh -c '$(BIN)/python scripts/fuzz_api.py \
		--max-time $$(( $(FUZZ_SECONDS) / 2 )) --database-url "$$HEXA_TEST_POSTGRES_URL" \
		--report-dir var/fuzz/postgres'

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/mypy

lock: | $(UV)
	$(UV) pip compile pyproject.toml --generate-hashes --no-header --quiet \
		--python-version 3.11 -o requirements/runtime.txt
	$(UV) pip compile pyproject.toml --group dev --generate-hashes --no-header --quiet \
		--python-version 3.11 -o requirements/dev.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
