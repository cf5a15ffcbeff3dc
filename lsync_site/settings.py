"""Settings, read from the environment (and an optional ``.env``) through django-environ.

Every variable is documented in ``.env.example`` and the README.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

VAR_DIR = Path(env.str("LSYNC_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("LSYNC_DEBUG", default=False)
# The demo (``make demo``) and the test settings set this; nothing else may.
LSYNC_DEMO = env.bool("LSYNC_DEMO", default=False)


if LSYNC_DEMO:
    # Everything the demo writes (keys, the SQLite database, the sandbox CA) is its owner's
    # alone: every demo process imports these settings before it creates a file.
    os.umask(0o077)


def _demo_secret(name: str) -> str:
    """A random value kept under var/ so that the demo survives restarts."""
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created owner-only: a write-then-chmod would leave the key readable for a moment.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _required_secret(var: str, demo_file: str) -> str:
    value = env.str(var, default="")
    if value:
        return value
    if LSYNC_DEMO:
        return _demo_secret(demo_file)
    raise ImproperlyConfigured(
        f"{var} is not set. Generate one with "
        "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` "
        "and put it in the environment or in .env (see .env.example)."
    )


SECRET_KEY = _required_secret("LSYNC_SECRET_KEY", "demo-secret-key")
# Secrets at rest are encrypted under their own key, never under SECRET_KEY, so that
# rotating the session signing key does not make stored credentials unreadable.
LSYNC_ENCRYPTION_KEY = _required_secret("LSYNC_ENCRYPTION_KEY", "demo-encryption-key")
CRYPTOGRAPHY_KEY = LSYNC_ENCRYPTION_KEY

ALLOWED_HOSTS = env.list("LSYNC_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("LSYNC_CSRF_TRUSTED_ORIGINS", default=[])
LSYNC_HTTPS = env.bool("LSYNC_HTTPS", default=False)
SESSION_COOKIE_SECURE = LSYNC_HTTPS
CSRF_COOKIE_SECURE = LSYNC_HTTPS
# Served over HTTPS: plain HTTP is redirected and browsers are told never to use it again.
SECURE_SSL_REDIRECT = LSYNC_HTTPS
# Load balancers often probe plain HTTP behind the TLS terminator.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("LSYNC_HSTS_SECONDS", default=31536000) if LSYNC_HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("LSYNC_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("LSYNC_HSTS_PRELOAD", default=True)
if env.bool("LSYNC_BEHIND_PROXY", default=False):
    # The proxy terminates TLS; without this the HTTPS redirect would loop.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "axes",
    "lsync_site",
    "connections",
    "mappings",
    "syncengine",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "lsync_site.middleware.NoStoreMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "lsync_site.urls"
WSGI_APPLICATION = "lsync_site.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lsync.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The dispatcher and the web server write at the same time; wait instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # WAL lets readers (the pages) go on while a worker writes; with it, synchronous=NORMAL
    # syncs the disk at checkpoints instead of at every commit, which stays consistent after a
    # crash (a power cut may lose the last commits, which the next run redoes).
    DATABASES["default"]["OPTIONS"]["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
# Workers and the dispatcher keep their connection between tasks instead of reconnecting for
# every task (django-q2 closes connections older than this around each one); a connection that
# broke meanwhile is noticed and replaced.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("LSYNC_DB_CONN_MAX_AGE", default=600)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
# The start page sends each user to the first page they may open (/setup/ or /status/).
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

# Uploads (PEM keys, Google JSON keys) are small; anything bigger is refused before
# Django buffers it. The forms check their own, tighter limits and name the field.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- failed logins (django-axes) -------------------------------------------------------
# Every failed login is logged. Failures are counted per user name and, separately, per
# address; at the limit that user name or address is locked out, for longer each time it
# keeps failing (lsync_site.login_guard.cool_off), up to an hour.
AXES_FAILURE_LIMIT = env.int("LSYNC_LOGIN_FAILURE_LIMIT", default=5)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = "lsync_site.login_guard.cool_off"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_RESET_ON_SUCCESS = True
# Logs name the user name and address of each failure; passwords are always masked.
AXES_SENSITIVE_PARAMETERS: list[str] = []
# The lockout page says the real count and the real wait left (login_guard.locked_out); tries
# during a lockout are refused without being recorded, so they cannot prolong it.
AXES_LOCKOUT_CALLABLE = "lsync_site.login_guard.locked_out"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Behind a reverse proxy, the client's address is in X-Forwarded-For (set LSYNC_BEHIND_PROXY).
AXES_IPWARE_PROXY_COUNT = 1 if env.bool("LSYNC_BEHIND_PROXY", default=False) else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if env.bool("LSYNC_BEHIND_PROXY", default=False)
    else ["REMOTE_ADDR"]
)

# --- Content-Security-Policy (django-csp; Django 5.2 has none of its own) ---------------
# No inline script and no inline style anywhere: scripts are static files.
_CONSENT_ORIGIN = "{0.scheme}://{0.netloc}".format(
    urlsplit(env.str("LSYNC_MICROSOFT_LOGIN_URL", default="https://login.microsoftonline.com"))
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        # The Microsoft 365 consent button posts here and is redirected to Microsoft.
        "form-action": ["'self'", _CONSENT_ORIGIN],
    }
}

# --- django-q2 -----------------------------------------------------------------------
LSYNC_TASK_TIMEOUT = env.int("LSYNC_TASK_TIMEOUT", default=600)
# Seconds between two syncs of one user (grows by a minute per 100 enrolled users, up to 1 h).
LSYNC_SYNC_INTERVAL_SECONDS = env.int("LSYNC_SYNC_INTERVAL_SECONDS", default=300)
# The Salesforce change feed (docs/change-feed.md): read once per org and kind as the integration
# user; a user's run reads Salesforce only when the feed saw a change of theirs, or daily.
LSYNC_CHANGE_FEED = env.bool("LSYNC_CHANGE_FEED", default=True)
LSYNC_SALESFORCE_FEED_USER = env.str("LSYNC_SALESFORCE_FEED_USER", default="")
LSYNC_RECONCILE_SECONDS = env.int("LSYNC_RECONCILE_SECONDS", default=86400)
# Bearer token a Prometheus scraper sends to /metrics/ (blank: signed-in users with the
# "view sync status" permission only).
LSYNC_METRICS_TOKEN = env.str("LSYNC_METRICS_TOKEN", default="")
# The providers, by dotted path of their class (see docs/architecture.md): exactly one Salesforce
# provider and any number of mail providers. Adding a provider is one folder and one line here.
LSYNC_PROVIDERS = [
    "connections.providers.salesforce.provider.SalesforceProvider",
    "connections.providers.microsoft.provider.Microsoft365Provider",
    "connections.providers.google.provider.GoogleProvider",
    "connections.providers.exchange.provider.ExchangeProvider",
    "connections.providers.caldav.provider.CalDavProvider",
]
# Which stores the engine syncs through: a key of syncengine.registry.BACKENDS ("providers": the
# registered providers; "memory": in-memory stores).
LSYNC_STORE_BACKEND = env.str("LSYNC_STORE_BACKEND", default="providers")
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER: dict[str, Any] = {
    "name": "lsync",
    "workers": env.int("LSYNC_Q_WORKERS", default=2),
    "timeout": LSYNC_TASK_TIMEOUT,
    # django-q2 hands a task to another worker once it has run for `retry` seconds,
    # so retry must stay above timeout or a slow sync would run twice.
    "retry": LSYNC_TASK_TIMEOUT + 120,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "label": "Tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- provider endpoints (overridable for sovereign clouds and for the sandbox) -------------
LSYNC_SALESFORCE_LOGIN_URL = env.str(
    "LSYNC_SALESFORCE_LOGIN_URL", default="https://login.salesforce.com"
)
# A custom Contact e-mail field for a contact's second address (e.g. Secondary_Email__c); blank:
# Salesforce keeps one e-mail per contact.
LSYNC_SALESFORCE_SECOND_EMAIL_FIELD = env.str("LSYNC_SALESFORCE_SECOND_EMAIL_FIELD", default="")
# The Salesforce user lsync reads users and profiles as (enrollment, assignment search).
LSYNC_SALESFORCE_DIRECTORY_USER = env.str("LSYNC_SALESFORCE_DIRECTORY_USER", default="")
LSYNC_MICROSOFT_LOGIN_URL = env.str(
    "LSYNC_MICROSOFT_LOGIN_URL", default="https://login.microsoftonline.com"
)
LSYNC_GRAPH_URL = env.str("LSYNC_GRAPH_URL", default="https://graph.microsoft.com/v1.0")
LSYNC_GOOGLE_TOKEN_URI = env.str(
    "LSYNC_GOOGLE_TOKEN_URI", default="https://oauth2.googleapis.com/token"
)
LSYNC_GOOGLE_PEOPLE_URL = env.str(
    "LSYNC_GOOGLE_PEOPLE_URL", default="https://people.googleapis.com"
)
LSYNC_GOOGLE_CALENDAR_URL = env.str(
    "LSYNC_GOOGLE_CALENDAR_URL", default="https://www.googleapis.com/calendar/v3"
)
LSYNC_GOOGLE_BATCH_URL = env.str(
    "LSYNC_GOOGLE_BATCH_URL", default="https://www.googleapis.com/batch/calendar/v3"
)
LSYNC_EWS_URL = env.str("LSYNC_EWS_URL", default="")
# Only `make demo` sets it: the sandbox's CalDAV server (a CalDAV connection keeps its URL in its
# row, so no product setting names one).
LSYNC_DEMO_CALDAV_URL = env.str("LSYNC_DEMO_CALDAV_URL", default="")
LSYNC_CA_BUNDLE = env.str("LSYNC_CA_BUNDLE", default="")
LSYNC_HTTP_TIMEOUT = env.float("LSYNC_HTTP_TIMEOUT", default=30.0)
LSYNC_HTTPS_PROXY = env.str("LSYNC_HTTPS_PROXY", default="")

# The Microsoft 365 app registration that admins consent to.
LSYNC_MICROSOFT_CLIENT_ID = env.str("LSYNC_MICROSOFT_CLIENT_ID", default="")
LSYNC_MICROSOFT_CLIENT_SECRET = env.str("LSYNC_MICROSOFT_CLIENT_SECRET", default="")
LSYNC_MICROSOFT_CERT_PATH = env.str("LSYNC_MICROSOFT_CERT_PATH", default="")
LSYNC_MICROSOFT_CERT_THUMBPRINT = env.str("LSYNC_MICROSOFT_CERT_THUMBPRINT", default="")
# Where Microsoft sends the admin back after consent; derived from the request when blank.
LSYNC_PUBLIC_URL = env.str("LSYNC_PUBLIC_URL", default="")
# Exchange on-premises: how often each user's EWS pull subscription is asked for events
# (GetEvents; the schedule runs every minute, so at least 60); 0 turns them off (polling only).
LSYNC_EXCHANGE_PULL_SECONDS = env.int("LSYNC_EXCHANGE_PULL_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "lsync_site.logging.RedactSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LSYNC_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "msal": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
    },
}
