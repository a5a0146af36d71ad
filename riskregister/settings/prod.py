"""Production settings: fail loudly on missing secrets, secure transport only."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not os.environ.get("DJANGO_SECRET_KEY"):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
DEMO_DATA_ALLOWED = False
# Real users sign in through their organisation (OIDC_PROVIDERS); passwords only
# when set on for a break-glass sign-in (manage.py signin_link needs none).
AUTH_LOCAL_PASSWORDS = env_bool("AUTH_LOCAL_PASSWORDS", default=False)

STORAGES = {
    **STORAGES,  # noqa: F405 - the default storage as the environment chose it
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "strict-origin"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]  # noqa: F405
