from django.urls import path

from .views import changes, edit, history, periods, register

app_name = "risks"

urlpatterns = [
    path("", register.risk_list, name="list"),
    path("<int:pk>/", register.risk_detail, name="detail"),
    path("<int:pk>/history/", history.risk_history, name="history"),
    path("new/", edit.risk_create, name="create"),
    path("<int:pk>/edit/", edit.risk_update, name="update"),
    path("<int:pk>/close/", edit.risk_close, name="close"),
    path("<int:pk>/owner/", edit.risk_owner, name="owner"),
    path("<int:pk>/review/", edit.review_create, name="review_create"),
    path("<int:pk>/controls/new/", edit.control_create, name="control_create"),
    path("controls/<int:pk>/edit/", edit.control_update, name="control_update"),
    path("controls/<int:pk>/delete/", edit.control_delete, name="control_delete"),
    path("<int:pk>/actions/new/", edit.action_create, name="action_create"),
    path("actions/<int:pk>/edit/", edit.action_update, name="action_update"),
    path("actions/<int:pk>/delete/", edit.action_delete, name="action_delete"),
    path("periods/", periods.period_list, name="periods"),
    path(
        "periods/<int:pk>/changes/",
        changes.period_changes_view,
        name="period_changes",
    ),
    path("periods/<int:pk>/close/", periods.period_close, name="period_close"),
]
