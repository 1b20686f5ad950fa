"""Every page carries the headers SPEC §5 promises, and no template needs inline code.

The crawl visits every page a reseller, a visitor and a site administrator can reach, in the
states that change what is rendered (a form with errors, an outcome of each kind, a gateway
that fails), and checks each response's headers. The Content-Security-Policy forbids inline
scripts and styles, so the templates (and the HTML actually rendered) must have none.
"""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client

from messaging.models import LedgerEntry
from simulator import faults
from tests.hardening_helpers import (
    LOGIN_URL,
    form_key_in,
    header_problems,
    is_html,
    text_of,
    traceback_signs,
)

# The dashboard reads in threads with their own database connections (and the simulator
# journals each call): they must see committed rows and never wait on a test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

RESELLER_PAGES = [
    "/",
    "/?refresh=1",
    "/clients/",
    "/clients/?q=mama&sort=-balance&page=1",
    "/clients/?format=csv",
    "/subaccounts/",
    "/subaccounts/?format=csv",
    "/clients/topup/",
    "/clients/topup/?name=Mama%20Mboga%20Traders&noofsms=10",
    "/subaccounts/topup/?name=alice-nairobi",
    "/send/",
    "/activity/",
    "/activity/?status=unknown",
    "/activity/?format=csv",
    "/no-such-page/",
    "/topups/999999/",
    "/send/999999/",
    "/activity/999999/",
    LOGIN_URL,  # a logged-in reseller is sent on from here
    "/healthz",
]
PUBLIC_PAGES = [
    LOGIN_URL,
    f"{LOGIN_URL}?next=/activity/",
    "/",  # a redirect to the login page
    "/clients/topup/",
    "/healthz",
    "/admin/login/",
    "/admin/",
    "/no-such-page/",
    "/accounts/logout/",  # GET: 405
]
# Inline code the CSP would block: <script> with a body, <style>, style=, on*=, javascript:.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>|<script\b[^>]*>\s*[^<\s]", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
SCRIPT_URL = re.compile(r"javascript:", re.I)


def inline_code_in(html: str) -> list[str]:
    found = []
    for name, pattern in (
        ("inline script", INLINE_SCRIPT),
        ("inline style", INLINE_STYLE),
        ("event handler attribute", EVENT_HANDLER),
        ("javascript: URL", SCRIPT_URL),
    ):
        found += [f"{name}: {match[0]!r}" for match in pattern.finditer(html)]
    return found


def crawl(client, paths, *, logged_in):
    """{path: problems} for every path whose response is not as SPEC §5 says."""
    problems = {}
    for path in paths:
        response = client.get(path)
        found = header_problems(response, logged_in=logged_in)
        if response.status_code >= 500:
            found.append(f"status {response.status_code}")
        if is_html(response):
            found += traceback_signs(text_of(response))
        if found:
            problems[path] = found
    return problems


def visited_pages(client, paths):
    return [(path, client.get(path)) for path in paths]


@pytest.fixture
def outcome_pages(alice_client):
    """A top-up that worked, one whose outcome is unknown, and a test SMS: their pages."""
    pages = []
    for name, fault in (("Mama Mboga Traders", None), ("Jinja Fish", "reset")):
        form = alice_client.get("/clients/topup/")
        if fault:
            faults.inject("resellerclienttopup", fault, times=1)
        response = alice_client.post(
            "/clients/topup/", {"form_key": form_key_in(form), "name": name, "noofsms": "5"}
        )
        assert response.status_code == 303, text_of(response)[:500]
        pages.append(response["Location"])
    form = alice_client.get("/send/")
    response = alice_client.post(
        "/send/",
        {
            "form_key": form_key_in(form),
            "senderid": "ALICESHOP",
            "recipient": "0712 345 678",
            "message": "Headers, please",
        },
    )
    assert response.status_code == 303, text_of(response)[:500]
    pages.append(response["Location"])
    assert LedgerEntry.objects.filter(status=LedgerEntry.Status.UNKNOWN).count() == 1
    pages += [f"/activity/{entry.pk}/" for entry in LedgerEntry.objects.all()]
    return pages


