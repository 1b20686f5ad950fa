from django.urls import path

from billing.views import money, payments, receipts, settings, statements
from messaging.books import CLIENTS, SUB_ACCOUNTS

app_name = "billing"

urlpatterns = [
    path("topups/<int:entry_id>/receipt/", receipts.receipt_page, name="receipt"),
    path("topups/<int:entry_id>/receipt.pdf", receipts.receipt_pdf, name="receipt_pdf"),
    path("topups/<int:entry_id>/payment/", payments.record_payment, name="payment"),
    path("clients/statement/", statements.statement, {"book": CLIENTS}, name="client_statement"),
    path(
        "subaccounts/statement/",
        statements.statement,
        {"book": SUB_ACCOUNTS},
        name="subaccount_statement",
    ),
    path(
        "clients/statements.zip",
        statements.statements_zip,
        {"book": CLIENTS},
        name="client_statements_zip",
    ),
    path(
        "subaccounts/statements.zip",
        statements.statements_zip,
        {"book": SUB_ACCOUNTS},
        name="subaccount_statements_zip",
    ),
    path("money/", money.money_page, name="money"),
    path("money/settings/", settings.business_settings, name="settings"),
    path("money/settings/logo.png", receipts.receipt_logo, name="logo"),
    path("money/prices/", settings.account_prices, name="prices"),
]
