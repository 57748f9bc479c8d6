"""Settings for Samhandling 0-24, read from the environment.

Every value that differs between a laptop, CI and production comes from an environment
variable; the defaults are the safe production ones (DEBUG off, HTTPS on, 2FA on, demo off).
`make run` and the test configuration switch on what they need explicitly.
"""

import importlib.util
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[3]
SOURCE_DIR = BASE_DIR / "src" / "samhandling"
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DEBUG", False)
DEMO_MODE = env_flag("DEMO_MODE", False)
HTTPS = env_flag("HTTPS", True)
REQUIRE_2FA = env_flag("REQUIRE_2FA", not DEMO_MODE)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "debug-only-insecure-key"  # noqa: S105 - only reachable with DEBUG on

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "samhandling.accounts",
    "samhandling.organisations",
    "samhandling.people",
    "samhandling.access",
    "samhandling.coordination",
    "samhandling.portal",
    "samhandling.insight",
    "samhandling.catalogue",
    "samhandling.audit",
    "samhandling.operations",
    "samhandling.retention",
    "samhandling.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "template_partials",
    "csp",
    "ninja",  # the API docs' static files, served from here (no CDN)
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "samhandling.audit.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database that does not answer: 503 with Retry-After, not a 500 (config/unavailable.py).
    "samhandling.config.unavailable.DatabaseUnavailableMiddleware",
    # A request's audit events appended together at its end (audit/middleware.py).
    "samhandling.audit.middleware.AuditBatchMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "samhandling.config.locale.LanguageChoiceMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "samhandling.accounts.middleware.SessionLimitsMiddleware",
    "samhandling.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "samhandling.config.urls"
WSGI_APPLICATION = "samhandling.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

# Widgets render through Jinja2: the same HTML as Django's widget templates, several times faster
# (a case page renders about 90 widgets; bench/README.md).
FORM_RENDERER = "django.forms.renderers.Jinja2"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SOURCE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                # First: what the request read goes to the audit chain while the page renders.
                "samhandling.audit.context_processors.reads_sent_ahead",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "samhandling.organisations.context_processors.actor",
                "samhandling.config.navigation.navigation",
            ],
            "libraries": {"pages": "samhandling.config.pages"},
        },
    },
    # The body of the busiest pages, included by `{% jinja_body %}` (decision 0006): the
    # templates under each app's jinja2/ folder, and the layout's header (jinja2/layout).
    {
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [SOURCE_DIR / "jinja2"],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "samhandling.config.jinja.environment"},
    },
]

# Database: SQLite under var/ unless DATABASE_URL names another (e.g. postgres://...).
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'samhandling.sqlite3'}")


POSTGRESQL_ENGINE = "samhandling.config.postgresql"


def _postgresql(database: Any) -> None:  # a dj_database_url DBConfig
    """How every PostgreSQL connection (the primary's and a replica's) is set up."""
    options = database.setdefault("OPTIONS", {})
    # The values travel apart from the SQL (server-side binding), and a statement a connection
    # has sent five times is prepared: PostgreSQL plans it once instead of on every request.
    # The policy's filters made planning about half of My work's SQL time (bench/README.md).
    # DATABASE_PREPARED_STATEMENTS=off for a pooler that cannot keep them (docs/scaling.md).
    options.setdefault("server_side_binding", True)
    if os.environ.get("DATABASE_PREPARED_STATEMENTS", "on") != "off":
        options.setdefault("prepare_threshold", 5)
    database["CONN_HEALTH_CHECKS"] = True
    # Django's backend, whose health check looks at the socket before it asks the server
    # (config/postgresql/base.py).
    database["ENGINE"] = POSTGRESQL_ENGINE
    # A choice field's options are read with .iterator(), which on PostgreSQL would declare a
    # server-side cursor: three round trips instead of one for a few dozen rows, and a cursor
    # that a transaction-pooling connection pooler (PgBouncer) cannot keep.
    database["DISABLE_SERVER_SIDE_CURSORS"] = True


def _conn_max_age() -> int | None:
    """How long a process keeps a database connection, in seconds; "persistent" (the default):
    as long as it answers (CONN_HEALTH_CHECKS). A connection made again loses what the old one
    had prepared and a new PostgreSQL backend reads its catalogue again: with 60 s, each
    worker did that every minute and served a page's first five requests unprepared (about
    6 ms more for My work; bench/RESULTS.md)."""
    value = os.environ.get("DATABASE_CONN_MAX_AGE", "persistent")
    if value == "persistent":
        return None
    try:
        seconds = int(value)
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise ImproperlyConfigured(
            'DATABASE_CONN_MAX_AGE is "persistent" or a whole number of seconds (0: a new '
            f"connection for each request), not {value!r}."
        )
    return seconds


DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=_conn_max_age())}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
    # start of a transaction, so concurrent writers wait (busy timeout) instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file too (not :memory:), so that WAL and concurrent writers are exercised;
    # one per process, so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    _postgresql(DATABASES["default"])
# Reads that may use a replica (config/routers.py, docs/scaling.md): a PostgreSQL standby of
# the default database. Without DATABASE_REPLICA_URL there is one database and no router.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=_conn_max_age())
    parsed = (DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"])
    if parsed != (POSTGRESQL_ENGINE, "django.db.backends.postgresql"):  # the default's is ours
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL names a PostgreSQL standby of a PostgreSQL DATABASE_URL."
        )
    _postgresql(DATABASES["replica"])
    # Reads only, even if the address should lead to the primary.
    DATABASES["replica"]["OPTIONS"].setdefault("options", "-c default_transaction_read_only=on")
    # A standby takes no test database: tests read the default one through this alias.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["samhandling.config.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock-out: this many failed sign-ins for one username within the window locks it for the window.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))


# --- Rate limits (samhandling.config.ratelimit, docs/security-findings.md) -------------------
def env_rate(name: str, default: str) -> str:
    """A rate limit: "count/seconds" (a window of at most an hour), or "off"."""
    value = os.environ.get(name, default)
    count, _slash, seconds = value.partition("/")
    if value != "off" and not (count.isdigit() and seconds.isdigit() and 0 < int(seconds) <= 3600):
        raise ImproperlyConfigured(f"{name} must be count/seconds (at most 3600) or off.")
    return value


# Failed sign-ins per client address, person searches (page and API) per user, and public
# searches (knowledge base and catalogue, with a query) per client address.
RATE_LIMITS = {
    "sign_in": env_rate("RATE_LIMIT_SIGN_IN", "30/300"),
    "person_search": env_rate("RATE_LIMIT_PERSON_SEARCH", "60/60"),
    "public_search": env_rate("RATE_LIMIT_PUBLIC_SEARCH", "120/60"),
}
# How many reverse proxies in front of the application append to X-Forwarded-For; the client
# address is the entry that many places from the right (0: the connection's own address).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
# The counters live in a cache shared by every process: the database's (the table is created
# by the accounts app's migrations), or Redis when REDIS_URL is set (needs the redis package).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and importlib.util.find_spec("redis") is None:
    raise ImproperlyConfigured("REDIS_URL is set, but the redis package is not installed.")
# Every call of a compiled query (config/compiled.py, decision 0007) also compiled the Django
# way and compared: on in the test suite (tests/conftest.py), off in production (it would undo
# the saving).
COMPILED_QUERIES_VERIFY = False

RATE_LIMIT_CACHE = "ratelimit"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    RATE_LIMIT_CACHE: {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "samhandling",
        "TIMEOUT": 3600,
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "samhandling_rate_limit",
        "TIMEOUT": 3600,  # at least the longest window
        "OPTIONS": {"MAX_ENTRIES": 100_000, "CULL_FREQUENCY": 10},
    },
}

# --- Citizen sign-in with ID-porten (OpenID Connect, samhandling.accounts.oidc) -------------
# Professionals sign in with a password (and a second factor); children, youth and guardians
# sign in with ID-porten. The values come from the provider's /.well-known/openid-configuration
# (docs/operations.md). OIDC is on only when the client and the provider are fully configured;
# a partial configuration is an error, not a silent fallback. The empty defaults keep
# mozilla-django-oidc's backend importable (and password sign-in working) while it is off.
AUTHENTICATION_BACKENDS = [
    # Django's ModelBackend, with the user of each request read by a compiled query.
    "samhandling.accounts.backends.ModelBackend",
    "samhandling.accounts.oidc.CitizenOIDCBackend",
]
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = os.environ.get("OIDC_OP_ISSUER", "")  # must equal the ID token's `iss`
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")  # optional
# The lowest level of assurance accepted in the ID token's `acr` (idporten-loa-high is always
# accepted too); set it to the empty string to accept any level.
OIDC_REQUIRED_ACR = os.environ.get("OIDC_REQUIRED_ACR", "idporten-loa-substantial")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid profile")
_OIDC_REQUIRED = {
    "OIDC_RP_CLIENT_ID": OIDC_RP_CLIENT_ID,
    "OIDC_RP_CLIENT_SECRET": OIDC_RP_CLIENT_SECRET,
    "OIDC_OP_ISSUER": OIDC_OP_ISSUER,
    "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
    "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
    "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
}
OIDC_ENABLED = all(_OIDC_REQUIRED.values())
if any(_OIDC_REQUIRED.values()) and not OIDC_ENABLED:
    _missing = ", ".join(name for name, value in _OIDC_REQUIRED.items() if not value)
    raise ImproperlyConfigured(f"ID-porten sign-in is partly configured; also set {_missing}.")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_CREATE_USER = True
