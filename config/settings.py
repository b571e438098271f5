"""Chatrooms settings.

Everything that differs between a laptop and Heroku comes from the environment.
With no variables set the app runs locally: DEBUG on, SQLite, the in-memory
channel layer and a development secret key. With ``DJANGO_DEBUG=0`` it refuses to
start unless ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` are set.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.email_options import email_settings, email_url_from_env
from config.redis_options import caches_for, channel_layers_for

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# ---------------------------------------------------------------------------
# Core
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
# ---------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", True)

if DEBUG:
    SECRET_KEY = os.environ.get(
        "DJANGO_SECRET_KEY", "django-insecure-local-development-key-never-used-in-production"
    )
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or ["localhost", "127.0.0.1", "[::1]"]
else:
    SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0.")
    if "*" in ALLOWED_HOSTS:
        # The websocket Origin check reuses ALLOWED_HOSTS: "*" would accept any site.
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS may not contain '*' in production.")

# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-trusted-origins
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",  # first, so runserver serves ASGI (websockets included)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "tailwind",
    "theme",
    "allauth",
    "allauth.account",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "users",
    "rooms",
    "search",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "users.middleware.time_zone_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "users.middleware.HtmxLoginRedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: SQLite by default, DATABASE_URL (Heroku Postgres) when set.
# Under ASGI persistent connections leak across threads, so CONN_MAX_AGE is 0.
# https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
# ---------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0,
        conn_health_checks=True,
    )
}
# A PostgreSQL connection pool (psycopg-pool): with CONN_MAX_AGE at 0, every database hop
# of a consumer would otherwise open a new connection (half the cost of a message, and
# most of a websocket handshake, in docs/performance.md). On in production; DJANGO_DB_POOL
# overrides. Heroku's smallest Postgres allows 20 connections: size the pool per dyno.
# https://docs.djangoproject.com/en/5.2/ref/databases/#connection-pool
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DJANGO_DB_POOL", not DEBUG
):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env_int("DJANGO_DB_POOL_SIZE", 8),
        "timeout": 10,
    }
    # Every process may fill its pool: processes × size, plus the release phase and a
    # `heroku run` shell, must fit the plan's limit (essential-0: 20). Known only if told.
    DB_CONNECTION_LIMIT = env_int("DJANGO_DB_CONNECTION_LIMIT", 0)
    DB_PROCESSES = env_int("DJANGO_DB_PROCESSES", 1)  # web dynos + worker dynos
    DB_RESERVED_CONNECTIONS = 2
    _pool_size = DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    _needed = DB_PROCESSES * _pool_size + DB_RESERVED_CONNECTIONS
    if DB_CONNECTION_LIMIT and _needed > DB_CONNECTION_LIMIT:
        raise ImproperlyConfigured(
            f"{DB_PROCESSES} processes x DJANGO_DB_POOL_SIZE={_pool_size} + "
            f"{DB_RESERVED_CONNECTIONS} reserved = {_needed} database connections, over "
            f"DJANGO_DB_CONNECTION_LIMIT={DB_CONNECTION_LIMIT}: set DJANGO_DB_POOL_SIZE to "
            f"{max(1, (DB_CONNECTION_LIMIT - DB_RESERVED_CONNECTIONS) // DB_PROCESSES)} or less."
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the single writer thread work side by side; IMMEDIATE takes
    # the write lock at BEGIN, so concurrent writers queue instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
# Tests: a file (not :memory:) so live Daphne servers share it, named per test run so
# two runs on one machine never share a database.
_test_run = os.environ.get("CHAT_TEST_RUN_ID", str(os.getpid()))
DATABASES["default"]["TEST"] = {
    "NAME": (
        str(Path(tempfile.gettempdir()) / f"chatrooms-test-{_test_run}.sqlite3")
        if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
        else f"test_chatrooms_{_test_run}"
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"

# ---------------------------------------------------------------------------
# Redis: channel layer, cache (rate limits) and presence share REDIS_URL.
# Heroku Redis speaks rediss:// with a self-signed certificate.
# https://channels.readthedocs.io/en/stable/topics/channel_layers.html
# ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()


CHANNEL_LAYER_KIND = os.environ.get("CHANNEL_LAYER", "pubsub").strip() or "pubsub"
CHANNEL_LAYERS = channel_layers_for(
    REDIS_URL, kind=CHANNEL_LAYER_KIND, max_connections=env_int("REDIS_MAX_CONNECTIONS", 1000)
)
CACHES = caches_for(REDIS_URL)

# ---------------------------------------------------------------------------
# Authentication: django-allauth, username + password, email optional.
# https://docs.allauth.org/en/latest/account/configuration.html
# ---------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
# An address is optional at sign-up; notification email goes only to a verified one.
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = True
ACCOUNT_USERNAME_MIN_LENGTH = 2
ACCOUNT_ADAPTER = "users.adapter.AccountAdapter"
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "rooms:list"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
# Heroku's router appends the real client address as the rightmost X-Forwarded-For entry;
# anything to its left was written by the client and is never trusted.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ALLAUTH_TRUSTED_PROXY_COUNT", 0 if DEBUG else 1)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
}

# ---------------------------------------------------------------------------
# Email: EMAIL_URL (smtp://user:pass@host:587, console:), or Heroku's Mailgun add-on
# variables; printed to the console when neither is set.
# https://docs.djangoproject.com/en/5.2/topics/email/
# ---------------------------------------------------------------------------
EMAIL_URL = email_url_from_env(os.environ)
_email = email_settings(EMAIL_URL)
EMAIL_BACKEND = str(_email["EMAIL_BACKEND"])
EMAIL_HOST = str(_email.get("EMAIL_HOST", "localhost"))
EMAIL_PORT = int(_email.get("EMAIL_PORT") or 25)  # type: ignore[call-overload]
EMAIL_HOST_USER = str(_email["EMAIL_HOST_USER"])
EMAIL_HOST_PASSWORD = str(_email["EMAIL_HOST_PASSWORD"])
EMAIL_USE_TLS = bool(_email["EMAIL_USE_TLS"])
EMAIL_USE_SSL = bool(_email["EMAIL_USE_SSL"])
EMAIL_TIMEOUT = _email["EMAIL_TIMEOUT"]
if "EMAIL_FILE_PATH" in _email:
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "Chatrooms <chatrooms@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in email are absolute: the site's address as its readers reach it.
CHAT_SITE_URL = (
    os.environ.get("CHAT_SITE_URL", "").strip().rstrip("/")
    or (f"https://{ALLOWED_HOSTS[0]}" if not DEBUG else "http://127.0.0.1:8000")
)
# "Forgot your password?" promises an email: offered locally (the console shows it) and
# wherever a real email backend is configured, never in production without one.
PASSWORD_RESET_AVAILABLE = env_bool(
    "DJANGO_PASSWORD_RESET",
    DEBUG or EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend",
)

# ---------------------------------------------------------------------------
# Background tasks: Django's tasks API (the django-tasks backport) with the database
# backend, on the database we already run. `python manage.py chat_worker` (the
# Procfile's `worker`) runs them; `make run` starts one beside Daphne.
# https://docs.djangoproject.com/en/6.0/topics/tasks/
# ---------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# ---------------------------------------------------------------------------
# Notifications: email about mentions and direct messages not read within the delay.
# ---------------------------------------------------------------------------
CHAT_NOTIFY_DELAY = env_int("CHAT_NOTIFY_DELAY", 120)
# The worker also looks for due batches every SWEEP seconds (a task lost with a killed
# worker, or failed on a database error, is retried then).
CHAT_NOTIFY_SWEEP = env_int("CHAT_NOTIFY_SWEEP", 60)
# How long an unsubscribe link in an email keeps working (seconds; default 60 days).
CHAT_UNSUBSCRIBE_MAX_AGE = env_int("CHAT_UNSUBSCRIBE_MAX_AGE", 60 * 60 * 24 * 60)

# ---------------------------------------------------------------------------
# Chat limits
# ---------------------------------------------------------------------------
CHAT_MESSAGE_MAX_LENGTH = 2000
CHAT_PAGE_SIZE = 50
# Per-user message rate: RATE messages per WINDOW seconds (shared through the cache).
CHAT_RATE_LIMIT = env_int("CHAT_RATE_LIMIT", 10)
CHAT_RATE_WINDOW = env_int("CHAT_RATE_WINDOW", 10)
# Per-user creation rate of rooms and conversations together: LIMIT per WINDOW seconds.
CHAT_ROOM_CREATE_LIMIT = env_int("CHAT_ROOM_CREATE_LIMIT", 5)
CHAT_ROOM_CREATE_WINDOW = env_int("CHAT_ROOM_CREATE_WINDOW", 60)
# Presence: a connection heartbeats every INTERVAL seconds and is online for TTL seconds after.
CHAT_PRESENCE_INTERVAL = env_int("CHAT_PRESENCE_INTERVAL", 15)
CHAT_PRESENCE_TTL = env_int("CHAT_PRESENCE_TTL", 40)
# Catch-up: more missed changes than this and the client gets the latest page instead
# (one page of 50: every frame we send stays far below Daphne's message size cap).
CHAT_CATCHUP_LIMIT = 50
# Largest websocket frame the consumer looks at (Daphne's own cap is set in the Procfile).
CHAT_MAX_FRAME_BYTES = 16 * 1024
# Largest frame the consumer sends. Daphne's --websocket-max-message-size (Procfile) also
# caps outgoing frames: a catch-up bigger than this is sent as a smaller page instead.
CHAT_MAX_SENT_FRAME_BYTES = 512 * 1024
# Websocket handshakes in progress at once per process; more are refused at once and
# the browser retries (config/admission.py). Admitted handshakes must finish well inside
# Daphne's 5 s connect timeout even on a slow dyno.
CHAT_HANDSHAKE_LIMIT = env_int("CHAT_HANDSHAKE_LIMIT", 16)
# Handshakes beyond the limit wait in line (at most QUEUE of them, each at most WAIT
# seconds, which leaves the rest of Daphne's 5 s for the work); beyond that, refused.
CHAT_HANDSHAKE_QUEUE = env_int("CHAT_HANDSHAKE_QUEUE", 100)
CHAT_HANDSHAKE_WAIT = env_float("CHAT_HANDSHAKE_WAIT", 2.0)
# Read state: each process writes what its open room sockets have shown once per this
# many seconds (and a socket's own position when it closes). A crash loses at most this.
CHAT_READ_FLUSH_INTERVAL = env_float("CHAT_READ_FLUSH_INTERVAL", 3.0)
# Typing: "alice is typing…" lasts this long after her latest typing frame (clients send
# at most one every 3 s while typing), and a socket's typing frames closer together than
# CHAT_TYPING_MIN_GAP are ignored.
CHAT_TYPING_TTL = env_float("CHAT_TYPING_TTL", 5.0)
CHAT_TYPING_MIN_GAP = 2.0

# ---------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static files: WhiteNoise serves them under Daphne, in development and on Heroku.
# https://whitenoise.readthedocs.io/en/stable/django.html
# ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", "") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (local runs, tests) WhiteNoise finds files through the finders.
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
WHITENOISE_AUTOREFRESH = DEBUG
# Files served at the site root: /favicon.ico, which browsers ask for on their own.
WHITENOISE_ROOT = BASE_DIR / "theme" / "root"

TAILWIND_APP_NAME = "theme"

# ---------------------------------------------------------------------------
# Security headers. Production values follow `manage.py check --deploy`.
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# ---------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy: our own scripts and styles only; the one inline style block
# (who may edit what) carries a per-request nonce. htmx runs with eval disabled.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    },
}

# ---------------------------------------------------------------------------
# Logging: one line per event to stdout (Heroku's log router collects it).
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "daphne": {"level": "WARNING"},
        "django.channels.server": {"level": "WARNING"},
    },
}
