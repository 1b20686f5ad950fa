"""Settings for mSpace Reseller Admin.

Everything comes from the environment or a `.env` file (django-environ); the table in the
README lists every variable. A value that cannot be parsed stops start-up with one clear
sentence instead of silently falling back to a default.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# DJANGO_ENV_FILE="" turns the file off (the test settings do, so a developer's .env never
# leaks into a test run).
_env_file = os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env"))
if _env_file and Path(_env_file).is_file():
    env.read_env(_env_file)


def _read(name, cast, default, *, check=None, expected):
    """Read one variable; stop start-up with a plain sentence when it makes no sense."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = cast(raw.strip())
    except (ValueError, TypeError):
        value = None
    if value is None or (check is not None and not check(value)):
        raise ImproperlyConfigured(f"{name} must be {expected}, but it is {raw!r}.")
    return value


def _bool(raw):
    lowered = raw.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(raw)


def _gateway_url(url):
    parts = urlsplit(url)
    return (
        parts.scheme in {"http", "https"}
        and bool(parts.hostname)
        and not (parts.query or parts.fragment)
    )


def _list(raw):
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = _read("DEBUG", _bool, False, expected="true or false")

SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (make run writes one into .env)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = _read(
    "ALLOWED_HOSTS", _list, ["localhost", "127.0.0.1"], expected="a comma-separated list"
)
CSRF_TRUSTED_ORIGINS = _read(
    "CSRF_TRUSTED_ORIGINS",
    _list,
    [],
    check=lambda origins: all(o.startswith(("http://", "https://")) for o in origins),
    expected="a comma-separated list of origins such as https://sms.example.co.ke",
)
FORCE_HTTPS = _read("FORCE_HTTPS", _bool, not DEBUG, expected="true or false")

# --- The mSpace gateway --------------------------------------------------------------------
# Without MSPACE_BASE_URL the app runs against its own simulator (demo mode), reached
# in-process through a requests transport adapter: the ".invalid" host can never resolve,
# so nothing leaves the machine by mistake.
SIMULATOR_BASE_URL = "http://mspace-simulator.invalid/mspaceservice/wr/sms/"
MSPACE_BASE_URL = _read(
    "MSPACE_BASE_URL",
    str,
    None,
    check=_gateway_url,
    expected="an http:// or https:// address such as http://HOST/mspaceservice/wr/sms/",
)
MSPACE_SIMULATOR = MSPACE_BASE_URL is None
if MSPACE_SIMULATOR:
    MSPACE_BASE_URL = SIMULATOR_BASE_URL
MSPACE_TIMEOUT = _read(
    "MSPACE_TIMEOUT", float, 10.0, check=lambda s: 0 < s <= 120, expected="seconds from 0 to 120"
)
MSPACE_CACHE_SECONDS = _read(
    "MSPACE_CACHE_SECONDS", int, 30, check=lambda s: s >= 0, expected="a whole number of seconds"
)
SESSION_IDLE_SECONDS = _read(
    "SESSION_IDLE_SECONDS", int, 1800, check=lambda s: s >= 60, expected="at least 60 seconds"
)
# However active the reseller is, a session ends after this long.
SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
LOGIN_FAILURE_LIMIT = _read(
    "LOGIN_FAILURE_LIMIT", int, 5, check=lambda n: n >= 1, expected="a whole number from 1"
)
# The first pause after LOGIN_FAILURE_LIMIT failures; each failure after a pause doubles it.
LOGIN_LOCK_MINUTES = 15
TOPUP_MAX = _read(
    "TOPUP_MAX", int, 1_000_000, check=lambda n: n >= 1, expected="a whole number from 1"
)
# A top-up of at least this many SMS (or of half the reseller's balance or more) asks for a
# second, explicit confirmation showing the amount in words.
TOPUP_CONFIRM_ABOVE = _read(
    "TOPUP_CONFIRM_ABOVE", int, 10_000, check=lambda n: n >= 1, expected="a whole number from 1"
)
DEFAULT_COUNTRY_CODE = _read(
    "DEFAULT_COUNTRY_CODE",
    str,
    "254",
    check=lambda c: c.isdigit() and 1 <= len(c) <= 3,
    expected="a country calling code of 1 to 3 digits, such as 254 or 256",
)


