"""Sales and payments in /admin/: for superusers to review, never to edit (like the ledger)."""

from django.contrib import admin

from billing.models import Payment, Sale


class _ReadOnly(admin.ModelAdmin):
    actions = None
    list_per_page = 100
    list_select_related = ("reseller",)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Sale)
class SaleAdmin(_ReadOnly):
    list_display = (
        "created_at",
        "reseller",
        "name",
        "sms",
        "price",
        "currency",
        "amount",
        "receipt_number",
        "entry",
    )
    search_fields = ("name", "reseller__username")
    list_filter = ("currency", "kind")


@admin.register(Payment)
class PaymentAdmin(_ReadOnly):
    list_display = (
        "paid_at",
        "reseller",
        "sale",
        "amount",
        "currency",
        "method",
        "reference",
        "recorded_by",
    )
    search_fields = ("reference", "reseller__username", "sale__name")
    list_filter = ("method", "currency")
