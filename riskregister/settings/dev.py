"""Development settings: debug on, console email, a throwaway secret key."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "dev-only-not-secret"  # noqa: F405, S105
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
