"""Settings shared by every environment; values come from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean from the environment ("1", "true", "yes" are true)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated list from the environment."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


# --- Core -------------------------------------------------------------------
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")

INSTALLED_APPS = [
    "riskregister.admin.RegisterAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "guardian",
    # Before simple_history: its clean_old_history (which prunes history) is
    # replaced by audit's refusal, and the first app listed wins.
    "audit",
    "simple_history",
    "axes",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "risks",
    "alignment",
    "reports",
    "accounts",
    "notifications",
    "rest_framework",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "riskregister.middleware.DatabaseUnavailableMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as django-axes requires, so it sees the outcome of every sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "riskregister.urls"
WSGI_APPLICATION = "riskregister.wsgi.application"

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
                "django.template.context_processors.csp",
                "risks.context_processors.membership",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# DATABASE_URL selects the database; SQLite under var/ when it is unset.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Take the write lock when a transaction starts and wait for it, so that two
    # processes saving at once queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # PostgreSQL's JIT compiles our small history queries whose estimated cost
    # passes its threshold, spending more time compiling than running (bench/).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# load_demo creates users with a published password; production turns it off.
DEMO_DATA_ALLOWED = True

# --- Authentication ---------------------------------------------------------
# Object permissions on risks are answered by RiskAccessBackend alone, from the
# same selectors the views use (guardian's tables included). Guardian's own
# backend is left out: it would grant edit rights from a stale row to a user who
# has since changed role or organisation, disagreeing with the selectors.
# guardian.W001 asks for guardian's backend, left out on purpose (see above).
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
AUTHENTICATION_BACKENDS = [
    "risks.backends.LoginThrottleBackend",  # first: refuses locked-out sign-ins
    "accounts.backends.LocalPasswordsBackend",  # refuses passwords when they are off
    "django.contrib.auth.backends.ModelBackend",
    "risks.backends.RiskAccessBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock a username from one address out after repeated failures.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# --- Sign-in with the organisations' identity providers (docs/sso.md) -------
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from accounts.provider_config import (  # noqa: E402
    ProviderConfigError,
    parse_providers,
    provider_origins,
)

try:
    OIDC_PROVIDERS = parse_providers(os.environ.get("OIDC_PROVIDERS", ""))
except ProviderConfigError as error:
    raise ImproperlyConfigured(str(error)) from None
# Local passwords: for the demo and a break-glass superuser; production turns them off.
AUTH_LOCAL_PASSWORDS = env_bool("AUTH_LOCAL_PASSWORDS", default=True)
# django-allauth runs the OpenID Connect flow only; sign-in pages, sign-out and
# passwords stay Django's own. Its apps are built from OIDC_PROVIDERS (accounts.oidc).
SOCIALACCOUNT_ADAPTER = "accounts.adapters.RegisterSocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"provider_class": "accounts.oidc.RegisterOIDCProvider"}
}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never match a person on e-mail
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"  # the organisation vouches for it
SOCIALACCOUNT_LOGIN_ON_GET = False  # a GET asks to continue; a POST starts
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = int(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = False  # a demo account may share an address with a real one

# Guardian: no anonymous user row; we never grant anything to anonymous users.
ANONYMOUS_USER_NAME = None
GUARDIAN_RENDER_403 = False

# --- History ----------------------------------------------------------------
SIMPLE_HISTORY_DATE_INDEX = "Composite"
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
# History rows are the audit trail: the admin shows them but never reverts.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "static"))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    # The API docs page (api/docs.py): Swagger UI from the pinned npm package.
    ("swagger-ui", BASE_DIR / "node_modules" / "swagger-ui-dist"),
]

# --- Stored files -----------------------------------------------------------
# Published papers and stored register PDFs live in the default storage. With
# several web nodes and workers it must be one object store that all of them
# reach (Azure Blob Storage or S3-compatible); the local file system only serves
# a single machine (make run). Files are always served through the app's views,
# which check permissions, so the container or bucket stays private.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))


def default_storage_from_env() -> dict:
    """Choose the default storage: Azure Blob, S3-compatible, else the file system."""
    if connection_string := os.environ.get("AZURE_STORAGE_CONNECTION_STRING"):
        return {
            "BACKEND": "reports.azure_storage.AzureBlobStorage",
            "OPTIONS": {
                "connection_string": connection_string,
                "azure_container": os.environ.get(
                    "AZURE_STORAGE_CONTAINER", "riskregister"
                ),
                "timeout": int(os.environ.get("STORAGE_TIMEOUT_SECONDS", "20")),
                # The SDK's default retries wait 15 s, 18 s, 24 s: a page or a
                # health probe would hang for a minute on a store that is down.
                # A quick retry rides out a blip; a store that is down fails fast.
                "client_options": {
                    "retry_total": 1,
                    "initial_backoff": 1,
                    "increment_base": 1,
                    "random_jitter_range": 0.5,
                },
            },
        }
    if bucket := os.environ.get("AWS_STORAGE_BUCKET_NAME"):
        from botocore.config import Config  # only where S3 is chosen

        timeout = int(os.environ.get("STORAGE_TIMEOUT_SECONDS", "20"))
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                # boto3's defaults (60 s to connect, tried up to 5 times) would hold
                # a page or a health probe for minutes on a store that is down;
                # as for Azure, one quick retry, then fail.
                "client_config": Config(
                    connect_timeout=min(timeout, 5),
                    read_timeout=timeout,
                    retries={"mode": "standard", "total_max_attempts": 2},
                ),
                # Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or
                # boto3's usual chain (instance role) when those are unset.
                "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
                "access_key": os.environ.get("AWS_ACCESS_KEY_ID"),
                "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY"),
                "default_acl": None,  # private: the bucket policy decides
                "file_overwrite": False,
            },
        }
    return {"BACKEND": "reports.storage.AtomicFileSystemStorage"}


STORAGES = {
    "default": default_storage_from_env(),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Security ---------------------------------------------------------------
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # The sign-in buttons and the sign-out button redirect to the providers.
    "form-action": [CSP.SELF, *provider_origins(OIDC_PROVIDERS)],
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Tasks ------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

# --- Risk scoring (configuration, not code) ---------------------------------
# Rating bands by score ceiling: (highest score in band, key, label).
RISK_BANDS = [
    (4, "low", "Low"),
    (10, "medium", "Medium"),
    (16, "high", "High"),
    (25, "very_high", "Very high"),
]
# Highest current score that is still within each appetite level.
RISK_APPETITE_CEILINGS = {
    "averse": 4,
    "minimal": 6,
    "cautious": 10,
    "open": 15,
    "eager": 25,
}

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # One line per API request, with the token's id (api/views.py).
        "api.requests": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # Sign-ins through the providers: new users and role changes from groups
        # (INFO), refusals, failures and break-glass links (WARNING).
        "accounts.sign_in": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

# --- Email ------------------------------------------------------------------
# Django 6.1 mailers; SMTP in production, configured from the environment.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("DJANGO_EMAIL_PORT", "25")),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS"),
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "risk-register@example.invalid"
)

# --- Alignment --------------------------------------------------------------
# Aligned risks whose current scores differ by this much or more are flagged.
ALIGNMENT_SCORE_GAP_THRESHOLD = int(os.environ.get("ALIGNMENT_SCORE_GAP", "6"))

# --- Import -----------------------------------------------------------------
# Largest register file a governance officer may upload, and most rows per sheet.
RISK_IMPORT_MAX_BYTES = int(os.environ.get("RISK_IMPORT_MAX_BYTES", "2097152"))  # 2 MB
RISK_IMPORT_MAX_ROWS = int(os.environ.get("RISK_IMPORT_MAX_ROWS", "2000"))

# --- Reminders --------------------------------------------------------------
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# --- Register report --------------------------------------------------------
# Registers with more open risks than this are rendered to PDF in the background.
REGISTER_PDF_INLINE_MAX_RISKS = int(
    os.environ.get("REGISTER_PDF_INLINE_MAX_RISKS", "200")
)
# Larger registers are rendered in parts on as many processes as there are cores
# (reports/pdf_parts.py): one part per this many open risks, up to the most parts.
# The part count, not the machine, decides the bytes of the PDF.
REGISTER_PDF_PART_RISKS = int(os.environ.get("REGISTER_PDF_PART_RISKS", "300"))
REGISTER_PDF_MAX_PARTS = int(os.environ.get("REGISTER_PDF_MAX_PARTS", "2"))

# --- Read API (/api/v1/) ----------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATE_FORMAT": "iso-8601",
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Joint Risk Register API",
    "DESCRIPTION": "Read-only access to the MOPAC and MPS risk registers, aligned "
    "risks and published Audit Panel papers. Authenticate with a personal access "
    "token from /accounts/tokens/: `Authorization: Bearer <token>`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_GENERATE_CHOICE_DESCRIPTION": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_error_responses",
    ],
}
# Requests a token (or a signed-in browser) may make a minute; 429 beyond.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "120/min")
# A token's last use is written at most this often (seconds), not per request.
API_TOKEN_LAST_USED_SECONDS = int(os.environ.get("API_TOKEN_LAST_USED_SECONDS", "300"))
