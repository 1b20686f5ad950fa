from django.apps import AppConfig


class TeamConfig(AppConfig):
    name = "team"
    verbose_name = "Team"

    def ready(self):
        from team import events  # noqa: F401  (adds team changes to the activity CSV)
