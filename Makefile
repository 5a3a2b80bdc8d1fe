# One-command run and test. Everything installs into .venv from the pinned, hashed
# exports in requirements/ (see `make lock`), with uv for speed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: help install install-dev install-ops run serve worker migrate test test-fast smoke \
	compose-test fuzz bench lint lock clean browser vendor screenshots aggregate test-template

help:
	@echo "make run      install, migrate and serve on http://$(HOST):$(PORT)"
	@echo "make worker   run background jobs from Redis (QUEUE_BACKEND=arq, REDIS_URL)"
	@echo "make test     install, start a throw-away PostgreSQL, run the whole suite"
	@echo "make migrate  apply database migrations"
	@echo "make smoke    the Postman collection against BASE_URL (default http://$(HOST):$(PORT))"
	@echo "make compose-test  PostgreSQL, MongoDB, Redis and MinIO from docker-compose.test.yml, then make test"
	@echo "make bench    Hexa's reads against bare FastAPI and a bare SQLAlchemy read, in one run"
	@echo "make fuzz     schemathesis against a served app for FUZZ_SECONDS (default 900)"
	@echo "make aggregate NAME=equipment FIELDS=\"serial:text location:text?\"  a new aggregate, every layer"
	@echo "make test-template  the template's wider matrix of answers (copier copy)"
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

# checkov, for the ops tests, in a venv of its own: its pins clash with the dev group's.
OPS_VENV := .venv-ops
$(OPS_VENV)/.ops-installed: requirements/ops.txt | $(UV)
	$(UV) venv --quiet --allow-existing --python $(BIN)/python $(OPS_VENV)
	$(UV) pip install --quiet --python $(OPS_VENV)/bin/python --require-hashes -r requirements/ops.txt
	touch $@

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed
install-ops: $(OPS_VENV)/.ops-installed

migrate: install
	$(BIN)/hexa migrate

run: install
	$(BIN)/hexa migrate
	$(BIN)/hexa serve

serve: run

# Background jobs from Redis (QUEUE_BACKEND=arq, REDIS_URL); run beside `make run`.
worker: install
	$(BIN)/hexa worker

test: install-dev install-ops browser
	scripts/with-test-services.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# The template's wider matrix (tests/template/test_matrix.py): a copy without each optional
# part, and some pairs, each through its own checks. `make test` runs two copies only.
test-template: install-dev
	@test -d tests/template || { echo "make test-template: the template's own tests are in Hexa, not in a copy"; exit 2; }
	HEXA_TEMPLATE_MATRIX=1 scripts/with-test-services.sh $(BIN)/python -m pytest tests/template $(PYTEST_ARGS)

# The system Chromium the admin UI's browser tests drive (installed when missing and root;
# nothing to do in a project made without the admin UI).
browser:
	@if [ -x scripts/chromium.sh ]; then scripts/chromium.sh; fi

# The admin UI's vendored JavaScript (Preact + htm, axe-core for the tests), from npm.
vendor:
	scripts/vendor-ui.sh

screenshots: install-dev browser
	$(BIN)/python scripts/screenshots.py

# The suite without the throw-away servers: PostgreSQL and MongoDB cases skip.
test-fast: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The Postman collection (postman/) run by newman against BASE_URL; admin credentials from
# HEXA_ADMIN_EMAIL and HEXA_ADMIN_PASSWORD, else a token from `hexa token` (same settings).
smoke: install
	$(BIN)/python scripts/run_postman_smoke.py

# The suite against PostgreSQL, MongoDB and Redis from docker-compose.test.yml (needs a
# Docker engine with the compose plugin); the stack is removed afterwards, pass or fail.
COMPOSE      ?= docker compose
COMPOSE_TEST := $(COMPOSE) -f docker-compose.test.yml
compose-test:
	$(COMPOSE_TEST) up --detach --wait postgres mongo redis minio
	HEXA_TEST_POSTGRES_URL=postgresql+asyncpg://hexa:hexa@127.0.0.1:$${HEXA_COMPOSE_POSTGRES_PORT:-55432}/hexa_test \
	HEXA_TEST_POSTGRES_STAIRWAY_URL=postgresql+asyncpg://hexa:hexa@127.0.0.1:$${HEXA_COMPOSE_POSTGRES_PORT:-55432}/hexa_stairway \
	MONGO_URI=mongodb://127.0.0.1:$${HEXA_COMPOSE_MONGO_PORT:-57017}/hexa_test \
	HEXA_TEST_REDIS_URL=redis://127.0.0.1:$${HEXA_COMPOSE_REDIS_PORT:-56379}/0 \
	HEXA_TEST_S3_ENDPOINT=http://127.0.0.1:$${HEXA_COMPOSE_S3_PORT:-59000} \
	HEXA_TEST_S3_ACCESS_KEY=hexa-compose HEXA_TEST_S3_SECRET_KEY=hexa-compose-secret-not-for-production \
	$(MAKE) test; status=$$?; $(COMPOSE_TEST) down --volumes; exit $$status

# Speed as ratios against references measured in the same run (scripts/bench_http.py):
# embedded (SQLite) and services (a throw-away PostgreSQL and Redis, and a worker).
BENCH_ARGS ?=
bench: install-dev
	scripts/apt-install.sh wrk wrk
	scripts/with-test-services.sh $(BIN)/python scripts/bench_http.py $(BENCH_ARGS)
	scripts/with-test-services.sh $(BIN)/python scripts/bench_tracing.py --profile
	@if [ -f scripts/bench_stats.py ]; then \
		scripts/with-test-services.sh $(BIN)/python scripts/bench_stats.py; fi

# A longer schemathesis campaign than the suite's, with a fresh seed: embedded SQLite, then
# a throw-away PostgreSQL. Reports in var/fuzz/.
FUZZ_SECONDS ?= 900
fuzz: install-dev
	$(BIN)/python scripts/fuzz_api.py --max-time $$(( $(FUZZ_SECONDS) / 2 ))
	scripts/with-test-services.sh sh -c '$(BIN)/python scripts/fuzz_api.py \
		--max-time $$(( $(FUZZ_SECONDS) / 2 )) --database-url "$$HEXA_TEST_POSTGRES_URL" \
		--report-dir var/fuzz/postgres'

# A new aggregate through every layer, with its tests: make aggregate NAME=equipment
# FIELDS="serial:text location:text? commissioned:date" (docs/template.md).
aggregate: install-dev
	@test -n "$(NAME)" || { echo 'make aggregate: NAME is missing, e.g. NAME=equipment FIELDS="serial:text"'; exit 2; }
	$(BIN)/python scripts/add_aggregate.py $(NAME) $(FIELDS)

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/mypy

lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra otel --generate-hashes --no-header --quiet \
		--python-version 3.11 -o requirements/runtime.txt
	$(UV) pip compile pyproject.toml --extra otel --group dev --generate-hashes --no-header --quiet \
		--python-version 3.11 -o requirements/dev.txt
	$(UV) pip compile --group ops --generate-hashes --no-header --quiet \
		--python-version 3.11 -o requirements/ops.txt

clean:
	rm -rf $(VENV) $(OPS_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