# --- Keep watch (watch/): the standing credential, the worker, the history -------------------
def _fernet_keys(keys):
    from cryptography.fernet import Fernet

    for key in keys:
        Fernet(key)  # raises ValueError for anything that is not a Fernet key
    return keys


# Keys for the standing credentials a reseller consents to (watch/credential.py): separate from
# SECRET_KEY, so rotating one never touches the other. The first encrypts; all decrypt.
WATCH_KEYS = _read(
    "WATCH_KEYS",
    lambda raw: _fernet_keys(_list(raw)),
    [],
    expected="a comma-separated list of Fernet keys (make run writes one into .env)",
)
WATCH_MINUTES = _read(
    "WATCH_MINUTES", int, 15, check=lambda m: 1 <= m <= 1440, expected="minutes from 1 to 1440"
)
HISTORY_DAYS = _read(
    "HISTORY_DAYS", int, 400, check=lambda d: d >= 14, expected="a whole number of days from 14"
)
# How many resellers one watch round reads at once: each waits on mSpace, not on the CPU.
WATCH_RESELLERS_AT_ONCE = 4
# Bulk top-ups and refills (batches/): how many top-up calls one batch makes at once.
BULK_CONCURRENCY = _read(
    "BULK_CONCURRENCY", int, 4, check=lambda n: 1 <= n <= 16, expected="a whole number from 1 to 16"
)
REDIS_URL = _read(
    "REDIS_URL",
    str,
    None,
    check=lambda url: url.startswith(("redis://", "rediss://", "unix://")),
    expected="a Redis address such as redis://127.0.0.1:6379/0",
)


# --- M-Pesa auto top-up (paybill/) --------------------------------------------------------------
def _networks(raw):
    import ipaddress

    return [ipaddress.ip_network(item, strict=False) for item in _list(raw)]


# Where Daraja's callbacks may come from: addresses or networks (Safaricom publishes its own).
# Empty: any address (the secret in the URL still has to match). The address is read as for
# logins, honouring TRUSTED_PROXY_COUNT.
MPESA_ALLOWED_IPS = _read(
    "MPESA_ALLOWED_IPS",
    _networks,
    [],
    expected="a comma-separated list of addresses or networks such as 196.201.214.0/24",
)


# E-mail (alerts, the alert address's confirmation link): one URL, e.g.
# smtp+tls://user:password@smtp.example.com:587, or consolemail:// (the default: messages are
# printed to the console, which is what `make run` wants).
try:
    globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
except (ValueError, KeyError, environ.ImproperlyConfigured) as exc:
    raise ImproperlyConfigured(
        "EMAIL_URL must be an e-mail URL such as smtp+tls://user:password@host:587 or "
        "consolemail://, but it could not be read."
    ) from exc
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="alerts@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that does not answer must not hold a worker for ever.
EMAIL_TIMEOUT = 10

# --- Django -----------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "languages",
    "messaging",
    "billing",
    "simulator",
    "huey.contrib.djhuey",
    "watch",
    "alerts",
    "batches",
    "paybill",
    "team",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that even answers made before the view (a wrong-host 400) cannot be framed.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the cookie set by the chooser, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Whether this session gave its second factor (team/second_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    # A logged-in person's saved language beats the cookie and the browser.
    "languages.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.GatewayCredentialsMiddleware",
    "mspace_admin.middleware.PrivatePagesMiddleware",
    # Turns a login that the axes backend refused (locked out) into the 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mspace_admin.urls"
WSGI_APPLICATION = "mspace_admin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "messaging.context_processors.header",
                "languages.context_processors.chooser",
                "team.context_processors.role",
            ],
        },
    },
]

