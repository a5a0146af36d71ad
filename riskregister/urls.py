"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from risks.views import home

urlpatterns = [
    path("", home.dashboard, name="dashboard"),
    path("healthz", home.healthz, name="healthz"),
    # Browsers ask for /favicon.ico when a page (a PDF, say) names no icon.
    path("favicon.ico", home.favicon),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("risks/", include("risks.urls")),
    path("alignment/", include("alignment.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]
