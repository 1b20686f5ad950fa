from django.urls import path

from batches import views
from messaging.books import CLIENTS, SUB_ACCOUNTS

app_name = "batches"

urlpatterns = [
    path("clients/bulk-topup/", views.bulk_topup, {"book": CLIENTS}, name="client_bulk_topup"),
    path(
        "subaccounts/bulk-topup/",
        views.bulk_topup,
        {"book": SUB_ACCOUNTS},
        name="subaccount_bulk_topup",
    ),
    path("batches/<int:batch_id>/", views.batch, name="batch"),
    path("batches/<int:batch_id>/cancel/", views.cancel, name="cancel"),
    path("refills/", views.refill_rules, name="refills"),
    path(
        "refills/<int:rule_id>/resume/",
        views.refill_rule_action,
        {"action": "resume"},
        name="refill_resume",
    ),
    path(
        "refills/<int:rule_id>/delete/",
        views.refill_rule_action,
        {"action": "delete"},
        name="refill_delete",
    ),
]
