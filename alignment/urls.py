from django.urls import path

from . import views

app_name = "alignment"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("propose/", views.propose, name="propose"),
    path("<int:pk>/", views.link_detail, name="detail"),
    path("<int:pk>/agree/", views.agree, name="agree"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/end/", views.end, name="end"),
    path(
        "<int:pk>/actions/new/<slug:org>/",
        views.joint_action_create,
        name="joint_action_create",
    ),
    path(
        "actions/<int:pk>/edit/",
        views.joint_action_update,
        name="joint_action_update",
    ),
]
