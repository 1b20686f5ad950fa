from django.contrib import admin

from alerts.models import AccountContact, Alert, AlertSettings


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "reseller", "channel", "audience", "recipient", "status")
    list_filter = ("status", "channel", "audience")
    readonly_fields = [field.name for field in Alert._meta.fields]


admin.site.register(AlertSettings)
admin.site.register(AccountContact)
