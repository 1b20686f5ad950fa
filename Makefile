# The few commands a newcomer needs. `make run` and `make test` set everything up themselves.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_ALLOW_ASYNC_UNSAFE := true

.PHONY: run test test-postgres lint bench screenshots chromium nginx translations clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

# A local .env for `make run`: a generated secret, and plain HTTP on 127.0.0.1.
.env:
	@printf 'SECRET_KEY=%s\nDEBUG=false\nFORCE_HTTPS=false\n' \
		"$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "wrote .env with a new SECRET_KEY"

# Browser tests drive Debian's Chromium; install it only when it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@chromium --version

# The .mo files Django reads, compiled from locale/*/LC_MESSAGES/django.po by Babel (a pinned
# PyPI package): no system gettext needed. After marking new strings, run
# `$(PY) manage.py update_translations` and translate them (locale/GLOSSARY.md).
translations: $(VENV)/.installed
	$(PY) -m languages.catalog

# The TLS-proxy test runs the shipped nginx site (deploy/); install nginx only when missing.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
		echo "installing nginx (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; }
	@PATH="$$PATH:/usr/sbin" nginx -v

run: $(VENV)/.installed .env translations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_simulator
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Open http://127.0.0.1:$(PORT)/ and log in as demo / demo"
	PORT=$(PORT) $(VENV)/bin/gunicorn -c gunicorn.conf.py mspace_admin.wsgi

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --no-cache --check .
	$(VENV)/bin/bandit -q -ll -r mspace_admin accounts messaging simulator billing
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run

# SQLite, embedded: nothing to install. The production-shape tests (several gunicorn nodes,
# nginx in front) need PostgreSQL and run in `make test-postgres`.
test: $(VENV)/.dev-installed chromium lint translations
	env -u TEST_DATABASE_URL $(VENV)/bin/pytest -n 2 --dist loadgroup -m "not production_shape"

# The same suite on PostgreSQL, plus the production-shape tests. Each run creates its own
# databases on that server and drops them; an unreachable server fails the run, never skips.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
test-postgres: $(VENV)/.dev-installed chromium nginx translations
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) PATH="$$PATH:/usr/sbin" \
		$(VENV)/bin/pytest -n 2 --dist loadgroup

bench: $(VENV)/.dev-installed
	$(PIP) install --quiet -r requirements-bench.txt
	$(PY) bench/run.py $(BENCH_ARGS)

# The README's pictures, taken by the browser test that also checks them.
screenshots: $(VENV)/.dev-installed chromium
	SCREENSHOTS=1 $(VENV)/bin/pytest tests/browser/test_screenshots.py -q
	@ls -1 docs/screenshots/*.png

clean:
	rm -rf $(VENV) staticfiles .test-db.sqlite3*
