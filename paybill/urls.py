from django.urls import path

from paybill import callbacks, views

app_name = "paybill"

urlpatterns = [
    path("payments/", views.payments, name="payments"),
    path("payments/settings/", views.paybill_settings, name="settings"),
    path("payments/renew/", views.renew, name="renew"),
    path("payments/numbers/", views.add_number, name="add_number"),
    path("payments/numbers/<int:number_id>/remove/", views.remove_number, name="remove_number"),
    path("payments/<int:payment_id>/assign/", views.assign, name="assign"),
    path("payments/<int:payment_id>/refunded/", views.refunded, name="refunded"),
    path("payments/check/", views.check_now, name="check"),
    path("payments/demo/", views.demo_payment, name="demo"),
    # Daraja's callbacks: public, the secret is the credential. Safaricom refuses URLs that
    # name M-Pesa or itself, so the path says neither.
    path("pay/<str:secret>/confirm", callbacks.confirmation, name="confirmation"),
    path("pay/<str:secret>/validate", callbacks.validation, name="validation"),
]
