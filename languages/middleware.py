from django.conf import settings
from django.utils import translation

from languages import choice


class UserLanguageMiddleware:
    """A logged-in person's saved language wins over the cookie and the browser (which
    LocaleMiddleware, earlier, has already looked at). The cookie is brought in line with it,
    so the login page after logging out speaks the same language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        saved = choice.saved_language(request)
        if saved and saved != request.LANGUAGE_CODE:
            translation.activate(saved)
            request.LANGUAGE_CODE = saved
        response = self.get_response(request)
        if saved and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != saved:
            choice.set_cookie(response, saved)
        if saved:
            response.headers["Content-Language"] = saved
        return response
