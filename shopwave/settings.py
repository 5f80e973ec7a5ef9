"""ShopWave settings: one module, everything switchable by environment variables.

See .env.example for every variable. Production is not a separate file: DEBUG=false
plus the SECURE_* defaults below give a `manage.py check --deploy` that reports nothing.
"""

from pathlib import Path
from urllib.parse import unquote

import environ
from django.utils.csp import CSP

from shopwave.dbreset import reset_pooled_connection

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over .env, which wins over the local cluster's file.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
environ.Env.read_env(BASE_DIR / "var" / "local.env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG and not env.bool("SHOPWAVE_ALLOW_INSECURE_KEY", default=False):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false (see .env.example)")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-" + "x" * 20

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_countries",
    "accounts",
    "audit",
    "catalog",
    "orders",
    "promotions",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Puts the request in the anonymous storefront scope before anything (sessions
    # included) touches the database, and clears it at the end. See shopwave/dbcontext.py.
    "shopwave.dbcontext.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Now that the session says who is asking: the role and user context for the request.
    "shopwave.dbcontext.RequestIdentityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "shopwave.urls"
WSGI_APPLICATION = "shopwave.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} with reverse() memoized (shopwave/template_builtins.py).
            "builtins": ["shopwave.template_builtins"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- Database ---------------------------------------------------------------
# Two logins on one database (see README "How a request gets its database identity"):
#   DATABASE_URL      the owner login (commerce_admin): migrations, operator commands, tests.
#   WEB_DATABASE_URL  the web login (shopwave_web): the served site. It owns nothing and
#                     holds no privileges; every request SET LOCAL ROLEs into a scoped role.
# wsgi.py selects the web login; manage.py and pytest use the owner login.
DB_LOGIN = env.str("SHOPWAVE_DB_LOGIN", default="owner")
if DB_LOGIN not in {"owner", "web"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SHOPWAVE_DB_LOGIN must be 'owner' or 'web'")


def _database(url_var: str) -> dict:
    config = env.db_url(url_var)
    # A Unix-socket folder arrives percent-encoded in the URL's host part.
    config["HOST"] = unquote(config.get("HOST") or "")
    return config


if "DATABASE_URL" not in env:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DATABASE_URL is not set: run 'make run' (starts the project-local PostgreSQL) "
        "or set DATABASE_URL (see .env.example)"
    )

_db = _database("WEB_DATABASE_URL" if DB_LOGIN == "web" and "WEB_DATABASE_URL" in env else "DATABASE_URL")
_db_options = _db.setdefault("OPTIONS", {})
# Refuse stacked statements: parameters are bound by the server, never spliced into SQL.
_db_options["server_side_binding"] = True
_db_options.setdefault("application_name", f"shopwave-{DB_LOGIN}")
# Server-side prepared statements after a statement's 5th use on a connection: parsing and
# planning (0.1-1 ms each under RLS) are paid once per connection, not per query. Safe with
# Django's own pool and with RLS (PostgreSQL re-plans a cached statement when the role
# differs); set DB_PREPARED_STATEMENTS=false behind a transaction-mode PgBouncer.
_db_options["prepare_threshold"] = 5 if env.bool("DB_PREPARED_STATEMENTS", default=True) else None
# No JIT compilation of the site's queries (WEB_DB_JIT=false, the default): PostgreSQL
# compiles a query to machine code once its estimated cost passes jit_above_cost, which
# storefront queries with generic estimates reach (a search's "changed since" CTE is
# estimated at a third of the catalog), and compiling costs 40-200 ms per execution on a
# query that runs in 5-30 ms: measured on the full data set, search p50 24 ms without JIT
# and 81 ms with it (BENCHMARKS.md, session 5). The owner login (commands, reports'
# refreshes, the loader) keeps the server's setting: long aggregates are what JIT is for.
WEB_DB_JIT = env.bool("WEB_DB_JIT", default=False)
if DB_LOGIN == "web" and not WEB_DB_JIT:
    _db_options["options"] = f"{_db_options.get('options', '')} -c jit=off".strip()
if env.bool("DB_POOL", default=DB_LOGIN == "web"):
    _db_options["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=8),
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        # Belt and braces: request context is transaction-local already; the reset also
        # clears anything session-level before a connection goes back to the pool.
        "reset": reset_pooled_connection,
    }
else:
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
_db["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=f"test_{_db['NAME']}")}
DATABASES = {"default": _db}
# Each view runs in a transaction (the checkout opts out to run its payment saga).
DATABASES["default"]["ATOMIC_REQUESTS"] = True

# The web login and the scoped roles it may switch into. Migrations grant these.
SHOPWAVE_WEB_DB_USER = env.str("SHOPWAVE_WEB_DB_USER", default="shopwave_web")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Accounts and passwords ----------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling (accounts.throttle): failures per email and per client address.
LOGIN_THROTTLE = {
    "MAX_FAILURES_PER_EMAIL": env.int("LOGIN_MAX_FAILURES_PER_EMAIL", default=5),
    "MAX_FAILURES_PER_ADDRESS": env.int("LOGIN_MAX_FAILURES_PER_ADDRESS", default=30),
    "WINDOW_SECONDS": env.int("LOGIN_THROTTLE_WINDOW_SECONDS", default=900),
    "LOCKOUT_SECONDS": env.int("LOGIN_LOCKOUT_SECONDS", default=900),
}

# Sessions live in the database behind row-level security keyed by the session key.
SESSION_ENGINE = "shopwave.sessions"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14


DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="ShopWave <no-reply@shopwave.example>")


# --- Internationalisation ------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
SHOP_CURRENCY = env.str("SHOP_CURRENCY", default="USD")


# --- Cache ----------------------------------------------------------------------
# Per process memory: it holds only public, shared page parts (the home page's
# sections and each category page's category, breadcrumbs and subcategories,
# catalog/views.py, for at most a minute; rendered fragments keyed by their content)
# and nothing a shopper owns, so nothing needs
# invalidating across processes and no cache server has to run.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "shopwave",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # {% cache %} fragments keyed by the content they render (a product page's shared
    # parts under the product's values as read, its reviews list under the reviews' own
    # JSON): never stale, only evicted. Up to three per product page viewed; least
    # recently used go first; ~1-15 KB each, so at most ~40 MB per process.
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "shopwave-fragments",
        "TIMEOUT": 24 * 60 * 60,
        "OPTIONS": {"MAX_ENTRIES": 6000},
    },
}


# --- Static files ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
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
MEDIA_ROOT = BASE_DIR / "var" / "media"
MEDIA_URL = "media/"


# --- Security -------------------------------------------------------------------
# Secure by default; a plain-HTTP local run (make run) switches these off explicitly.
SECURE = env.bool("SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}


# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.com:587 (django-environ syntax).
# Local runs (SECURE=false) print mail to the console unless EMAIL_URL says otherwise.
_email = env.email_url("EMAIL_URL", default="smtp://localhost:25" if SECURE else "consolemail://")
_email_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
}
MAILERS = {
    "default": {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {k: v for k, v in _email_options.items() if v} if "smtp" in _email["EMAIL_BACKEND"] else {},
    }
}


# --- Logging: one JSON object per line on stderr ----------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("LOG_FORMAT", default="json"),
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.security": {"level": "INFO"},
    },
}
