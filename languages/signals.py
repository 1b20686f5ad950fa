from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from languages import choice
from languages.models import LanguageChoice


@receiver(user_logged_in)
def keep_login_page_choice(sender, request, user, **kwargs):
    """Someone who picked a language on the login page and has no saved choice yet keeps it:
    the pick becomes their saved choice. A saved choice is never overwritten by a cookie,
    which may be another person's on a shared computer."""
    if request is None or not hasattr(request, "session"):
        return
    picked = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    saved = LanguageChoice.objects.filter(user=user).values_list("language", flat=True).first()
    if saved is None and choice.offered(picked):
        LanguageChoice.objects.create(user=user, language=picked)
        saved = picked
    request.session[choice.SESSION_KEY] = saved or ""
