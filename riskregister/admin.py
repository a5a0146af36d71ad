"""The admin site, for superusers only."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class SuperuserAdminSite(admin.AdminSite):
    """Staff status alone does not open the admin: it bypasses the services."""

    site_header = "Joint Risk Register administration"

    def has_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser


class RegisterAdminConfig(AdminConfig):
    default_site = "riskregister.admin.SuperuserAdminSite"