OIDC_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT", "10"))  # seconds, per call to the provider
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc:callback"
# --- end of citizen sign-in ---------------------------------------------------------------

# Sessions end after 15 minutes idle and 12 hours in all.
# Django's database sessions, read by a compiled query (accounts/sessions.py).
SESSION_ENGINE = "samhandling.accounts.sessions"
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", str(15 * 60)))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS: list[str] = []

# A strict Content-Security-Policy: no inline script or style, nothing from other origins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LOCALE_PATHS = [SOURCE_DIR / "locale"]
FORMAT_MODULE_PATH = ["samhandling.config.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    SOURCE_DIR / "static",
    ("vendor/designsystemet", BASE_DIR / "node_modules/@digdir/designsystemet-css/dist"),
    ("vendor/htmx", BASE_DIR / "node_modules/htmx.org/dist"),
    ("vendor/inter", BASE_DIR / "node_modules/@fontsource-variable/inter"),
    # Charts on the knowledge pages (vega-embed's build bundles vega-interpreter).
    ("vendor/vega", BASE_DIR / "node_modules/vega/build"),
    ("vendor/vega-lite", BASE_DIR / "node_modules/vega-lite/build"),
    ("vendor/vega-embed", BASE_DIR / "node_modules/vega-embed/build"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # WhiteNoise's compressed manifest storage, each URL worked out once (config/static.py)
        "BACKEND": "samhandling.config.static.ManifestStaticStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The audit chain's head is written here on a schedule, outside the database.
AUDIT_CHECKPOINT_PATH = Path(
    os.environ.get("AUDIT_CHECKPOINT_PATH", VAR_DIR / "audit-checkpoint.json")
)
AUDIT_CHECKPOINT_INTERVAL_SECONDS = int(os.environ.get("AUDIT_CHECKPOINT_INTERVAL_SECONDS", "300"))

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEMO_MODE
    else "django.core.mail.backends.smtp.EmailBackend",
)

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "samhandling.audit.logging.RedactPersonalData"}},
    "formatters": {"json": {"()": "samhandling.audit.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# Periodic tasks enqueued by `manage.py run_scheduler`: (task path, interval in seconds).
SCHEDULE = [
    ("samhandling.audit.tasks.write_audit_checkpoint", AUDIT_CHECKPOINT_INTERVAL_SECONDS),
    ("samhandling.coordination.tasks.daily_reminders", 24 * 3600),
    ("samhandling.portal.tasks.remove_expired_exports", 3600),
    ("samhandling.insight.tasks.compute_aggregates", 24 * 3600),
]

# A citizen's data export can be downloaded for this long, then its content is deleted.
DATA_EXPORT_TTL_HOURS = int(os.environ.get("DATA_EXPORT_TTL_HOURS", "72"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "samhandling@localhost")

# --- Retention (samhandling.retention; docs/operations.md "Retention") ----------------------
# How long each kind of record is kept, in days. `manage.py apply_retention --dry-run` lists
# what would go at any time; the daily task that deletes runs only with RETENTION_ENABLED=true,
# so that a deployment decides consciously.
RETENTION_ENABLED = env_flag("RETENTION_ENABLED", False)
RETENTION = {
    # a closed case and everything in it, counted from its closing
    "closed_case_days": int(os.environ.get("RETENTION_CLOSED_CASE_DAYS", str(5 * 365))),
    # a person with no case and no relation to anyone with one, counted from registration
    "person_days": int(os.environ.get("RETENTION_PERSON_DAYS", "365")),
    # the row of a data export (its content goes after DATA_EXPORT_TTL_HOURS), from the request
    "data_export_days": int(os.environ.get("RETENTION_DATA_EXPORT_DAYS", "90")),
    # a decided erasure or restriction request, counted from its decision
    "privacy_request_days": int(os.environ.get("RETENTION_PRIVACY_REQUEST_DAYS", str(10 * 365))),
    # audit events, counted from when they occurred
    "audit_event_days": int(os.environ.get("RETENTION_AUDIT_EVENT_DAYS", str(10 * 365))),
}
# Cases in which child welfare took part are kept past their period (archive duty) until this
# is switched off, after the municipality has deposited them in its archive.
RETENTION_KEEP_CHILD_WELFARE = env_flag("RETENTION_KEEP_CHILD_WELFARE", True)
if RETENTION["closed_case_days"] < 365:
    # The scheduler recomputes the aggregates of the last two quarters: a case deleted sooner
    # would change published figures.
    raise ImproperlyConfigured("RETENTION_CLOSED_CASE_DAYS must be at least 365.")
if min(RETENTION.values()) < 1:
    raise ImproperlyConfigured("Every RETENTION_*_DAYS must be at least 1.")
if RETENTION_ENABLED:
    SCHEDULE.append(("samhandling.retention.tasks.apply_retention", 24 * 3600))
