"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from risks.views import home

urlpatterns = [
    path("", home.dashboard, name="dashboard"),
    path("healthz", home.healthz, name="healthz"),
    # Browsers ask for /favicon.ico when a page (a PDF, say) names no icon.
    path("favicon.ico", home.favicon),
    path("accounts/login/", accounts_views.SignInView.as_view(), name="login"),
    path("accounts/logout/", accounts_views.sign_out, name="logout"),
    # Only the OpenID Connect flow of django-allauth, never its account pages.
    path("accounts/oidc/", include("accounts.oidc_urls")),
    path("accounts/notifications/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    path("risks/", include("risks.urls")),
    path("alignment/", include("alignment.urls")),
    path("reports/", include("reports.urls")),
    path("api/v1/", include("api.urls")),
    path("admin/", admin.site.urls),
]
