"""Throttling password guessing without letting anyone lock others out.

django-axes keeps the failure counts in the database (every gunicorn worker sees the same
ones); this module tells it, through its supported hooks (see settings), what to count and
when to stop asking mSpace:

- Failures are counted per *throttle key*, never per address: one mobile carrier's shared
  address may carry hundreds of resellers, and twenty made-up usernames from it must not
  lock any of them out. The key is the canonical username (`accounts.identity`), so
  "Alice" and "ALICE" share one count.
- A device that logged in as that username before carries a signed `device` cookie (OWASP's
  "device cookie" pattern). Its failures are counted under its own key, so it is never
  locked by anybody else's failures; a stolen cookie only buys its own, equally limited,
  tries.
- Unknown devices share the username's key. After LOGIN_FAILURE_LIMIT failures they wait
  LOGIN_LOCK_MINUTES; every further failure after a wait doubles the next one (up to a day),
  rather than one fixed lock an attacker can renew forever at the same cost.
- The admin login (`/admin/`) has keys of its own: resellers' failures never lock it, and
  its failures never lock a reseller.

A failure is remembered for a day after the key's last one; a successful login forgets the
key's failures.
"""

import math
import secrets
from datetime import timedelta

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core import signing
from django.db.models import Max, Sum
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.identity import canonical_username

DEVICE_COOKIE = "device"
_DEVICE_SALT = "accounts.throttle.device"
DEVICE_COOKIE_AGE = timedelta(days=365)
# How long failures are remembered after a key's last one (AXES_COOLOFF_TIME): long enough
# for the waits to grow, short enough that a typo last week never counts.
MEMORY = timedelta(days=1)
_LONGEST_WAIT = timedelta(days=1)
_ADMIN = "admin:"
_DEVICE = "#device:"


# --- Whose failures -----------------------------------------------------------------------


def client_address(request) -> str | None:
    """The address a login came from, for the records and log lines (AXES_CLIENT_IP_CALLABLE).

    REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how many proxies of our own stand in front
    of gunicorn: behind nginx every request comes from 127.0.0.1. Each proxy appends the
    address it saw to X-Forwarded-For, so the entry that many places from the right was
    written by our outermost proxy; anything further left came from the browser and could
    be forged.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [hop for hop in forwarded if hop]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def throttle_key(request, credentials=None) -> str:
    """What a login attempt's failures are counted against (AXES_USERNAME_CALLABLE)."""
    credentials = credentials or {}
    username = canonical_username(str(credentials.get("username") or ""))
    if not credentials.get("mspace_login"):
        return _ADMIN + username
    device = trusted_device(request, username)
    return f"{username}{_DEVICE}{device}" if device else username


def trusted_device(request, username: str) -> str | None:
    """The id of this browser's device cookie, if it proved itself by logging in as
    `username` (canonical) before; else None."""
    try:
        proof = request.get_signed_cookie(
            DEVICE_COOKIE, salt=_DEVICE_SALT, max_age=DEVICE_COOKIE_AGE
        )
        username_proved, device = signing.loads(proof, salt=_DEVICE_SALT)
    except (KeyError, signing.BadSignature, ValueError, TypeError):
        return None
    return device if username_proved == username and device else None


def trust_device(request, response, username: str) -> None:
    """After a successful login as `username`: this browser is a device that proved itself.

    The cookie is signed (it cannot be forged or moved to another username) and holds no
    secret: it only decides whose count this browser's failures go to. One username per
    device: logging in as another replaces it.
    """
    username = canonical_username(username)
    device = trusted_device(request, username) or secrets.token_urlsafe(16)
    proof = signing.dumps([username, device], salt=_DEVICE_SALT)
    response.set_signed_cookie(
        DEVICE_COOKIE,
        proof,
        salt=_DEVICE_SALT,
        max_age=int(DEVICE_COOKIE_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- When to stop asking mSpace -----------------------------------------------------------


def wait_after(failures: int) -> timedelta:
    """How long a key waits after its `failures`-th failure (0 below the limit)."""
    over = failures - settings.LOGIN_FAILURE_LIMIT
    if over < 0:
        return timedelta(0)
    return min(timedelta(minutes=settings.LOGIN_LOCK_MINUTES) * 2 ** min(over, 16), _LONGEST_WAIT)


def failure_limit(request, credentials) -> int:
    """The count at which axes refuses this key (AXES_FAILURE_LIMIT).

    Below LOGIN_FAILURE_LIMIT the key may try. From then on it waits `wait_after` its last
    failure; once that wait is over it gets exactly one more try (the limit is one above its
    count), whose failure starts a longer wait.
    """
    failures, last = failures_of(throttle_key(request, credentials))
    if failures < settings.LOGIN_FAILURE_LIMIT or last is None:
        return settings.LOGIN_FAILURE_LIMIT
    if timezone.now() < last + wait_after(failures):
        return failures
    return failures + 1


def failures_of(key: str):
    """This key's failures within MEMORY, and when the last one was (or None)."""
    since = timezone.now() - MEMORY
    totals = AccessAttempt.objects.filter(username=key, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    return totals["failures"] or 0, totals["last"]


def tries_left(request, username: str) -> int:
    """How many more failures this device may make as `username` before it must wait."""
    failures, _ = failures_of(throttle_key(request, {"username": username, "mspace_login": True}))
    return max(settings.LOGIN_FAILURE_LIMIT - failures, 0)


def wait_left(request, credentials) -> timedelta:
    """How long this key must still wait before its next try."""
    failures, last = failures_of(throttle_key(request, credentials))
    if last is None:
        return timedelta(0)
    return max(last + wait_after(failures) - timezone.now(), timedelta(0))


def forgive(request, username: str) -> None:
    """After a successful login as `username`: forget the failures counted against the key
    that just logged in (this proven device's own, or unknown devices' if it is not one).

    Only that key's: a reseller logging in daily from their own phone must not hand someone
    guessing from elsewhere a fresh set of tries each time.
    """
    reset(username=throttle_key(request, {"username": username, "mspace_login": True}))


def unlock(username: str) -> int:
    """Lift every lock on `username` (canonical or as typed): the reseller login's, every
    device's and the admin login's. Returns how many failure records were removed."""
    canonical = canonical_username(username)
    keys = AccessAttempt.objects.filter(username__startswith=canonical + _DEVICE).values_list(
        "username", flat=True
    )
    removed = 0
    for key in {canonical, _ADMIN + canonical, *keys}:
        removed += reset(username=key)
    return removed


def locked_out(request, original_response=None, credentials=None):
    """The answer to a login refused for too many failures (AXES_LOCKOUT_CALLABLE): HTTP 429
    and a page saying what happened on this very try and how long to wait."""
    credentials = (
        credentials
        or getattr(request, "axes_credentials", None)
        or {
            # Refused before any backend ran: the form as posted says who and where.
            "username": request.POST.get("username", ""),
            "mspace_login": request.path == reverse("accounts:login"),
        }
    )
    wait = wait_left(request, credentials)
    seconds = max(int(math.ceil(wait.total_seconds())), 1)
    minutes = max(int(math.ceil(seconds / 60)), 1)
    username = str(credentials.get("username") or "")[:150]
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "minutes": minutes,
            "username": username,
            "asked": getattr(request, "mspace_was_asked", False),
            "failures": failures_of(throttle_key(request, credentials))[0],
            "admin": not credentials.get("mspace_login"),
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
