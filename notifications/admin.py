"""Admin for notifications: view only (deliveries are the send log)."""

from django.contrib import admin

from reports.admin import ViewOnlyMixin
from risks.admin import ReadOnlyHistoryAdmin

from .models import Delivery, Preference


@admin.register(Delivery)
class DeliveryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["event", "kind", "recipient", "sent_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["event"]


@admin.register(Preference)
class PreferenceAdmin(ViewOnlyMixin, ReadOnlyHistoryAdmin):
    list_display = ["user", "kind", "enabled"]
    list_filter = ["kind", "enabled"]
    list_select_related = ["user"]
