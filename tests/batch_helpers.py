"""Helpers for the bulk top-up and refill tests: preview and confirm as a browser would, and
run a batch as the worker does."""

import html
import re

from batches import runner
from batches.models import Batch
from simulator.models import SimCall

BULK = "/clients/bulk-topup/"
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
_TICKED = re.compile(r'<input type="checkbox" name="name" value="([^"]*)"[^>]*? checked>')


def preview(client, url=BULK, **rule):
    response = client.get(url, rule)
    assert response.status_code == 200, response.content[:500]
    return response


def confirm_data(response, *, names=None, action="start") -> dict:
    """The preview's POST: its hidden fields, the ticks as shown (or `names`), and `action`."""
    page = response.content.decode()
    data = {name: html.unescape(value) for name, value in _HIDDEN.findall(page)}
    data.pop("csrfmiddlewaretoken", None)
    ticked = [html.unescape(name) for name in _TICKED.findall(page)]
    data["name"] = ticked if names is None else names
    data["action"] = action
    return data


def start(client, url=BULK, names=None, **rule) -> Batch:
    """Preview with `rule` and confirm every ticked account (or `names`); the batch started."""
    response = client.post(url, confirm_data(preview(client, url, **rule), names=names))
    assert response.status_code == 303, response.content[:800]
    return Batch.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def run(batch) -> Batch:
    """What the worker does with a queued batch, here and now."""
    runner.run(batch.pk)
    batch.refresh_from_db()
    return batch


def credited(target=None):
    """Top-up calls that moved credit, as the simulator's journal has them."""
    calls = SimCall.objects.filter(method="resellerclienttopup", credit_moved=True)
    return calls.filter(target=target) if target else calls
