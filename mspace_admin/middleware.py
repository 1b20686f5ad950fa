"""Headers that keep a reseller's pages private."""

from django.utils.cache import add_never_cache_headers, patch_cache_control


class PrivatePagesMiddleware:
    """Pages shown to a logged-in reseller are never stored by the browser or a proxy.

    So the back button after logout shows nothing private, and a shared computer keeps no
    copy of balances or the ledger.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            patch_cache_control(response, no_store=True, private=True)
        return response
