"""Staff log in as themselves (their e-mail address, their own password, a code), and the
owner can take that access back at once."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from team import invitations, second_factor
from team.models import CodeFailures, Invitation, Membership, TeamEvent
from tests.accounts_helpers import gateway_logins
from tests.team_helpers import (
    ADMIN,
    OPERATOR,
    STAFF_PASSWORD,
    VIEWER,
    code_for,
    log_in_member,
    make_member,
)

LOGIN = "/accounts/login/"
VERIFY = "/team/two-factor/verify/"


def log_in_with_password(client, email, password=STAFF_PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


# --- Logging in as oneself -----------------------------------------------------------------


def test_a_member_logs_in_with_their_own_password_and_mspace_is_never_asked(alice):
    viewer = make_member(VIEWER, "viewer")
    client = Client()

    response = log_in_with_password(client, VIEWER)

    assert response.status_code == 302
    assert gateway_logins() == 0  # a staff name and password never travel to mSpace
    assert "vault" not in client.cookies or not client.cookies["vault"].value
    # The password alone opens nothing: the code comes first.
    assert client.get("/clients/")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": code_for(viewer.user)}).status_code == 302
    assert client.get("/activity/").status_code == 200


def test_a_wrong_staff_password_is_refused_without_asking_mspace(alice):
    make_member(VIEWER, "viewer")
    response = log_in_with_password(Client(), VIEWER, "not-the-password")
    assert response.status_code == 200
    assert "do not match a member of a team" in response.content.decode()
    assert gateway_logins() == 0


def test_wrong_staff_passwords_are_throttled_like_the_owners(alice):
    make_member(VIEWER, "viewer")
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        log_in_with_password(client, VIEWER, "wrong-guess")
    # Now even the right password waits.
    assert log_in_with_password(client, VIEWER).status_code == 429
    assert gateway_logins() == 0


def test_the_owners_mspace_password_is_no_staff_password(alice):
    from tests.conftest import ALICE_PASSWORD

    make_member(VIEWER, "viewer")
    assert log_in_with_password(Client(), VIEWER, ALICE_PASSWORD).status_code == 200


# --- The second factor -----------------------------------------------------------------------


def test_a_wrong_code_is_refused_and_the_page_stays_closed(alice):
    make_member(VIEWER, "viewer")
    client = Client()
    log_in_with_password(client, VIEWER)
    assert client.post(VERIFY, {"code": "000000"}).status_code in (400, 302)
    assert client.get("/activity/").status_code == 302


def test_wrong_codes_are_throttled_like_passwords(alice):
    viewer = make_member(VIEWER, "viewer")
    client = Client()
    log_in_with_password(client, VIEWER)
    right = code_for(viewer.user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert client.post(VERIFY, {"code": wrong}).status_code == 400
    # Paused: even the right code is refused now, and the page says for how long.
    paused = client.post(VERIFY, {"code": right})
    assert paused.status_code == 429
    assert "Too many wrong codes" in paused.content.decode()
    assert client.get("/activity/").status_code == 302
    # After the pause, the right code works (and the count starts again).
    CodeFailures.objects.filter(user=viewer.user).update(
        last_failure_at=timezone.now() - timedelta(minutes=settings.LOGIN_LOCK_MINUTES, seconds=1)
    )
    assert second_factor.wait_left(viewer.user) == timedelta(0)
    assert client.post(VERIFY, {"code": right}).status_code == 302
    assert client.get("/activity/").status_code == 200


def test_a_recovery_code_works_once(alice):
    viewer = make_member(VIEWER, "viewer")
    codes = second_factor.new_recovery_codes(viewer.user)
    first = Client()
    log_in_with_password(first, VIEWER)
    assert first.post(VERIFY, {"code": codes[0]}).status_code == 302
    assert first.get("/activity/").status_code == 200
    again = Client()
    log_in_with_password(again, VIEWER)
    assert again.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert second_factor.recovery_codes_left(viewer.user) == 9


def test_the_password_alone_cannot_replace_an_authenticator(alice):
    make_member(VIEWER, "viewer")
    client = Client()
    log_in_with_password(client, VIEWER)
    response = client.get("/team/two-factor/enrol/")
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_the_owner_may_require_a_code_for_themselves(alice_client):
    from tests.conftest import ALICE_PASSWORD
    from tests.team_helpers import code_from_key

    page = alice_client.get("/team/two-factor/enrol/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)[1]
    import base64

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    confirmed = alice_client.post("/team/two-factor/enrol/", {"code": code_from_key(key)})
    assert confirmed.status_code == 200
    assert len(re.findall(r"<li><code>", confirmed.content.decode())) == 10

    # From now on, logging in with the mSpace password alone is not enough.
    again = Client()
    assert log_in_with_password(again, "alice", ALICE_PASSWORD).status_code == 302
    assert again.get("/activity/")["Location"].startswith(VERIFY)
    assert again.post(VERIFY, {"code": code_from_key(key, window=1)}).status_code == 302
    assert again.get("/activity/").status_code == 200


# --- Taking access back --------------------------------------------------------------------


def test_a_disabled_members_open_session_stops_at_the_next_request(alice_client):
    viewer = make_member(VIEWER, "viewer")
    staff = log_in_member(Client(), viewer)
    assert staff.get("/activity/").status_code == 200

    response = alice_client.post(f"/team/{viewer.pk}/", {"action": "disable"})

    assert response.status_code == 303
    after = staff.get("/activity/")
    assert after.status_code == 302
    assert after["Location"].startswith(LOGIN)
    # Nor can they log in again, nor reset their way back in.
    assert log_in_with_password(Client(), VIEWER).status_code == 200
    Client().post("/accounts/password-reset/", {"email": VIEWER})
    assert mail.outbox == []
    # Given back, they can.
    alice_client.post(f"/team/{viewer.pk}/", {"action": "enable"})
    assert log_in_with_password(Client(), VIEWER).status_code == 302


def test_every_team_change_is_in_activity_with_who_made_it(alice_client):
    member = make_member(OPERATOR, "operator", daily_limit=100)
    alice_client.post(
        f"/team/{member.pk}/", {"action": "change", "role": "admin", "daily_limit": "500"}
    )
    alice_client.post(f"/team/{member.pk}/", {"action": "reset_second_factor"})
    alice_client.post(f"/team/{member.pk}/", {"action": "disable"})
    alice_client.post(f"/team/{member.pk}/", {"action": "enable"})
    alice_client.post(
        "/team/", {"email": "new@alice.example", "role": "viewer", "daily_limit": "0"}
    )

    said = [
        (event.by, event.member, event.sentence()) for event in TeamEvent.objects.order_by("id")
    ]
    assert said == [
        ("alice", OPERATOR, "role changed to admin"),
        ("alice", OPERATOR, "daily limit changed to 500 SMS"),
        ("alice", OPERATOR, "second factor reset"),
        ("alice", OPERATOR, "access taken back"),
        ("alice", OPERATOR, "access given back"),
        ("alice", "new@alice.example", "invited as viewer"),
    ]
    exported = alice_client.get("/activity/?format=csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    assert "team change,omar@alice.example,,succeeded,access taken back,,,,,,alice" in text
    assert "Team changes" in alice_client.get("/activity/").content.decode()
    member.refresh_from_db()
    assert (member.role, member.daily_limit) == ("admin", 500)
    assert not second_factor.has_authenticator(member.user)


def test_an_admin_cannot_change_their_own_access(alice):
    admin = make_member(ADMIN, "admin", daily_limit=10)
    client = log_in_member(Client(), admin)
    client.post(f"/team/{admin.pk}/", {"action": "change", "role": "admin", "daily_limit": "99999"})
    client.post(f"/team/{admin.pk}/", {"action": "disable"})
    admin.refresh_from_db()
    assert (admin.daily_limit, admin.active) == (10, True)


def test_another_resellers_member_is_nobody_on_this_team(alice_client, bob):
    bobs = make_member("bea@bob.example", "viewer", reseller="bob")
    response = alice_client.post(f"/team/{bobs.pk}/", {"action": "disable"})
    assert response.status_code == 303
    bobs.refresh_from_db()
    assert bobs.active


# --- Invitations and passwords -----------------------------------------------------------


def invitation_link(message) -> str:
    return re.search(r"https?://\S+/team/join/\S+/", message.body)[0]


def test_an_invitation_link_works_once_and_sets_a_password_by_the_validators(alice_client):
    response = alice_client.post(
        "/team/", {"email": "Nia@Alice.example", "role": "operator", "daily_limit": "250"}
    )
    assert response.status_code == 303
    (message,) = mail.outbox
    assert message.to == ["nia@alice.example"]
    link = invitation_link(message)
    newcomer = Client()
    assert newcomer.get(link).status_code == 200
    weak = newcomer.post(link, {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 400  # Django's validators: too common, entirely numeric
    assert not get_user_model().objects.filter(username="nia@alice.example").exists()

    joined = newcomer.post(link, {"password1": STAFF_PASSWORD, "password2": STAFF_PASSWORD})

    assert joined.status_code == 303
    assert joined["Location"] == "/team/two-factor/enrol/"
    member = Membership.objects.get(user__username="nia@alice.example")
    assert (member.reseller.username, member.role, member.daily_limit) == ("alice", "operator", 250)
    assert member.user.check_password(STAFF_PASSWORD)
    # The same link never works twice.
    assert Client().get(link).status_code == 410
    # Only a hash of the link's secret is kept.
    secret = link.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(secret_hash__contains=secret).exists()


def test_an_invitation_expires_after_48_hours(alice_client):
    alice_client.post("/team/", {"email": "late@alice.example", "role": "viewer"})
    link = invitation_link(mail.outbox[0])
    Invitation.objects.update(created_at=timezone.now() - timedelta(hours=49))
    Invitation.objects.update(expires_at=timezone.now() - timedelta(hours=1))
    response = Client().get(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert invitations.INVITATION_HOURS == 48


def test_the_invitation_form_says_what_is_wrong(alice_client):
    response = alice_client.post("/team/", {"email": "not an address", "role": "boss"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter an e-mail address" in page
    assert "Choose a role" in page
    assert mail.outbox == []


def test_a_member_resets_a_forgotten_password_by_e_mail(alice):
    make_member(VIEWER, "viewer")
    Client().post("/accounts/password-reset/", {"email": VIEWER})
    (message,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/password-reset/\S+/\S+/)", message.body)[1]
    browser = Client()
    form = browser.get(link, follow=True)
    assert form.status_code == 200
    new = "An0ther long passphrase!"
    done = browser.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert log_in_with_password(Client(), VIEWER, new).status_code == 302


def test_an_owner_gets_no_password_reset_e_mail(alice_client):
    Client().post("/accounts/password-reset/", {"email": "alice"})
    assert mail.outbox == []


@pytest.mark.parametrize("name", ["alice@example.com", "x@y"])
def test_a_name_with_an_at_sign_is_never_sent_to_mspace(db, name):
    log_in_with_password(Client(), name, "whatever-password")
    assert gateway_logins() == 0


def _enrol_new_authenticator(client):
    import base64

    from tests.team_helpers import code_from_key

    page = client.get("/team/two-factor/enrol/").content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)[1]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    confirmed = client.post("/team/two-factor/enrol/", {"code": code_from_key(key)})
    assert confirmed.status_code == 200, confirmed.content[:400]


def test_changes_people_make_to_their_own_second_factor_are_in_the_teams_record(alice_client):
    viewer = make_member(VIEWER, "viewer")
    staff = log_in_member(Client(), viewer)

    _enrol_new_authenticator(staff)  # a new phone, in a session its old code verified
    assert staff.post("/team/two-factor/", {"action": "new_codes"}).status_code == 200
    # The owner's first authenticator is no change to anyone's access; turning it off is.
    _enrol_new_authenticator(alice_client)
    alice_client.post("/team/two-factor/", {"action": "turn_off"})

    said = [
        (event.by, event.member, event.sentence()) for event in TeamEvent.objects.order_by("id")
    ]
    assert said == [
        (VIEWER, VIEWER, "authenticator replaced"),
        (VIEWER, VIEWER, "new recovery codes made"),
        ("alice", "alice", "second factor turned off"),
    ]
    assert TOTPDevice.objects.filter(user=viewer.user).count() == 1
