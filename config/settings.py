"""Chatrooms settings.

Everything that differs between a laptop and Heroku comes from the environment.
With no variables set the app runs locally: DEBUG on, SQLite, the in-memory
channel layer and a development secret key. With ``DJANGO_DEBUG=0`` it refuses to
start unless ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` are set.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.database_options import databases_for
from config.email_options import email_settings, email_url_from_env
from config.env import env_bool, env_int, env_list
from config.redis_options import caches_for, channel_layers_for
from config.site_options import content_security_policy, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

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
# Database: SQLite by default, DATABASE_URL (Heroku Postgres) when set; the pool and its
# fit with the plan's connection limit (config/database_options.py).
# ---------------------------------------------------------------------------
DATABASES = databases_for(debug=DEBUG, base_dir=BASE_DIR)

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
from config.account_settings import *  # noqa: E402, F403

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
# The product's own limits and timings (CHAT_*): config/chat_limits.py.
# ---------------------------------------------------------------------------
from config.chat_limits import *  # noqa: E402, F403

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

# Content-Security-Policy: our own scripts and styles only (config/site_options.py).
CONTENT_SECURITY_POLICY = content_security_policy()

# ---------------------------------------------------------------------------
# Logging: one line per event to stdout (Heroku's log router collects it).
# ---------------------------------------------------------------------------
LOGGING = logging_config()
