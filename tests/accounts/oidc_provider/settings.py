"""Settings of the test OpenID provider, read from the environment that serve.py is given.

OP_PORT           the port on 127.0.0.1
OP_DATA_DIR       a temporary directory for its SQLite database
OP_CLIENT_ID, OP_CLIENT_SECRET, OP_REDIRECT_URI   the one client: the application under test
OP_USERS          JSON: [{"username", "password", "pid", "acr"}, ...]; pid and acr go into the
                  ID token as ID-porten puts them there
"""

import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PORT = int(os.environ["OP_PORT"])
ISSUER = f"http://127.0.0.1:{PORT}/o"
DATA_DIR = Path(os.environ["OP_DATA_DIR"])
CLIENT_ID = os.environ["OP_CLIENT_ID"]
CLIENT_SECRET = os.environ["OP_CLIENT_SECRET"]
REDIRECT_URI = os.environ["OP_REDIRECT_URI"]
USERS: list[dict[str, str]] = json.loads(os.environ["OP_USERS"])
CLAIMS = {user["username"]: {"pid": user["pid"], "acr": user["acr"]} for user in USERS}

DEBUG = False
SECRET_KEY = "oidc-provider-test-only-key-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "tests.accounts.oidc_provider.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "provider.sqlite3"),
        # Throw-away data: no fsync, so that migrating at start takes a moment, not seconds.
        "OPTIONS": {"init_command": "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY;"},
    }
}
# Tables straight from the models (migrate --run-syncdb): a throw-away database needs no history.
MIGRATION_MODULES = {app.rsplit(".", 1)[-1]: None for app in INSTALLED_APPS}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
# Cookies do not tell ports apart: these must not collide with the application's on 127.0.0.1.
SESSION_COOKIE_NAME = "op_sessionid"
CSRF_COOKIE_NAME = "op_csrftoken"
LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; test users only

_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _KEY.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode(),
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "profile": "Profile"},
    "OAUTH2_VALIDATOR_CLASS": "tests.accounts.oidc_provider.validators.IdPortenLikeValidator",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
