"""A reseller's team: the staff who act for the owner, the invitations that bring them in,
and a record of every change to the team.

A member is a Django user with a password of their own (never the owner's mSpace password),
who logs in with their e-mail address; the owner is the person who logs in with mSpace.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class Membership(models.Model):
    """One person acting for one reseller, in one role.

    `daily_limit` caps the SMS an operator (or admin) may top up per day (the reseller's
    local day); `active` off ends every session of theirs at the next request
    (`accounts.backends.TeamMemberBackend.get_user`).
    """

    class Roles(models.TextChoices):
        VIEWER = "viewer", _("Viewer")
        OPERATOR = "operator", _("Operator")
        ADMIN = "admin", _("Admin")

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(max_length=10, choices=Roles.choices, default=Roles.VIEWER)
    daily_limit = models.PositiveIntegerField(
        default=0, help_text="SMS this person may top up per day"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self):
        return f"{self.user.get_username()} ({self.role}) for {self.reseller}"

    @property
    def rank(self) -> Role:
        return Role[self.role.upper()]


class Invitation(models.Model):
    """An e-mailed link that lets one person join, once, within INVITATION_HOURS.

    Only a hash of the link's secret is kept: a copy of the database cannot be used to join.
    """

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Roles.choices)
    daily_limit = models.PositiveIntegerField(default=0)
    secret_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"invitation of {self.email} to {self.reseller}"


class TeamEvent(models.Model):
    """One change to a team (an invitation, a role, a limit, access taken back or given,
    a second factor reset), by whom: shown in activity and its CSV."""

    reseller = models.ForeignKey(
        "accounts.Reseller", on_delete=models.CASCADE, related_name="team_events"
    )
    by = models.CharField(max_length=150)
    member = models.CharField(max_length=254)
    # One of `team.members`' sentences, in English, and the word that fills it in (a role,
    # a limit): each reader sees it in their own language.
    what = models.CharField(max_length=200)
    value = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.by}: {self.sentence()} ({self.member})"

    def sentence(self) -> str:
        """What changed, in the active language."""
        from django.utils.translation import gettext

        return gettext(self.what) % {"role": self.value, "limit": self.value}


class CodeFailures(models.Model):
    """Wrong second-factor codes typed by one person since their last right one: the count
    and pauses follow the password's (`accounts.throttle.wait_after`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="code_failures"
    )
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.failures} wrong codes by {self.user}"
