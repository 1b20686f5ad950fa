from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "batches"
    verbose_name = "Bulk top-ups and refills"

    def ready(self):
        from batches import refills, sources  # noqa: F401  (signal receivers, source labels)
