"""One table of gateway methods (`messaging.methods`) for the client, the books, the services
and the simulator: a method added or renamed there is added or renamed everywhere."""

import re
from pathlib import Path

from django.conf import settings

from messaging import methods
from messaging.books import BOOKS
from messaging.gateway import Gateway
from messaging.mspace import MspaceClient
from simulator import faults
from simulator import gateway as simulated

ROOT = Path(settings.BASE_DIR)


def test_every_method_has_a_client_method_and_a_simulated_handler():
    for wire, method in methods.METHODS.items():
        assert callable(getattr(MspaceClient, method.client_method)), wire
        assert callable(getattr(Gateway, method.client_method)), wire
    assert set(simulated.HANDLERS) == set(methods.METHODS)
    assert set(faults.METHODS) == set(methods.METHODS)


def test_the_books_name_methods_of_the_table():
    for book in BOOKS.values():
        assert methods.METHODS[book.read_method.wire] is book.read_method
        assert methods.METHODS[book.top_up_method.wire] is book.top_up_method
        assert book.top_up_method.moves_credit and not book.read_method.moves_credit


def test_exactly_the_top_ups_and_sends_move_credit():
    assert set(methods.WRITES) == {"resellerclienttopup", "subacctopup", "sendtext"}
    for wire in methods.WRITES:
        assert methods.METHODS[wire].target in methods.METHODS[wire].segments


def test_the_simulator_parses_each_method_by_its_segments():
    for wire, method in methods.METHODS.items():
        extra = "/".join(f"{segment}=v" for segment in method.segments)
        path = f"{wire}/username=u/password=p" + (f"/{extra}" if extra else "")
        call = simulated.parse(path)
        assert call is not None and call.method == wire, path
        assert simulated.parse(path + "/surplus=1") is None


def test_no_app_code_spells_a_method_name_outside_the_table():
    # "balance" and "login" are also plain words here (a sort order, a URL name): the others
    # can only be gateway methods.
    names = "|".join(wire for wire in methods.METHODS if wire not in ("balance", "login"))
    spelled = re.compile(rf"""["']({names})["']""")
    found = []
    for folder in ("accounts", "messaging", "simulator", "mspace_admin"):
        for source in (ROOT / folder).rglob("*.py"):
            if "migrations" in source.parts or source.name == "methods.py":
                continue
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                for match in spelled.finditer(line):
                    found.append(f"{source.relative_to(ROOT)}:{number}: {match[0]}")
    assert found == []
