"""Helpers for the top-up, ledger, activity and reconcile tests: fill in the top-up form as a
browser would, and look at what the simulated gateway received and holds."""

import html
import re
import threading

from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client

from accounts.models import Reseller
from messaging.models import LedgerEntry
from simulator.models import SimAccount, SimCall

CLIENT_TOPUP = "/clients/topup/"
SUBACCOUNT_TOPUP = "/subaccounts/topup/"
_FORM_KEY = re.compile(r'name="form_key" value="([0-9a-f-]{36})"')
_OUTCOME = re.compile(r"^/topups/(\d+)/$")


def form_key(client, url=CLIENT_TOPUP) -> str:
    """The one-time key of a freshly shown top-up form."""
    return form_key_in(client.get(url))


def form_key_in(response) -> str:
    return _FORM_KEY.search(response.content.decode())[1]


def a_top_up(client, name="Mama Mboga Traders", noofsms="500", url=CLIENT_TOPUP, **extra):
    """POST data for a top-up form with a fresh key; `extra` overrides or adds fields."""
    return {"form_key": form_key(client, url), "name": name, "noofsms": noofsms, **extra}


def top_up(client, name="Mama Mboga Traders", noofsms="500", url=CLIENT_TOPUP, **extra):
    """Fill in and send the form; the response (not followed)."""
    return client.post(url, a_top_up(client, name, noofsms, url, **extra))


_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def confirmed(client, response, url=CLIENT_TOPUP):
    """Answer a large top-up's confirmation page (issue 24) with "Yes", posting back every
    hidden field the page carries, as a browser would; any other response is returned as is."""
    page = response.content.decode() if response.status_code == 200 else ""
    if 'name="confirmed_amount"' not in page:
        return response
    form = page[page.index('class="topup-next"') :]
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(form)}
    fields.pop("csrfmiddlewaretoken", None)
    return client.post(url, fields)


def outcome_entry(response) -> LedgerEntry:
    """The ledger entry a top-up POST was redirected to (asserting the 303 to its page)."""
    assert response.status_code == 303, response.content[:800]
    match = _OUTCOME.match(response["Location"])
    assert match, response["Location"]
    return LedgerEntry.objects.get(pk=int(match[1]))


def top_up_calls(method="resellerclienttopup"):
    """The top-up calls of `method` that reached the simulated gateway."""
    return SimCall.objects.filter(method=method).received()


def reseller(username) -> SimAccount:
    return SimAccount.objects.get(username=username, parent=None)


def account(owner, name) -> SimAccount:
    return SimAccount.objects.get(parent__username=owner, parent__parent=None, username=name)


def user(username):
    """The site's own user for a reseller (as logging in would create it: no local password,
    mSpace decides)."""
    person, created = get_user_model().objects.get_or_create(username=username)
    if created:
        person.set_unusable_password()
        person.save(update_fields=["password"])
    return person


def tenant(username) -> Reseller:
    """The reseller (tenant) of this mSpace username, as the ledger records it."""
    return Reseller.of_username(username)


def entry(reseller, **fields) -> LedgerEntry:
    """A ledger row written directly, for pages that only read the ledger."""
    values = {
        "actor_name": reseller.username,
        "kind": LedgerEntry.Kind.CLIENT_TOP_UP,
        "target": "Mama Mboga Traders",
        "amount": 100,
        "status": LedgerEntry.Status.SUCCEEDED,
        **fields,
    }
    return LedgerEntry.objects.create(reseller=reseller, **values)


def copy_of(logged_in: Client) -> Client:
    """Another browser tab: a new client carrying the same session and vault cookies."""
    tab = Client()
    for name, morsel in logged_in.cookies.items():
        tab.cookies[name] = morsel.value
    return tab


def all_at_once(jobs):
    """Run each job in its own thread, released together; their results in order."""
    results = [None] * len(jobs)
    errors = []
    start = threading.Barrier(len(jobs))

    def run(index, job):
        try:
            start.wait(timeout=10)
            results[index] = job()
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results
