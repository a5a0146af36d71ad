"""Authentication backend that answers object permissions from the selectors."""

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
