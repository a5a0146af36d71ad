"""The read API under /api/v1/ (DESIGN §9)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from . import docs, views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.api_docs, name="docs"),
    path("docs/explorer/", docs.api_explorer, name="explorer"),
    path("organisations/", views.OrganisationList.as_view(), name="organisations"),
    path("risks/", views.RiskList.as_view(), name="risks"),
    path("risks/<int:pk>/", views.RiskDetail.as_view(), name="risk"),
    path("controls/", views.ControlList.as_view(), name="controls"),
    path("actions/", views.ActionList.as_view(), name="actions"),
    path("reviews/", views.ReviewList.as_view(), name="reviews"),
    path("periods/", views.PeriodList.as_view(), name="periods"),
    path(
        "periods/<int:pk>/changes/",
        views.PeriodChanges.as_view(),
        name="period_changes",
    ),
    path("alignment-links/", views.LinkList.as_view(), name="links"),
    path("papers/", views.PaperList.as_view(), name="papers"),
    path("dashboard/risks/", views.DashboardRisks.as_view(), name="dashboard_risks"),
    # Anything else under /api/v1/ (a negative id, a typo) is a JSON 404, not
    # the HTML page meant for people.
    re_path(r"^", views.not_found),
]
