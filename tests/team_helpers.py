"""The team in tests: alice (the owner, from tests/conftest.py) and her staff, named by role.

Members are made directly (a user, a membership, a confirmed authenticator), then log in the
way a person does: the real login form with their e-mail address and password, then a code
computed here from their authenticator's secret, exactly as their phone would.
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Reseller
from team.models import Membership

STAFF_PASSWORD = "Staff-only p4ss phrase 7!"  # noqa: S105 (a test's own password)
VIEWER = "vera@alice.example"
OPERATOR = "omar@alice.example"
ADMIN = "ada@alice.example"


def make_member(email, role, *, reseller="alice", daily_limit=0, password=STAFF_PASSWORD):
    """A member of `reseller`'s team with a confirmed authenticator; returns the membership."""
    user = get_user_model().objects.create_user(username=email, email=email, password=password)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return Membership.objects.create(
        reseller=Reseller.of_username(reseller), user=user, role=role, daily_limit=daily_limit
    )


def code_for(user, *, window=0) -> str:
    """The six digits the person's authenticator app shows now (`window=1`: in the next 30
    seconds, which the server also accepts, for a second login within the same window: a
    code once accepted is never taken again)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return code_from_key(device.bin_key, window=window)


def code_from_key(key: bytes, *, window=0) -> str:
    return f"{totp(key, step=30, t0=0, digits=6, drift=window):06d}"


def log_in_member(client: Client, membership, *, password=STAFF_PASSWORD) -> Client:
    """The real login form, then the code page: the client ends fully logged in."""
    email = membership.user.get_username()
    response = client.post("/accounts/login/", {"username": email, "password": password})
    assert response.status_code == 302, response.content[:400]
    response = client.post("/team/two-factor/verify/", {"code": code_for(membership.user)})
    assert response.status_code == 302, response.content[:400]
    return client


@pytest.fixture
def team(alice):
    """alice's viewer, operator (limit 1,000 SMS a day) and admin, each logged in."""
    people = {
        "viewer": make_member(VIEWER, "viewer"),
        "operator": make_member(OPERATOR, "operator", daily_limit=1000),
        "admin": make_member(ADMIN, "admin", daily_limit=1000),
    }
    return {role: log_in_member(Client(), member) for role, member in people.items()}


@pytest.fixture
def alice_watching(alice):
    """alice has turned keep watch on: her staff act through her standing credential."""
    from tests.conftest import ALICE_PASSWORD
    from tests.watch_helpers import start_watching

    return start_watching("alice", ALICE_PASSWORD)
