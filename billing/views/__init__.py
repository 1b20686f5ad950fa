"""The money pages. Every query is scoped to `tenant(request)`, the reseller whose money it is."""


def tenant(request):
    """The reseller whose books a request may see: the one logged in."""
    return request.reseller
