"""The second factor: an authenticator app's six-digit codes (TOTP, django-otp) and ten
single-use recovery codes, with wrong codes throttled like wrong passwords.

Required for every team member; an owner may turn it on for themselves, and from then on it
is required at each of their logins too. A session is "verified" once a code was accepted
in it (django-otp keeps the device in the session; removing the device ends that).
"""

import base64
from datetime import timedelta

import django_otp
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import throttle
from team import members
from team.models import CodeFailures

RECOVERY_CODES = 10
_REQUIRED = "_second_factor_required"
_AUTHENTICATOR = "authenticator"
_RECOVERY = "recovery codes"


class Paused(Exception):
    """Too many wrong codes: `wait` (a timedelta) before the next try."""

    def __init__(self, wait: timedelta):
        super().__init__("too many wrong codes")
        self.wait = wait


# --- Whether a session still owes its second factor ---------------------------------------


def require_for_session(request, required: bool) -> None:
    """Set at login: whether this session must show a code before any page (staff always;
    an owner who turned it on)."""
    request.session[_REQUIRED] = required


def is_required(request) -> bool:
    return bool(request.session.get(_REQUIRED))


def is_verified(request) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def has_authenticator(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- Enrolling ------------------------------------------------------------------------------


def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being set up (unconfirmed), made on first use: the same secret is
    shown until a code from it is typed, so reloading the page does not change it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_AUTHENTICATOR, confirmed=False)
    return device


def secret_of(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app: base32, no padding."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_code(device: TOTPDevice) -> str:
    """The otpauth:// link as an SVG QR code (a data: URI for an <img>: drawn here on the
    server, so the page needs no script and no inline style)."""
    import segno  # only enrolment draws one: no worker carries it from the start

    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def confirm(request, device: TOTPDevice, code: str) -> list[str] | None:
    """Check the first code from a new authenticator. Right: the authenticator replaces any
    earlier one, the session is verified and ten new recovery codes are returned (shown
    once). Wrong: None. Raises `Paused` while too many wrong codes were typed."""
    user = request.user
    with transaction.atomic():
        _raise_if_paused(user)
        if not device.verify_token(_digits(code)):
            _failed(user)
            return None
        earlier = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
        if earlier.filter(confirmed=True).exists():
            record_own_change(request, members.AUTHENTICATOR_REPLACED)
        earlier.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _forgive(user)
        codes = new_recovery_codes(user)
    django_otp.login(request, device)
    return codes


def new_recovery_codes(user) -> list[str]:
    """Ten fresh single-use codes; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def record_own_change(request, what: str) -> None:
    """A change a person made to their own second factor, in their team's record (the
    owner's too: whoever holds the authenticator can log in as them)."""
    reseller = getattr(request, "reseller", None)
    if reseller is not None:
        name = request.user.get_username()
        members.record(reseller, name, name, what)


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def remove_all(user) -> None:
    """No authenticator and no recovery codes any more: sessions verified by them are not."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- Logging in with a code ------------------------------------------------------------------


def verify(request, code: str) -> bool:
    """Check a code from the authenticator, or one recovery code (used up by this). Right:
    the session is verified. Raises `Paused` while too many wrong codes were typed."""
    user = request.user
    code = code.strip().replace(" ", "").replace("-", "")
    with transaction.atomic():
        _raise_if_paused(user)
        device = _matching_device(user, code)
        if device is None:
            _failed(user)
            return False
        _forgive(user)
    django_otp.login(request, device)
    return True


def _matching_device(user, code: str):
    if code.isdigit():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
        return None
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code.lower()):
            return device
    return None


def _digits(code: str) -> str:
    return code.strip().replace(" ", "")


# --- Throttling: the same counts and pauses as passwords -----------------------------------


def wait_left(user) -> timedelta:
    """How long this person must still wait before typing another code."""
    failures = CodeFailures.objects.filter(user=user).first()
    if failures is None or failures.last_failure_at is None:
        return timedelta(0)
    if timezone.now() - failures.last_failure_at > throttle.MEMORY:
        return timedelta(0)
    wait = throttle.wait_after(failures.failures)
    return max(failures.last_failure_at + wait - timezone.now(), timedelta(0))


def _raise_if_paused(user) -> None:
    wait = wait_left(user)
    if wait > timedelta(0):
        raise Paused(wait)


def _failed(user) -> None:
    failures, _ = CodeFailures.objects.select_for_update().get_or_create(user=user)
    if failures.last_failure_at and timezone.now() - failures.last_failure_at > throttle.MEMORY:
        failures.failures = 0
    failures.failures += 1
    failures.last_failure_at = timezone.now()
    failures.save()


def _forgive(user) -> None:
    CodeFailures.objects.filter(user=user).delete()


def lock_minutes() -> int:
    return settings.LOGIN_LOCK_MINUTES


def ask_for_code(request):
    """Where a session that still owes its second factor goes: typing a code, or setting up
    an authenticator first if the person has none yet."""
    from django.contrib.auth.views import redirect_to_login

    if has_authenticator(request.user):
        return redirect_to_login(request.get_full_path(), "team:verify")
    return redirect_to_login(request.get_full_path(), "team:enrol")


def may_enrol(request) -> bool:
    """Setting up a (new) authenticator: for someone who has none, or in a session already
    verified. Never by the password alone once an authenticator exists, or a stolen
    password would be enough to replace it."""
    return not has_authenticator(request.user) or is_verified(request)
