"""Batches and refill rules for the site's administrators: to look, not to edit (the worker
and the reseller's pages are the only writers)."""

from django.contrib import admin

from batches.models import Batch, BatchRow, Refill, RefillRule


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class BatchRowInline(admin.TabularInline):
    model = BatchRow
    fields = ("position", "target", "amount", "state", "entry", "detail")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Batch)
class BatchAdmin(_ReadOnly):
    list_display = ("id", "reseller", "book", "rule", "created_at", "finished_at", "owner")
    list_filter = ("book", "rule")
    search_fields = ("reseller__username",)
    inlines = [BatchRowInline]


@admin.register(RefillRule)
class RefillRuleAdmin(_ReadOnly):
    list_display = ("reseller", "book", "target", "below", "amount", "armed", "paused_at")
    search_fields = ("reseller__username", "target")


@admin.register(Refill)
class RefillAdmin(_ReadOnly):
    list_display = ("rule", "amount", "at", "entry")
