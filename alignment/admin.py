"""Admin for alignment links; history pages are read-only."""

from django.contrib import admin

from risks.admin import ReadOnlyHistoryAdmin

from .models import AlignmentLink, JointAction


@admin.register(AlignmentLink)
class AlignmentLinkAdmin(ReadOnlyHistoryAdmin):
    list_display = ["__str__", "theme", "relationship", "status"]
    list_filter = ["status", "theme"]
    list_select_related = ["proposer_risk", "partner_risk", "theme"]


@admin.register(JointAction)
class JointActionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["link", "organisation", "due_date", "status"]
    readonly_fields = ["version"]
