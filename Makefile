# The few commands a newcomer needs. `make run` and `make test` set everything up themselves.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_ALLOW_ASYNC_UNSAFE := true

.PHONY: run test test-postgres lint bench bench-batch bench-watch bench-paybill screenshots chromium libreoffice nginx translations reset-demo clean watch-key

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

# Keep watch needs a key for the stored passwords (WATCH_KEYS); an older .env gains one too.
watch-key: .env
	@grep -q '^WATCH_KEYS=' .env || { \
		printf 'WATCH_KEYS=%s\n' "$$(python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" >> .env; \
		echo "wrote a WATCH_KEYS key into .env"; }

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

# The CSV test reads the downloads back with LibreOffice Calc, as a spreadsheet user would;
# installed only when missing (about 20 s and 200 MB on a Debian machine).
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
		echo "installing LibreOffice Calc (apt)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui; }
	@soffice --version

# The web server and the keep-watch worker together (Procfile); Ctrl-C stops both.
run: $(VENV)/.installed .env translations watch-key
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_simulator
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo "Open http://127.0.0.1:$(PORT)/ and log in as demo / demo"
	$(VENV)/bin/honcho start -f Procfile -p $(PORT)

# The demo as it was first: balances, clients, activity. Refuses outside demo mode.
reset-demo: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py reset_demo

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check --no-cache .
	$(VENV)/bin/ruff format --no-cache --check .
	$(VENV)/bin/bandit -q -ll -r mspace_admin accounts messaging simulator billing watch alerts batches paybill team
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run

# SQLite, embedded: nothing to install. The production-shape tests (several gunicorn nodes,
# nginx in front) need PostgreSQL and run in `make test-postgres`.
test: $(VENV)/.dev-installed chromium libreoffice lint translations
	env -u TEST_DATABASE_URL $(VENV)/bin/pytest -n 2 --dist loadgroup -m "not production_shape"

# The same suite on PostgreSQL, plus the production-shape tests. Each run creates its own
# databases on that server and drops them; an unreachable server fails the run, never skips.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
test-postgres: $(VENV)/.dev-installed chromium libreoffice nginx translations
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) PATH="$$PATH:/usr/sbin" \
		$(VENV)/bin/pytest -n 2 --dist loadgroup

bench: $(VENV)/.dev-installed
	$(PIP) install --quiet -r requirements-bench.txt
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/watch_bench.py
	$(PY) bench/batch_bench.py
	$(PY) bench/paybill_bench.py

# Only the bulk top-up figure (50 accounts, 1 s latency, BULK_CONCURRENCY at once): ~20 s.
bench-batch: $(VENV)/.dev-installed
	$(PY) bench/batch_bench.py

# Only the M-Pesa figures (confirmation answered while mSpace hangs, payment to SMS): ~1 minute.
bench-paybill: $(VENV)/.dev-installed
	$(PY) bench/paybill_bench.py

# Only the keep-watch figures (a round, history growth, the Days left column): ~2 minutes.
bench-watch: $(VENV)/.dev-installed
	$(PY) bench/watch_bench.py

# The README's pictures, taken by the browser test that also checks them.
screenshots: $(VENV)/.dev-installed chromium
	SCREENSHOTS=1 $(VENV)/bin/pytest tests/browser/test_screenshots.py -q
	@ls -1 docs/screenshots/*.png

clean:
	rm -rf $(VENV) staticfiles .test-db.sqlite3* huey.sqlite3*
