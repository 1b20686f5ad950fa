"""Who may do what, by the one table (`accounts.roles.RULES`): every guarded URL has a rule,
and every role is checked against every URL with every method, on the server.

The walk is the guard test's (`tests/test_guard.py`): a page added in any app without a
rule fails here until it gets one. Refused means the role page (403, "Not allowed", saying
what it takes); allowed means the view ran and answered whatever it answers (a form, a 404
for a made-up id, a 405 for a method it does not take), never a 500.
"""

import pytest
from django.test import override_settings
from django.urls import get_resolver, path

from accounts import roles
from accounts.roles import Role
from mspace_admin.urls import urlpatterns as site_urlpatterns
from tests.conftest import ALICE_PASSWORD
from tests.test_guard import guarded_pages, walk
from tests.watch_helpers import start_watching

FORBIDDEN_PAGE = "accounts/forbidden.html"
METHODS = ("get", "head", "post", "delete")


def resolved(address):
    from django.urls import resolve

    return resolve(address)


def refused_by_role(response) -> bool:
    names = [template.name for template in response.templates or []]
    return response.status_code == 403 and FORBIDDEN_PAGE in names


def test_every_guarded_url_has_a_rule():
    missing = [
        (address, name)
        for address, name in guarded_pages(get_resolver().url_patterns)
        if roles.rule_for(resolved(address)) is None
    ]
    assert missing == [], "give these pages a rule in accounts/roles.py RULES"


def test_every_rule_names_a_real_page():
    names = {name for _, name, _ in walk(get_resolver().url_patterns)}
    namespaces = {ns for _, _, nss in walk(get_resolver().url_patterns) for ns in nss}
    for entry in roles.RULES:
        if entry.endswith(":*"):
            assert entry.removesuffix(":*") in namespaces, entry
        else:
            assert entry in names, entry


def new_app_page(request):
    from django.http import HttpResponse

    return HttpResponse("made by a new app")


urlpatterns = [path("new-app/", new_app_page, name="new_app_page"), *site_urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_added_without_a_rule_fails_the_walk_and_opens_to_the_owner_alone(
    alice_client, team
):
    assert ("/new-app/", "new_app_page") in guarded_pages(urlpatterns)
    assert roles.rule_for(resolved("/new-app/")) is None
    # Until it has a rule: the owner alone, every member gets the role page.
    assert alice_client.get("/new-app/").status_code == 200
    for member in team.values():
        assert refused_by_role(member.get("/new-app/"))


@pytest.fixture
def people(alice_client, team, alice_watching):
    """Everyone who can be signed in for alice, by role, keep watch on."""
    return {Role.OWNER: alice_client, **{Role[name.upper()]: c for name, c in team.items()}}


# Committed rows: the dashboard reads mSpace in threads of their own, which must see them.
@pytest.mark.django_db(transaction=True)
def test_every_role_against_every_url_and_method(people):
    pages = guarded_pages(get_resolver().url_patterns)
    assert len(pages) >= 30
    checked = 0
    for address, name in pages:
        match = resolved(address)
        for method in METHODS:
            needed = roles.needed(match, method)
            for role, client in people.items():
                response = getattr(client, method)(address)
                if name == "watch:stop" and method == "post" and role >= needed:
                    start_watching("alice", ALICE_PASSWORD)  # turned off: on again for the rest
                where = f"{method.upper()} {address} ({name}) as {role.name.lower()}"
                assert response.status_code < 500, where
                if role >= needed:
                    assert not refused_by_role(response), where
                    # Still signed in: a session that ended would let every check pass.
                    assert not response.get("Location", "").startswith("/accounts/login"), where
                else:
                    assert refused_by_role(response), where
                checked += 1
    assert checked == len(pages) * len(METHODS) * 4


def test_the_table_gives_each_role_what_the_issue_says():
    def can(role, name, method="GET"):
        return roles.allows(role, resolved(_address(name)), method)

    # Viewer: balances, lists, history, activity; never top-ups, test SMS or settings.
    for name in ("messaging:dashboard", "messaging:clients", "messaging:activity"):
        assert can(Role.VIEWER, name)
    assert can(Role.VIEWER, "watch:own_history")
    assert not can(Role.VIEWER, "messaging:client_topup")
    assert not can(Role.VIEWER, "messaging:send", "POST")
    # Operator: and top-ups and test SMS; not the team, alerts, prices or watch.
    assert can(Role.OPERATOR, "messaging:client_topup", "POST")
    assert can(Role.OPERATOR, "messaging:send", "POST")
    for name in ("team:team", "alerts:alerts", "billing:prices", "watch:watch"):
        assert not can(Role.OPERATOR, name)
        assert can(Role.ADMIN, name)
    # Starting keep watch takes the mSpace password: the owner's alone.
    assert not can(Role.ADMIN, "watch:watch", "POST")
    assert can(Role.OWNER, "watch:watch", "POST")


def _address(name):
    return next(
        f"/{address}" for address, found, _ in walk(get_resolver().url_patterns) if found == name
    )


def test_the_role_page_says_what_it_takes_in_kiswahili_too(team):
    viewer = team["viewer"]
    response = viewer.get("/clients/topup/")
    assert refused_by_role(response)
    assert "Operator" in response.content.decode()
    viewer.post("/language/", {"language": "sw"})
    response = viewer.get("/clients/topup/")
    assert refused_by_role(response)
    assert 'lang="sw"' in response.content.decode()
