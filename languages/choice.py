"""Which language a person reads, and keeping their choice.

Order of precedence: a logged-in person's saved choice; else the chooser's cookie; else the
browser's Accept-Language; else English (the last three are Django's LocaleMiddleware).
The saved choice is copied into the session at login, so pages do not ask the database.
"""

from django.conf import settings

from languages.models import LanguageChoice

SESSION_KEY = "language"


def offered(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def saved_language(request) -> str | None:
    """The logged-in person's saved choice, or None when they never made one."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if SESSION_KEY not in request.session:
        choice = LanguageChoice.objects.filter(user=user).values_list("language", flat=True)
        request.session[SESSION_KEY] = next(iter(choice), "")
    code = request.session[SESSION_KEY]
    return code if offered(code) else None


def save(request, code: str) -> None:
    """Keep `code` for the logged-in person (no-op for a visitor: the cookie keeps it)."""
    user = request.user
    if user.is_authenticated:
        LanguageChoice.objects.update_or_create(user=user, defaults={"language": code})
        request.session[SESSION_KEY] = code


def set_cookie(response, code: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
