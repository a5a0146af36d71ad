"""Admin for the register; history pages are read-only (revert is disabled)."""

from django.contrib import admin
from guardian.admin import GuardedModelAdminMixin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Action,
    Control,
    Membership,
    Organisation,
    Panel,
    PanelMember,
    ReportingPeriod,
    Review,
    Risk,
    Theme,
)


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """History is shown but can never be reverted or edited from the admin."""

    history_list_display = ["history_change_reason"]

    def revert_disabled(self, request, obj=None) -> bool:
        return True


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["short_name", "name", "slug"]
    prepopulated_fields = {"slug": ["short_name"]}


@admin.register(Membership)
class MembershipAdmin(ReadOnlyHistoryAdmin):
    list_display = ["user", "organisation", "role", "post_title"]
    list_filter = ["organisation", "role"]


@admin.register(Panel)
class PanelAdmin(ReadOnlyHistoryAdmin):
    """Another joint committee is added here, with its organisations."""

    list_display = ["name"]
    filter_horizontal = ["organisations"]


@admin.register(PanelMember)
class PanelMemberAdmin(ReadOnlyHistoryAdmin):
    list_display = ["user", "panel", "post_title"]
    list_filter = ["panel"]
    list_select_related = ["user", "panel"]


@admin.register(Theme)
class ThemeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ControlInline(admin.TabularInline):
    model = Control
    extra = 0
    exclude = ["version"]


class ActionInline(admin.TabularInline):
    model = Action
    extra = 0
    exclude = ["version"]


@admin.register(Risk)
class RiskAdmin(GuardedModelAdminMixin, ReadOnlyHistoryAdmin):
    list_display = ["reference", "title", "organisation", "owner_post", "status"]
    list_filter = ["organisation", "status", "category"]
    list_select_related = ["organisation"]
    search_fields = ["reference", "title"]
    readonly_fields = ["version"]
    inlines = [ControlInline, ActionInline]


@admin.register(Control)
class ControlAdmin(ReadOnlyHistoryAdmin):
    list_display = ["risk", "control_type", "effectiveness"]
    list_select_related = ["risk"]
    readonly_fields = ["version"]


@admin.register(Action)
class ActionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["risk", "due_date", "status"]
    list_select_related = ["risk"]
    readonly_fields = ["version"]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(ReadOnlyHistoryAdmin):
    list_display = ["label", "organisation", "start", "end", "is_closed"]
    list_filter = ["organisation", "is_closed"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyHistoryAdmin):
    list_display = ["risk", "period", "likelihood", "impact", "reviewed_on"]
    list_select_related = ["risk", "period"]
