"""The one settings module. Everything that differs between machines comes from the environment.

One database engine everywhere: DATABASE_URL (PostgreSQL) is required; bin/run and bin/test start an embedded
PostgreSQL (bin/db) when none is given. Without REDIS_URL, Celery uses a file-system transport under var/, so
that web, worker and beat run on a machine with nothing but Python. Tests refuse that (tests/conftest.py).
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Without SECRET_KEY, management commands (migrate, makemigrations --check) still run on a marked insecure key;
# serving refuses it when DEBUG is off (config/wsgi.py) and `check --deploy` flags it (security.W009).
INSECURE_DEVELOPMENT_KEY = "django-insecure-development-key-never-serve-with-this"
SECRET_KEY = env("SECRET_KEY", default=INSECURE_DEVELOPMENT_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "partners",
    "convenants",
    "cases",
    "signals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # The security log writes who made a change and from which address.
    "partners.security.RequestContextMiddleware",
    # A manager or administrator who has not given the second factor reaches only its pages.
    "partners.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After messages: an expired session is told on the login page.
    "config.sessions.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: with DEBUG on, a 404 still renders the product's page, never Django's debug page.
    "config.webhelpers.ProductErrorPages",
]
CSRF_FAILURE_VIEW = "config.webhelpers.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["cases.templatetags.formatting"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partners.context_processors.membership",
                "cases.context_processors.notifications",
            ],
        },
    },
]

if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "Set DATABASE_URL=postgres://user:password@host:5432/name (bin/run and bin/test start an embedded "
        "PostgreSQL when it is not set)."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://…): the only engine.")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username and address before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "config.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:worklist"
LOGOUT_REDIRECT_URL = "login"

# Lockout (django-axes): the web login, the admin login and the API token endpoint count failures per username
# and client address together, so a guessed username cannot lock its owner out from everywhere. A lockout ends
# after the cool-off; attempts during it do not extend it. A superuser unlocks earlier in the admin (Axes, access
# attempts) or with `manage.py axes_reset`.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The client address is REMOTE_ADDR unless the proxy in front is declared (README "Security"): e.g. one proxy
# that appends the peer to X-Forwarded-For: AXES_IPWARE_META_PRECEDENCE_ORDER=HTTP_X_FORWARDED_FOR,REMOTE_ADDR and
# AXES_IPWARE_PROXY_COUNT=0 (proxies listed in the header; the last one is REMOTE_ADDR). A header no trusted proxy
# sets is the client's own choice and would let it pick a fresh address per attempt.
AXES_IPWARE_META_PRECEDENCE_ORDER = tuple(env.list("AXES_IPWARE_META_PRECEDENCE_ORDER", default=["REMOTE_ADDR"]))
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
AXES_IPWARE_PROXY_ORDER = env("AXES_IPWARE_PROXY_ORDER", default="left-most")
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_address"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request and SESSION_ABSOLUTE_TIMEOUT seconds after the
# login (config.sessions). The cookie and the stored session live as long as the idle limit; the middleware
# renews them at most once a minute rather than writing the session on every request.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# Scripts never read the CSRF cookie: htmx sends the token from the page (hx-headers on <body> in base.html).
CSRF_COOKIE_HTTPONLY = True
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Guardian: no anonymous user row, and the direct foreign-key models are used for cases.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# The security log (partners.SecurityEvent) keeps its rows this long.
SECURITY_LOG_RETENTION_DAYS = env.int("SECURITY_LOG_RETENTION_DAYS", default=2 * 365)
# The access log (AVG, cases.AccessLog) is kept this long; a daily beat task deletes older rows.
ACCESS_LOG_RETENTION_DAYS = env.int("ACCESS_LOG_RETENTION_DAYS", default=730)
# The second factor (django-otp, partners.second_factor): required of these roles whenever it is on (DEBUG off,
# unless set); the demo with DEBUG on signs in with a password alone.
SECOND_FACTOR_REQUIRED = env.bool("SECOND_FACTOR_REQUIRED", default=not DEBUG)
SECOND_FACTOR_ROLES = env.list("SECOND_FACTOR_ROLES", default=["superuser", "manager"])
OTP_TOTP_ISSUER = "Huurachterstand"

# API tokens (django-rest-knox, partners.ApiToken): hashed, expiring, revocable. Personal tokens live for hours;
# a service token (an organisation's system) for days, up to the maximum.
KNOX_TOKEN_MODEL = "partners.ApiToken"
# knox's own migrations create its concrete token table even though the model is swapped for ours: without them
# Django leaves the swapped model out (no table, nothing for a test's flush to trip over).
MIGRATION_MODULES = {"knox": None}
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=10)
API_TOKEN_LIMIT_PER_USER = env.int("API_TOKEN_LIMIT_PER_USER", default=10)
SERVICE_TOKEN_TTL_DAYS = env.int("SERVICE_TOKEN_TTL_DAYS", default=90)
SERVICE_TOKEN_MAX_DAYS = env.int("SERVICE_TOKEN_MAX_DAYS", default=366)
REST_KNOX = {"TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS), "AUTH_HEADER_PREFIX": "Token"}

REST_FRAMEWORK = {
    # Token first: DRF then answers 401 (with WWW-Authenticate) rather than 403 to a request without credentials.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.tokens.ApiTokenAuthentication",
        "partners.tokens.SecondFactorSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.DefaultPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "config.exceptions.AutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Huurachterstand API",
    "DESCRIPTION": "Shared case file for early intervention on rent arrears (version 1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and both documentation pages are for signed-in users and systems (session or API token); the
    # pages load Swagger UI and Redoc from our own static files (drf-spectacular-sidecar), no other origin.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.models.CaseStatus",
        "HandoverStatusEnum": "cases.models.HandoverStatus",
        "ArrangementStatusEnum": "cases.models.ArrangementStatus",
        "JointVisitStatusEnum": "cases.models.JointVisitStatus",
        "ProposalStatusEnum": "cases.models.ProposalStatus",
        "AttemptOutcomeEnum": "cases.models.AttemptOutcome",
        "CaseOutcomeEnum": "cases.models.Outcome",
        "SignalKindEnum": "signals.models.SignalKind",
        "SignalCaseAllowedActionsEnum": "signals.outreach_api.ACTIONS",
        "SignalCaseStatusEnum": "signals.models.SignalStatus",
        "SignalContactKindEnum": "signals.models.ContactKind",
    },
}

# Content-Security-Policy (django-csp): scripts and styles only from our own origin, no inline script, handler or
# style attribute; a script tag the page itself writes carries the request's nonce ({{ request.csp_nonce }}).
# Charts and htmx set styles through the CSSOM, which the policy allows. The API docs pages add only what
# Swagger UI and Redoc need (config/apidocs.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# The cache holds only derived data (dashboard snapshots). Redis when there is one, so that the Celery task that
# warms the snapshots and the web workers share it; a file cache without a server; tests use local memory.
CACHE_BACKEND = env("CACHE_BACKEND", default="redis" if env("REDIS_URL", default="") else "file")
CACHES = {
    "default": {
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL", default=""),
            "KEY_PREFIX": "huur",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
        "file": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")},
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }[CACHE_BACKEND]
}
# How long a computed dashboard is reused; beat recomputes the default views more often than that.
DASHBOARD_SNAPSHOT_SECONDS = env.int("DASHBOARD_SNAPSHOT_SECONDS", default=15 * 60)
# Dashboard figures over fewer households than this are suppressed for viewers beyond their own organisation
# (docs/dashboard.md, "Small groups").
SMALL_GROUP_THRESHOLD = env.int("SMALL_GROUP_THRESHOLD", default=5)
# The DDAS report (signals/ddas.py): codeGegevensleverancier, the code of the software supplier or host that
# delivers the Uitwisselmodel file to CBS on the municipality's behalf (the code CBS gave the installation).
DDAS_SUPPLIER_CODE = env("DDAS_SUPPLIER_CODE", default="HUURACHTERSTAND")

# Celery. Deadlines live in the database; queued tasks are only a trigger, so every task is idempotent and may
# run again after a lost worker.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    # visibility_timeout: longer than any task's time limit (300 s) and any countdown used, or Redis would hand a
    # running task to a second worker; socket_connect_timeout: a producer with Redis down fails fast.
    {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 5}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "escalate-overdue": {
        "task": "cases.tasks.escalate_overdue",
        "schedule": timedelta(minutes=env.int("ESCALATION_INTERVAL_MINUTES", default=5)),
        "options": {"expires": 4 * 60},
    },
    # Vroegsignalering: matching also runs after each import; this catches what a failed import hook left.
    "match-signals": {
        "task": "signals.tasks.match_signals",
        "schedule": timedelta(hours=24),
        "options": {"expires": 23 * 60 * 60},
    },
    # Pausing the clock: a pause ends at the start of its end date (cases.services.pausing).
    "resume-expired-pauses": {
        "task": "cases.tasks.resume_expired_pauses",
        "schedule": timedelta(minutes=15),
        "options": {"expires": 14 * 60},
    },
    "warm-dashboards": {
        "task": "cases.tasks.warm_dashboard_snapshots",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 9 * 60},
    },
    "purge-expired-tokens": {
        "task": "partners.tasks.purge_expired_tokens",
        "schedule": timedelta(hours=24),
    },
    "purge-old-security-events": {
        "task": "partners.tasks.purge_old_security_events",
        "schedule": timedelta(hours=24),
    },
    "anonymise-expired": {
        "task": "cases.tasks.anonymise_expired_cases",
        "schedule": timedelta(hours=24),
    },
    "purge-old-access-log": {
        "task": "cases.tasks.purge_old_access_log",
        "schedule": timedelta(hours=24),
    },
    # The morning digest of follow-up tasks (Dutch time, CELERY_TIMEZONE); idempotent per person and day.
    "task-digests": {
        "task": "cases.tasks.send_task_digests",
        "schedule": crontab(hour=env.int("TASK_DIGEST_HOUR", default=7), minute=0),
        "options": {"expires": 3 * 60 * 60},
    },
}
# How many due cases one sweep transaction takes at a time.
ESCALATION_BATCH_SIZE = env.int("ESCALATION_BATCH_SIZE", default=200)

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG or not env("EMAIL_HOST", default="")
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@huurachterstand.local")

# Request bodies are limited before they are read. Form and JSON fields: DATA_UPLOAD_MAX_MEMORY_SIZE (Django
# answers 400 when Content-Length says more, without reading the body). Files: the signal import's CSV up to
# SIGNAL_IMPORT_MAX_BYTES, refused by the upload handler as soon as Content-Length or the bytes read pass it;
# files above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file rather than held in memory.
SIGNAL_IMPORT_MAX_BYTES = env.int("SIGNAL_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "signals.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # A load balancer's or compose's health probe asks over plain http.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
