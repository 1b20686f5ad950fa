from django.contrib import admin

from simulator.models import SimAccount, SimCall, SimFault


@admin.register(SimAccount)
class SimAccountAdmin(admin.ModelAdmin):
    list_display = ["username", "balance", "is_reseller", "suspended", "parent", "relation"]
    list_filter = ["is_reseller", "suspended", "relation"]
    search_fields = ["username"]
    raw_id_fields = ["parent"]  # a 10,000-client book makes a select box useless


@admin.register(SimFault)
class SimFaultAdmin(admin.ModelAdmin):
    list_display = ["method", "kind", "delay", "remaining", "probability", "reply", "created"]


@admin.register(SimCall)
class SimCallAdmin(admin.ModelAdmin):
    list_display = ["at", "method", "username", "target", "amount", "credit_moved", "fault"]
    list_filter = ["method", "credit_moved", "fault"]
    search_fields = ["username", "target", "message_id"]
    date_hierarchy = "at"

    # The journal is evidence: it is read, never edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
