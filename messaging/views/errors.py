"""Error pages that work when little else does.

403 and 404 use Django's own handlers with our templates (`templates/40x.html`).

A 400 can be answered before most middleware ran (a request for a host not in ALLOWED_HOSTS
is refused by CommonMiddleware), so the clickjacking middleware never sees it: this handler
forbids framing itself.

A 500 has its own handler because Django's re-raises anything but a missing template: if even
`500.html` cannot be rendered (say a static file missing from the manifest), the reseller
still gets a plain page, never a traceback or the server's bare error.
"""

from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.template import loader

_LAST_RESORT = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    "<title>Something went wrong · mSpace Reseller Admin</title></head><body>"
    "<h1>Something went wrong on our side</h1>"
    "<p>The page could not be shown. The problem has been logged. If you were topping up or "
    'sending a test SMS, open <a href="/activity/">Activity</a> before trying again.</p>'
    "</body></html>"
)


def server_error(request, template_name="500.html"):
    """A plain 500 page. Renders without a request context: no session, database or mSpace."""
    try:
        body = loader.get_template(template_name).render()
    except Exception:  # the page of last resort must not fail in turn
        body = _LAST_RESORT
    return HttpResponseServerError(body)


def bad_request(request, exception, template_name="400.html"):
    """A plain 400 page; never shows the exception (it can quote the request's headers)."""
    try:
        body = loader.get_template(template_name).render()
    except Exception:  # as for a 500: the error page must not fail in turn
        body = "<!doctype html><title>Bad request</title><h1>Request not understood</h1>"
    response = HttpResponseBadRequest(body)
    response["X-Frame-Options"] = "DENY"
    return response
