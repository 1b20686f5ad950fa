"""The one way app code reads a tenant's rows, so a forgotten filter cannot leak another
reseller's data.

Every model that belongs to a reseller has a `reseller` foreign key to
`accounts.models.Reseller`. App code reads such rows only through `rows(Model, reseller)`;
`tests/test_tenancy.py` fails when code outside this module (and the admin, which is for site
administrators) names such a model's manager directly.
"""

from django.contrib.auth.models import AnonymousUser

from accounts.models import Reseller


def rows(model, reseller):
    """Every row of `model` that belongs to `reseller` (a `Reseller` or its id)."""
    reseller_id = getattr(reseller, "pk", reseller)
    if reseller_id is None:
        raise ValueError("A tenant's rows need a saved reseller.")
    return model._default_manager.filter(reseller_id=reseller_id)


def every_tenant(model):
    """Every row of `model`, whoever it belongs to: for work that spans resellers on purpose
    (the operator's list of unknown outcomes). Say why wherever it is used."""
    return model._default_manager.all()


def reseller_of(user) -> Reseller | None:
    """The reseller this person acts for: their own (an owner, who logs in with mSpace), the
    owner's (a member of their team whose access stands), or None (nobody logged in, or a
    site administrator, who has no mSpace account to act with)."""
    from accounts.backends import is_local_account  # the backends need the gateway client
    from team.members import membership_of  # team's models build on this app's

    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    if is_local_account(user):
        membership = membership_of(user)
        return membership.reseller if membership is not None else None
    return Reseller.of_username(user.get_username())
