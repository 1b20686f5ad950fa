from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        # Connects the user_logged_in receiver that starts every session's clocks.
        from accounts import middleware  # noqa: F401
