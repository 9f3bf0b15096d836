# Khata developer commands. Quick start: `make run` (serve with demo data), `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
# XStatic-Bootstrap is built from an sdist whose build needs setuptools<81.
export PIP_BUILD_CONSTRAINT := $(CURDIR)/build-constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run worker test install os-deps migrate demo lint check clean bench audit messages compilemessages

$(BIN)/.installed: requirements.txt requirements-dev.txt build-constraints.txt
	@bash scripts/os-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.3"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@

# The front-end assets npm gives (the date picker, flatpickr), at package-lock.json's versions.
node_modules/.package-lock.json: package.json package-lock.json
	@bash scripts/os-deps.sh
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

install: $(BIN)/.installed node_modules/.package-lock.json .env

# Development settings for this checkout (DEBUG on, a random key), so plain
# `manage.py` commands work here. Never used by the tests; not copied into the image.
.env:
	@printf '# Written by make for development. Production sets its own environment.\nDEBUG=true\nSECRET_KEY=%s\n' \
		"$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env

os-deps:
	@bash scripts/os-deps.sh

migrate: install
	DEBUG=true $(BIN)/python manage.py migrate --noinput -v 0
	DEBUG=true $(BIN)/python manage.py createcachetable

demo: migrate
	DEBUG=true $(BIN)/python manage.py seed_demo

run: demo
	@echo ""
	@echo "  Khata is running at http://127.0.0.1:$(PORT)/"
	@echo "  Demo login: username 'demo', password 'demo-pass-123'"
	@echo ""
	@# runserver plus the task worker that sends emails; both stop together (Ctrl+C).
	DEBUG=true PORT=$(PORT) PYTHON=$(BIN)/python bash scripts/run-dev.sh

# The background task worker alone (e.g. beside another server): sends queued emails,
# outlives database outages and re-sends emails a dead worker left half-sent.
worker: migrate
	DEBUG=true $(BIN)/python manage.py run_worker --queue-name '*'

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Translations (issue 16): `make messages` brings locale/*/LC_MESSAGES/*.po in step with the
# marked strings (then translate what is new), `make compilemessages` writes the .mo files the
# app reads. `make test` fails while a string is unmarked or untranslated (tests/test_i18n.py).
messages: install
	DEBUG=true $(BIN)/python scripts/check_translations.py --make-messages

compilemessages: install
	@for po in locale/*/LC_MESSAGES/*.po; do msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; done

# Style (ruff) and the apps' import direction (import-linter; the contract is in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache --no-logo

check: install
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py check

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

# Load benchmark on MariaDB (bench/README.md); not part of `make test`.
# e.g. make bench BENCH_ARGS="--only dashboard --duration 10"
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Security scanners (CI runs them): bandit on our code, pip-audit on the pinned requirements.
audit: install
	$(BIN)/bandit -q -r core accounts customers messaging ledger billing reports api config --severity-level medium
	$(BIN)/pip-audit --progress-spinner off -r requirements.txt