def test_every_page_a_reseller_sees_carries_the_security_headers(alice_client, outcome_pages):
    assert crawl(alice_client, RESELLER_PAGES + outcome_pages, logged_in=True) == {}


def test_pages_re_shown_with_errors_carry_the_security_headers(alice_client):
    posts = [
        ("/clients/topup/", {"name": "Nobody", "noofsms": "-1"}),
        ("/subaccounts/topup/", {"name": "alice-nairobi", "noofsms": "99999999"}),
        ("/send/", {"senderid": "!", "recipient": "12", "message": ""}),
        ("/", {"low_balance": "minus one"}),
    ]
    for path, data in posts:
        response = alice_client.post(path, data)
        assert response.status_code == 200, path
        assert header_problems(response, logged_in=True) == [], path
        assert inline_code_in(text_of(response)) == [], path


def test_pages_shown_while_the_gateway_fails_carry_the_security_headers(
    alice_client, outcome_pages, settings, monkeypatch
):
    settings.MSPACE_TIMEOUT = 0.05
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    for kind in ("http500", "hang", "refuse"):
        fault = faults.inject("*", kind, delay=0.1)
        assert crawl(alice_client, RESELLER_PAGES + outcome_pages, logged_in=True) == {}, kind
        fault.delete()


def test_every_public_page_carries_the_security_headers(db):
    assert crawl(Client(), PUBLIC_PAGES, logged_in=False) == {}


def test_a_login_page_with_errors_carries_the_security_headers(alice):
    response = Client().post(LOGIN_URL, {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert header_problems(response, logged_in=False) == []


def test_the_admin_pages_carry_the_security_headers(alice, outcome_pages):
    admin = get_user_model().objects.create_superuser("siteadmin", password="x" * 20)
    client = Client()
    client.force_login(admin)
    entry = LedgerEntry.objects.first()
    pages = [
        "/admin/",
        "/admin/messaging/ledgerentry/",
        f"/admin/messaging/ledgerentry/{entry.pk}/change/",
        "/admin/simulator/simaccount/",
        "/admin/simulator/simcall/",
        "/admin/simulator/simfault/",
        "/admin/auth/user/",
    ]

    responses = visited_pages(client, pages)

    assert [(path, r.status_code) for path, r in responses] == [(p, 200) for p in pages]
    assert crawl(client, pages, logged_in=True) == {}


def test_the_rendered_pages_have_no_inline_code(alice_client, outcome_pages):
    html = {
        path: text_of(response)
        for path, response in visited_pages(alice_client, RESELLER_PAGES + outcome_pages)
        if is_html(response)
    }
    html[LOGIN_URL] = text_of(Client().get(LOGIN_URL))

    assert len(html) > 15
    assert {path: inline_code_in(page) for path, page in html.items() if inline_code_in(page)} == {}


def test_no_template_has_inline_scripts_styles_or_event_handlers():
    templates = sorted((settings.BASE_DIR / "templates").rglob("*.html"))

    found = {
        str(path.relative_to(settings.BASE_DIR)): inline_code_in(path.read_text())
        for path in templates
    }

    assert len(templates) > 10
    assert {path: problems for path, problems in found.items() if problems} == {}


def test_the_inline_code_scan_finds_what_it_looks_for():
    assert inline_code_in('<script src="/static/js/app.js" defer></script>') == []
    assert inline_code_in("<p>Inline onwards is prose</p>") == []
    for planted in (
        "<script>alert(1)</script>",
        '<script src="/x.js">alert(1)</script>',
        '<p style="color:red">',
        "<style>p{}</style>",
        '<button onclick="go()">',
        '<a href="javascript:go()">',
    ):
        assert inline_code_in(planted), planted


def test_the_header_check_finds_what_it_looks_for():
    bare = HttpResponse("<p>hi</p>")
    weak = HttpResponse("<p>hi</p>")
    weak["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"

    assert len(header_problems(bare, logged_in=True)) == 7
    assert any("inline" in problem for problem in header_problems(weak, logged_in=False))
