"""Inviting someone to a team by e-mail: a link that works once, for INVITATION_HOURS.

The link carries a random secret; only its SHA-256 is stored, so neither a copy of the
database nor the team page can be used to join. Accepting makes the person's user (their
e-mail address is their username), their membership and the record, in one transaction
that first locks the invitation: two tabs accepting at once make one member.
"""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import canonical_username
from accounts.tenancy import every_tenant, rows
from team import members
from team.models import Invitation, Membership

INVITATION_HOURS = 48


class CannotJoin(Exception):
    """The link cannot be used (unknown, used, expired, or the address is taken); the
    message says which, in plain words."""


def invite(reseller, *, email: str, role: str, daily_limit: int, by: str, site_url) -> str:
    """Record an invitation, e-mail its link (`site_url(path)` makes it absolute) and return
    the link. Earlier unused invitations of the same address to this team stop working."""
    secret = secrets.token_urlsafe(32)
    email = canonical_username(email)
    with transaction.atomic():
        rows(Invitation, reseller).filter(email=email, used_at__isnull=True).delete()
        Invitation.objects.create(
            reseller=reseller,
            email=email,
            role=role,
            daily_limit=daily_limit,
            secret_hash=_hash(secret),
            invited_by=by[:150],
            expires_at=timezone.now() + timedelta(hours=INVITATION_HOURS),
        )
        members.record(reseller, by, email, members.INVITED, role)
    link = site_url(reverse("team:join", args=[secret]))
    context = {"link": link, "by": by, "team": reseller.username, "hours": INVITATION_HOURS}
    send_mail(
        _("You are invited to %(team)s's mSpace reseller team") % {"team": reseller.username},
        render_to_string("team/invitation_email.txt", context),
        None,
        [email],
    )
    return link


def open_invitation(secret: str) -> Invitation:
    """The invitation this link's secret opens; raises `CannotJoin`."""
    # Across tenants on purpose: the link is how a newcomer finds their team.
    invitation = every_tenant(Invitation).filter(secret_hash=_hash(secret)).first()
    _check(invitation)
    return invitation


def accept(secret: str, password: str):
    """Join with this link and password (already checked by Django's validators): returns
    the new user. Raises `CannotJoin`."""
    with transaction.atomic():
        invitation = (
            every_tenant(Invitation)
            .select_for_update()
            .select_related("reseller")
            .filter(secret_hash=_hash(secret))
            .first()
        )
        _check(invitation)
        users = get_user_model()._default_manager
        if users.filter(username=invitation.email).exists():
            raise CannotJoin(
                _(
                    "This e-mail address already belongs to someone who logs in here. Log in "
                    "with it, or ask for an invitation to another address."
                )
            )
        user = users.create_user(
            username=invitation.email, email=invitation.email, password=password
        )
        Membership.objects.create(
            reseller=invitation.reseller,
            user=user,
            role=invitation.role,
            daily_limit=invitation.daily_limit,
        )
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        members.record(
            invitation.reseller, invitation.email, invitation.email, members.JOINED, invitation.role
        )
    return user


def pending(reseller):
    """The team's invitations not used yet and not expired, newest first."""
    return rows(Invitation, reseller).filter(used_at__isnull=True, expires_at__gt=timezone.now())


def _check(invitation) -> None:
    if invitation is None:
        raise CannotJoin(_("This invitation link is not valid. Ask for a new invitation."))
    if invitation.used_at is not None:
        raise CannotJoin(
            _("This invitation link was already used. Log in, or ask for a new invitation.")
        )
    if invitation.expires_at <= timezone.now():
        raise CannotJoin(
            _("This invitation link has expired (after %(hours)s hours). Ask for a new one.")
            % {"hours": INVITATION_HOURS}
        )


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