try:
    DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
except (ValueError, KeyError, environ.ImproperlyConfigured) as exc:
    raise ImproperlyConfigured(
        "DATABASE_URL must be a database URL such as postgres://user:pass@host/db "
        "or sqlite:////path/to/db.sqlite3."
    ) from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE transactions take the write
    # lock up front so concurrent resellers queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # Keep each thread's connection between requests: opening one (and setting it up) was a
    # tenth of a dashboard's CPU in the profile (bench/README.md). On PostgreSQL the same
    # would hold up to workers x threads connections open, past its default limit of 100:
    # there, use a pooler (pgbouncer) or pass ?conn_max_age=60 in DATABASE_URL knowingly.
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

# The worker's queue (huey, through its Django integration; `manage.py run_huey`). Without
# REDIS_URL it is a SQLite file beside the database: no extra service for one node. With
# several nodes, every worker must share one queue (and its round lock): set REDIS_URL.
_database = DATABASES["default"]
_QUEUE_FILE = (
    Path(_database["NAME"]).with_name("huey.sqlite3")
    if _database["ENGINE"] == "django.db.backends.sqlite3" and _database["NAME"] != ":memory:"
    else BASE_DIR / "huey.sqlite3"
)
HUEY = {
    "name": "mspace-admin",
    # Never run tasks inside a web request, whatever DEBUG says (djhuey's default).
    "immediate": False,
    "results": False,
    # flush_locks: a worker killed mid-round must not leave the round lock held for ever.
    # Two workers: a bulk top-up running for minutes must not hold up the next watch round.
    # max_delay: an idle worker looks at a SQLite queue five times a second (huey's
    # default backs off to 10 s), so a paid M-Pesa notice is taken within a second; the Redis
    # queue blocks on the list and takes it at once.
    "consumer": {
        "workers": 2,
        "worker_type": "thread",
        "periodic": True,
        "flush_locks": True,
        "max_delay": 0.2,
    },
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(_QUEUE_FILE)})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Logging in -----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # axes first: it refuses a locked-out username/address before anyone asks the gateway.
    "axes.backends.AxesStandaloneBackend",
    # Site administrators (createsuperuser) on /admin/; first with get_user(), so it is also
    # the backend the test client's force_login() picks.
    "accounts.backends.SiteAdminBackend",
    # Resellers on /accounts/login/: mSpace decides.
    "accounts.backends.MspaceBackend",
    # Team members on the same form, with their e-mail address and their own password.
    "accounts.backends.TeamMemberBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "messaging:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The second factor (team/second_factor.py): codes from an authenticator app, named after the
# app in it. Wrong codes are throttled like passwords by team.second_factor itself, so
# django-otp's own growing delays are off (they would make one typo wait a second).
OTP_TOTP_ISSUER = "mSpace Reseller Admin"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# A team member's password-reset link works for a day.
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60

