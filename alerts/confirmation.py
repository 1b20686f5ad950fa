"""Confirming the reseller's alert address: a signed link, good once, for three days.

The link carries the reseller, the address and a random nonce, signed with SECRET_KEY
(`django.core.signing`, so it cannot be forged or edited). Using it empties the stored
nonce in the same conditional UPDATE that marks the address confirmed, so a second use, or
a link for an address since replaced, confirms nothing.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import rows
from alerts.models import AlertSettings

SALT = "alerts.confirm-email"
MAX_AGE_SECONDS = 3 * 24 * 3600


class LinkUnusable(Exception):
    """The link is forged, expired, someone else's, used already or replaced; `.message`."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def send_link(request, settings_row: AlertSettings) -> None:
    """E-mail a fresh confirmation link to `settings_row.email` (earlier links stop working).

    Raises OSError or smtplib.SMTPException when the mail server does not take it.
    """
    nonce = secrets.token_urlsafe(24)
    rows(AlertSettings, settings_row.reseller_id).filter(pk=settings_row.pk).update(
        confirmation_nonce=nonce, email_confirmed_at=None
    )
    token = signing.dumps(
        {"r": settings_row.reseller_id, "e": settings_row.email, "n": nonce}, salt=SALT
    )
    link = request.build_absolute_uri(reverse("alerts:confirm", args=[token]))
    send_mail(
        _("Confirm your address for SMS alerts"),
        _(
            "Follow this link to receive SMS balance alerts at this address:\n\n%(link)s\n\n"
            "It works once, for three days. If you did not ask for alerts, ignore this e-mail."
        )
        % {"link": link},
        settings.DEFAULT_FROM_EMAIL,
        [settings_row.email],
    )


def read(token: str, reseller) -> dict:
    """What a link says, if it is genuine, fresh and `reseller`'s; raises `LinkUnusable`."""
    try:
        said = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise LinkUnusable(
            _("This link is more than three days old. Send a new one from the alerts page.")
        ) from None
    except signing.BadSignature:
        raise LinkUnusable(_("This link is not one we sent, or it was cut short.")) from None
    if not isinstance(said, dict) or said.get("r") != reseller.pk:
        raise LinkUnusable(_("This link belongs to another account."))
    return said


def confirm(token: str, reseller) -> str:
    """Confirm the address a link names, once; returns it. Raises `LinkUnusable`."""
    said = read(token, reseller)
    confirmed = (
        rows(AlertSettings, reseller)
        .filter(email=said.get("e", ""), confirmation_nonce=said.get("n", ""))
        .exclude(confirmation_nonce="")
        .update(email_confirmed_at=timezone.now(), confirmation_nonce="")
    )
    if not confirmed:
        raise LinkUnusable(
            _(
                "This link was used already, or a newer one was sent since: nothing changed. "
                "The alerts page says whether your address is confirmed."
            )
        )
    return said["e"]
