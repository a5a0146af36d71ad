"""Admin for panel papers: view only, with history.

Papers change through the editor so that every edit raises the revision (and
voids earlier clearances); published versions never change at all.
"""

from django.contrib import admin

from risks.admin import ReadOnlyHistoryAdmin

from .models import (
    AgendaItem,
    Clearance,
    Meeting,
    PanelPaper,
    PanelRequest,
    PaperSection,
    Publication,
    Question,
)


class ViewOnlyMixin:
    """Show rows and their history; never add, change or delete them here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SectionInline(ViewOnlyMixin, admin.TabularInline):
    model = PaperSection
    extra = 0
    fields = ["order", "kind", "heading", "oral_update", "is_sensitive"]


@admin.register(PanelPaper)
class PanelPaperAdmin(ViewOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["title", "meeting_date", "agenda_item", "period_label", "revision"]
    date_hierarchy = "meeting_date"
    search_fields = ["title", "agenda_item"]
    inlines = [SectionInline]


@admin.register(Clearance)
class ClearanceAdmin(ViewOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["paper", "organisation", "revision", "cleared_by", "cleared_at"]
    list_filter = ["organisation"]
    list_select_related = ["paper", "organisation", "cleared_by"]


@admin.register(Publication)
class PublicationAdmin(ViewOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["paper", "version", "revision", "status", "published_at"]
    list_filter = ["status"]
    list_select_related = ["paper"]


class AgendaItemInline(ViewOnlyMixin, admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ["order", "number", "kind", "title", "paper", "period"]


@admin.register(Meeting)
class MeetingAdmin(ViewOnlyMixin, ReadOnlyHistoryAdmin):
    """Meetings change on their pages (/reports/meetings/), by governance."""

    list_display = ["date", "panel", "marking"]
    list_filter = ["panel"]
    list_select_related = ["panel"]
    inlines = [AgendaItemInline]


@admin.register(PanelRequest)
class PanelRequestAdmin(ViewOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["text", "owner_organisation", "due_at", "status"]
    list_filter = ["status"]
    list_select_related = ["owner_organisation", "due_at__panel"]


@admin.register(Question)
class QuestionAdmin(ViewOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["paper", "section_title", "asked_at", "answer_published"]
    list_filter = ["answer_published"]
    list_select_related = ["paper"]
