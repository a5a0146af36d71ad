from django.urls import path

from .views import editor, meetings, questions, register, render

app_name = "reports"

urlpatterns = [
    # Editing, clearance and publication (reports/views/editor.py).
    path("", editor.paper_list, name="list"),
    path("new/", editor.paper_create, name="create"),
    path("<int:pk>/edit/", editor.paper_update, name="update"),
    path("<int:pk>/sections/new/", editor.section_create, name="section_create"),
    path("sections/<int:pk>/edit/", editor.section_update, name="section_update"),
    path("sections/<int:pk>/delete/", editor.section_delete, name="section_delete"),
    path("<int:pk>/clear/", editor.paper_clear, name="clear"),
    path("<int:pk>/publish/", editor.paper_publish, name="publish"),
    path(
        "<int:pk>/versions/<int:version>/pdf/",
        editor.publication_pdf,
        name="publication_pdf",
    ),
    path(
        "<int:pk>/versions/<int:version>/docx/",
        editor.publication_docx,
        name="publication_docx",
    ),
    # Preview and PDF (reports/views/render.py).
    path("<int:pk>/", render.paper_preview, name="detail"),
    path("<int:pk>/pdf/", render.paper_pdf, name="pdf"),
    path("<int:pk>/docx/", render.paper_docx, name="docx"),
]

# Members' questions and their answers (reports/views/questions.py).
urlpatterns += [
    path("questions/", questions.question_list, name="questions"),
    path(
        "questions/<int:pk>/answer/",
        questions.question_answer,
        name="question_answer",
    ),
    path("<int:pk>/questions/new/", questions.question_create, name="question_create"),
]

# Organisation register report as at a period end (reports/views/register.py).
urlpatterns += [
    path(
        "register/<slug:slug>/",
        register.register_report_preview,
        name="register_report",
    ),
    path(
        "register/<slug:slug>/pdf/", register.register_report_pdf, name="register_pdf"
    ),
    path(
        "register/<slug:slug>/docx/",
        register.register_report_docx,
        name="register_docx",
    ),
]

# Panel meetings, their agenda, requests and agenda pack (reports/views/meetings.py).
urlpatterns += [
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meetings.meeting_update, name="meeting_update"),
    path("meetings/<int:pk>/pack/", meetings.meeting_pack, name="meeting_pack"),
    path("meetings/<int:pk>/items/new/", meetings.item_create, name="item_create"),
    path("meetings/items/<int:pk>/delete/", meetings.item_delete, name="item_delete"),
    path(
        "meetings/<int:pk>/requests/new/",
        meetings.request_create,
        name="request_create",
    ),
    path(
        "meetings/requests/<int:pk>/edit/",
        meetings.request_update,
        name="request_update",
    ),
]
