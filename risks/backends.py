"""Authentication backend that answers object permissions from the selectors."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import BaseBackend

from . import access
from .models import Risk


class RiskAccessBackend(BaseBackend):
    """Make `user.has_perm("risks.change_risk", risk)` agree with risks.access."""

    checks = {
        "risks.view_risk": access.can_view_risk,
        "risks.change_risk": access.can_edit_risk,
    }

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if not isinstance(obj, Risk) or not user_obj.is_active:
            return False
        check = self.checks.get(perm)
        return bool(check and check(user_obj, obj))


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes lockout for sign-ins over HTTP.

    Sign-ins without a request (management commands, the test client's login())
    cannot be attempted by a remote attacker, so they are not throttled.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(
            request, username=username, password=password, **kwargs
        )
