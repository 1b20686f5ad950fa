"""A web worker does not load, at start, libraries that cost it tens of megabytes for what it
may never do: `make bench` measures the worker's memory; this keeps the two big causes found
there (phonenumbers' geocoder, ~100 MB of place names; fpdf2 and its fonts, ~20 MB) from
coming back unnoticed. Run in a fresh interpreter: this test process imports them anyway."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LOADED = """
import json, sys, django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every app's views, as a worker has them after its first request
print(json.dumps({name: name in sys.modules for name in sys.argv[1:]}))
"""


def loaded_by_a_worker(*modules):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mspace_admin.settings",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", LOADED, *modules],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["phonenumbers.geodata", "fpdf"])
def test_a_worker_does_not_load_what_it_may_never_use(module):
    assert loaded_by_a_worker(module, "messaging.phone", "billing.views.receipts") == {
        module: False,
        # The modules that used to pull them in are loaded: the check is not vacuous.
        "messaging.phone": True,
        "billing.views.receipts": True,
    }
