from django.urls import path

from watch import views

app_name = "watch"

urlpatterns = [
    path("watch/", views.watch, name="watch"),
    path("watch/stop/", views.stop, name="stop"),
    path("clients/history/", views.account_history, {"book": "clients"}, name="client_history"),
    path(
        "subaccounts/history/",
        views.account_history,
        {"book": "subaccounts"},
        name="subaccount_history",
    ),
    path("balance/history/", views.account_history, {"book": "own"}, name="own_history"),
]