# Throttling (accounts/throttle.py explains the rules). Counts live in the database (the
# axes handler below), so every gunicorn worker shares them.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# What failures count against: the canonical username, a device that proved itself, or the
# admin login's own key; never an address (accounts.throttle.throttle_key).
AXES_USERNAME_CALLABLE = "accounts.throttle.throttle_key"
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 warns that a lock without the address can be dodged by rotating user agents or
# cookies. Ours cannot: the count is the username's whatever the user agent, and only a
# device cookie signed by us (earned by logging in) counts apart. Locking by address is
# exactly what let one address lock out a whole carrier's customers (issue 15).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The limit, and the pauses growing after it (accounts.throttle.failure_limit).
AXES_FAILURE_LIMIT = "accounts.throttle.failure_limit"
# How long failures are remembered after a key's last one (the pauses are shorter).
AXES_COOLOFF_TIME = timedelta(days=1)
# A refused attempt during a pause is not counted again: the pause ends when the page says.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Off: the login view forgives only the key that logged in (accounts.throttle.forgive).
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "accounts.throttle.locked_out"  # HTTP 429, plain page, Retry-After
AXES_VERBOSE = False  # our own log lines say what happened, without axes' banner
AXES_SENSITIVE_PARAMETERS = ["password"]
# The address recorded with each login attempt: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT
# proxies of our own in front (nginx, a load balancer) the address the outermost one saw,
# read from X-Forwarded-For. Leave it 0 unless such a proxy exists: the header is forgeable
# otherwise.
TRUSTED_PROXY_COUNT = _read(
    "TRUSTED_PROXY_COUNT",
    int,
    None,
    check=lambda n: 0 <= n <= 5,
    expected="the number of proxies of your own in front of gunicorn, from 0 to 5",
)
if TRUSTED_PROXY_COUNT is None:
    if FORCE_HTTPS:
        # FORCE_HTTPS trusts X-Forwarded-Proto, so a TLS proxy is assumed to stand in front;
        # with 0 every visitor would be recorded as that proxy's address.
        raise ImproperlyConfigured(
            "FORCE_HTTPS is on, so a TLS proxy (nginx, Caddy) is expected in front of "
            "gunicorn: set TRUSTED_PROXY_COUNT to the number of such proxies (1 for one "
            "nginx), or to 0 explicitly if nothing stands in front."
        )
    TRUSTED_PROXY_COUNT = 0
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_address"

# --- Sessions and cookies -------------------------------------------------------------------
# Server-side sessions in the database (never signed cookies): the vault's ciphertext lives
# there, and every gunicorn worker sees a logout at once. Django's database store, keeping
# only a hash of each session key, so a database dump holds no usable `sessionid`.
SESSION_ENGINE = "accounts.sessions"
# The session row expires after SESSION_IDLE_SECONDS untouched; accounts.middleware also
# enforces the idle timeout and SESSION_ABSOLUTE_SECONDS, with a message saying why.
SESSION_COOKIE_AGE = SESSION_IDLE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# The vault's key cookie follows SESSION_COOKIE_SECURE too.
SESSION_COOKIE_SECURE = FORCE_HTTPS
CSRF_COOKIE_SECURE = FORCE_HTTPS

# --- Security headers -----------------------------------------------------------------------
SECURE_SSL_REDIRECT = FORCE_HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if FORCE_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = FORCE_HTTPS
SECURE_HSTS_PRELOAD = FORCE_HTTPS
if FORCE_HTTPS:
    # The TLS proxy in front of gunicorn says which scheme the browser used.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Caches ---------------------------------------------------------------------------------
# Each worker keeps its own copy of what the gateway said (see messaging/reads.py for why the
# ledger, not the cache, decides when a copy is stale).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Languages, dates and numbers -----------------------------------------------------------
# English is the default (and what a browser asking for neither gets); Kiswahili is offered
# everywhere. locale/GLOSSARY.md keeps the Kiswahili terms consistent; languages/catalog.py
# extracts and compiles the catalogues with Babel, so no system gettext is needed.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sw", "Kiswahili")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates, times and numbers as each language writes them (mspace_admin/formats/<code>/).
FORMAT_MODULE_PATH = ["mspace_admin.formats"]
# The chooser's cookie keeps the choice on the login page; a logged-in person's choice is
# saved with them (languages.models.LanguageChoice).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = FORCE_HTTPS


def _time_zone(name):
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    return name


TIME_ZONE = _read(
    "TIME_ZONE",
    _time_zone,
    "Africa/Nairobi",
    expected="a time zone name such as Africa/Nairobi or Africa/Kampala",
)
USE_TZ = True
# Numbers are grouped where shown (the humanize filter), never in URLs or form values.
USE_THOUSAND_SEPARATOR = False

ADMINS = []  # no e-mails: errors go to the console log, where the password filter runs

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_passwords": {"()": "mspace_admin.logging.MaskGatewayPasswords"},
    },
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["mask_passwords"],
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "urllib3": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The worker's own lines (run_huey) go through the masking console handler too.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
