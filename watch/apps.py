from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "watch"
    verbose_name = "Keep watch"

    def ready(self):
        # Pages a logged-in reseller opens read balances anyway: those reads feed the history.
        from watch import signals  # noqa: F401
