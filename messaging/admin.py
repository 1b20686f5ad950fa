"""The ledger in /admin/: every reseller's entries, for superusers to review, never to edit.

The ledger is the record of money moved; nobody changes it by hand here. Unknown outcomes are
settled by their reseller (who can re-read balances with their own password), which records
who decided and when.
"""

from django.contrib import admin

from messaging.models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "reseller",
        "actor_name",
        "kind",
        "target",
        "amount",
        "status",
        "message_id",
    )
    list_filter = ("status", "kind", "created_at")
    search_fields = ("target", "reseller__username", "actor_name", "message_id", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("reseller",)
    list_per_page = 100
    ordering = ("-created_at", "-id")
    actions = None  # no "delete selected"
    readonly_fields = [field.name for field in LedgerEntry._meta.fields]

    def has_module_permission(self, request):
        return _is_superuser(request)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _is_superuser(request) -> bool:
    # Staff with model permissions still see nothing: another reseller's ledger is private.
    return request.user.is_active and request.user.is_superuser
