"""Throttling password guessing, through django-axes' supported hooks (see settings).

Axes keeps the failure counts in the database, so every gunicorn worker sees the same ones.
It counts each failed login two ways — this username from this address, and this address
across every username — and locks when the larger count (always the address's) reaches
`AXES_FAILURE_LIMIT`. `failure_limit` turns that single number into two limits:
LOGIN_FAILURE_LIMIT for one username from one address, and the higher LOGIN_SPRAY_LIMIT
for one address guessing across many usernames (an office behind one address has several
people who mistype).
"""

from datetime import timedelta

from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone


def client_address(request) -> str | None:
    """The address failures are counted against (AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how many proxies of our own stand in front
    of gunicorn: behind nginx every request comes from 127.0.0.1, so one reseller's typos
    would lock everybody out. Each proxy appends the address it saw to X-Forwarded-For, so
    the entry that many places from the right was written by our outermost proxy; anything
    further left came from the browser and could be forged.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [hop for hop in forwarded if hop]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def failure_limit(request, credentials) -> int:
    """The limit axes compares with this address's failures (AXES_FAILURE_LIMIT).

    The address may fail LOGIN_SPRAY_LIMIT times in all, but once this username from this
    address has failed LOGIN_FAILURE_LIMIT times, the lower limit applies to it (the
    address's count is always at least the pair's, so that locks the pair).
    """
    if failures_of(request, credentials) >= settings.LOGIN_FAILURE_LIMIT:
        return settings.LOGIN_FAILURE_LIMIT
    return max(settings.LOGIN_SPRAY_LIMIT, settings.LOGIN_FAILURE_LIMIT)


def failures_of(request, credentials=None) -> int:
    """Failures counted for this username from this address within the cool-off window."""
    username = get_client_username(request, credentials)
    if not username:
        return 0
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    since = (getattr(request, "axes_attempt_time", None) or timezone.now()) - _cool_off(request)
    attempts = AccessAttempt.objects.filter(
        username=username, ip_address=address, attempt_time__gte=since
    )
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def forgive(request, username: str) -> None:
    """After a successful login, forget this username's failures from this address.

    Only that pair's: axes' own AXES_RESET_ON_SUCCESS would clear the whole address's count,
    letting someone spray other usernames and reset the count by logging into their own
    account now and then.
    """
    reset(ip=client_address(request), username=username)


def locked_out(request, original_response=None, credentials=None):
    """The answer to a locked-out login (AXES_LOCKOUT_CALLABLE): HTTP 429, a plain page."""
    cool_off = _cool_off(request)
    response = render(
        request,
        "accounts/locked_out.html",
        {"minutes": int(cool_off.total_seconds() // 60)},
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def _cool_off(request) -> timedelta:
    return get_cool_off(request) or timedelta(0)
