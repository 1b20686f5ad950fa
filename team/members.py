"""Who a signed-in person is on a team, and the changes an owner or admin makes to it.

Every change is written as a `TeamEvent` in the same transaction, so the activity page and
its CSV always say who changed what.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext_noop

from accounts.tenancy import rows
from team.models import Membership, TeamEvent

# The words of the record (kept in English, as the CSV's other values; the page translates).
INVITED = gettext_noop("invited as %(role)s")
JOINED = gettext_noop("joined as %(role)s")
ROLE_CHANGED = gettext_noop("role changed to %(role)s")
LIMIT_CHANGED = gettext_noop("daily limit changed to %(limit)s SMS")
DISABLED = gettext_noop("access taken back")
ENABLED = gettext_noop("access given back")
SECOND_FACTOR_RESET = gettext_noop("second factor reset")
# Changes people make to their own second factor: who can log in as them rests on it.
AUTHENTICATOR_REPLACED = gettext_noop("authenticator replaced")
RECOVERY_CODES_RENEWED = gettext_noop("new recovery codes made")
SECOND_FACTOR_TURNED_OFF = gettext_noop("second factor turned off")


_NOT_LOOKED_UP = object()


def membership_of(user) -> Membership | None:
    """The active membership of this signed-in person, or None (an owner, a site
    administrator, someone whose access was taken back, or nobody)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    found = getattr(user, "team_membership", _NOT_LOOKED_UP)
    if found is not _NOT_LOOKED_UP:
        return found  # found by the backend for this request
    try:
        membership = user.membership
    except Membership.DoesNotExist:
        return None
    return membership if membership.active and user.is_active else None


def is_member(user) -> bool:
    """Whether this user was ever made a team member (whether or not access was taken back)."""
    try:
        return user.membership is not None
    except (Membership.DoesNotExist, AttributeError):
        return False


def record(reseller, by: str, member: str, what: str, value="") -> TeamEvent:
    """Write one team change: `what` is one of the sentences above, `value` fills it in."""
    return TeamEvent.objects.create(
        reseller=reseller, by=by[:150], member=member[:254], what=what, value=str(value)[:20]
    )


def member_of(reseller, member_id) -> Membership | None:
    """The reseller's own member with this id, or None (another reseller's is nobody)."""
    return rows(Membership, reseller).select_related("user").filter(pk=member_id).first()


def team_of(reseller):
    return rows(Membership, reseller).select_related("user").order_by("user__username")


def change_role(membership, role: str, *, by: str) -> bool:
    if membership.role == role:
        return False
    with transaction.atomic():
        membership.role = role
        membership.save(update_fields=["role"])
        record(membership.reseller, by, _name(membership), ROLE_CHANGED, role)
    return True


def change_limit(membership, limit: int, *, by: str) -> bool:
    if membership.daily_limit == limit:
        return False
    with transaction.atomic():
        membership.daily_limit = limit
        membership.save(update_fields=["daily_limit"])
        record(membership.reseller, by, _name(membership), LIMIT_CHANGED, limit)
    return True


def set_access(membership, active: bool, *, by: str) -> bool:
    """Take access back (or give it back). Taken back, every session of theirs stops at its
    next request: the backend no longer finds the person (`is_active` off), and a password
    reset cannot bring them back either."""
    if membership.active == active:
        return False
    with transaction.atomic():
        membership.active = active
        membership.save(update_fields=["active"])
        get_user_model()._default_manager.filter(pk=membership.user_id).update(is_active=active)
        record(membership.reseller, by, _name(membership), ENABLED if active else DISABLED)
    return True


def reset_second_factor(membership, *, by: str) -> None:
    """Remove the person's authenticator and recovery codes: their sessions are no longer
    verified, and their next page asks them to enrol again."""
    from team import second_factor

    with transaction.atomic():
        second_factor.remove_all(membership.user)
        record(membership.reseller, by, _name(membership), SECOND_FACTOR_RESET)


def _name(membership) -> str:
    return membership.user.get_username()
