"""How every carried-out credit-moving form is answered."""

from django.shortcuts import redirect


def see_outcome(view_name: str, entry):
    """303 to `entry`'s outcome page: whatever the browser posted, it now GETs the outcome
    (POST/redirect/GET), and a reload never posts again."""
    response = redirect(view_name, entry_id=entry.pk)
    response.status_code = 303
    return response
