from django.urls import path

from .views import changes, edit, history, integrity, periods, register
from .views import cycle as cycle_views
from .views.spreadsheet import (
    export_csv,
    export_xlsx,
    import_preview,
    import_template,
    import_upload,
)

app_name = "risks"

urlpatterns = [
    path("", register.risk_list, name="list"),
    path("trends/", register.risk_trends, name="trends"),
    path("export.xlsx", export_xlsx, name="export_xlsx"),
    path("export.csv", export_csv, name="export_csv"),
    path("import/", import_upload, name="import"),
    path("import/template.xlsx", import_template, name="import_template"),
    path("import/<str:token>/", import_preview, name="import_preview"),
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
        "history-integrity/",
        integrity.history_integrity,
        name="history_integrity",
    ),
    path(
        "periods/<int:pk>/changes/",
        changes.period_changes_view,
        name="period_changes",
    ),
    path("periods/<int:pk>/close/", periods.period_close, name="period_close"),
    path("periods/new/", periods.period_create, name="period_create"),
    path("periods/<int:pk>/", cycle_views.period_detail, name="period_detail"),
    path(
        "periods/<int:pk>/risks/<int:risk_pk>/no-change/",
        cycle_views.period_no_change,
        name="period_no_change",
    ),
]
