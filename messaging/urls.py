from django.urls import path

from messaging.books import CLIENTS, SUB_ACCOUNTS
from messaging.views import activity, dashboard, send, topups

app_name = "messaging"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("clients/", dashboard.account_list, {"book": CLIENTS}, name="clients"),
    path("subaccounts/", dashboard.account_list, {"book": SUB_ACCOUNTS}, name="subaccounts"),
    path("clients/topup/", topups.top_up, {"book": CLIENTS}, name="client_topup"),
    path("subaccounts/topup/", topups.top_up, {"book": SUB_ACCOUNTS}, name="subaccount_topup"),
    path("topups/<int:entry_id>/", topups.outcome, name="topup_outcome"),
    path("send/", send.send_test_sms, name="send"),
    path("send/<int:entry_id>/", send.outcome, name="send_outcome"),
    path("activity/", activity.activity, name="activity"),
    path("activity/<int:entry_id>/", activity.entry_detail, name="activity_entry"),
    path("activity/<int:entry_id>/reconcile/", activity.reconcile, name="activity_reconcile"),
]
