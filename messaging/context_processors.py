from django.conf import settings

from messaging import reads


def header(request):
    """The header's balance is whatever was last read for this reseller: never a gateway call."""
    user = getattr(request, "user", None)
    logged_in = user is not None and user.is_authenticated
    return {
        "gateway_is_simulator": settings.MSPACE_SIMULATOR,
        "header_balance": reads.last_known_balance(request) if logged_in else None,
    }
