"""Authentication backend that turns local passwords off when they are not allowed."""

from django.conf import settings
from django.core.exceptions import PermissionDenied


class LocalPasswordsBackend:
    """Refuse every password sign-in while AUTH_LOCAL_PASSWORDS is off.

    Raising PermissionDenied stops Django trying the backends after this one
    (ModelBackend would check the password) and sends user_login_failed, so
    django-axes still counts the attempt.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if password is not None and not settings.AUTH_LOCAL_PASSWORDS:
            raise PermissionDenied("Local passwords are turned off.")
        return None
