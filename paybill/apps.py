from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaybillConfig(AppConfig):
    name = "paybill"
    verbose_name = _("M-Pesa payments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from paybill import sources  # noqa: F401  (names a payment's rows in the activity)
