from django.conf import settings
from django.db import models


class LanguageChoice(models.Model):
    """The language a person picked with the chooser, so every device they log in on
    speaks it. People who never picked one follow their browser."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="language_choice"
    )
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    chosen_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.user} → {self.language}"
