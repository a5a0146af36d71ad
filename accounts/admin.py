"""Admin for sign-in: break-glass links to read, provider links to look up."""

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp, SocialToken
from django.contrib import admin

from .models import SignInLink

# Providers come from OIDC_PROVIDERS only, tokens are not stored, and e-mail
# addresses are not identities here: allauth's pages for them would mislead.
for model in (SocialApp, SocialToken, EmailAddress):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(SignInLink)
class SignInLinkAdmin(admin.ModelAdmin):
    """Who asked for which break-glass link, and whether it was used (read-only)."""

    list_display = ("user", "created_by", "created_at", "expires_at", "used_at")
    readonly_fields = ("user", "created_by", "created_at", "expires_at", "used_at")
    exclude = ("token_digest",)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
