"""Every plain-language sentence the gateway client can say reaches the reader in their
language: messaging/mspace.py stays free of Django and English, and messaging/gateway_words.py
translates its sentences at the Django boundary."""

import ast
import inspect
import subprocess
import sys

import pytest
from django.conf import settings
from django.utils import translation

from messaging import mspace
from messaging.gateway_words import said

# Programmer errors and log lines, never shown to a reseller.
NOT_FOR_RESELLERS = {"ValueError", "TypeError", "debug", "info", "warning", "error", "exception"}


def sentences_in_mspace() -> set[str]:
    """Every finished sentence written in mspace.py outside docstrings, programmer errors and
    log lines: error defaults, the refusal tables, and the texts errors are raised with."""
    tree = ast.parse(inspect.getsource(mspace))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))  # a docstring
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in NOT_FOR_RESELLERS:
                skipped.update(id(sub) for sub in ast.walk(node))
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skipped
            and " " in node.value
            and node.value.rstrip().endswith(".")
            and (node.value[:1].isupper() or node.value.startswith("mSpace"))
        ):
            found.add(node.value)
    # A write that may have gone through: the cause, then one shared ending.
    tail = getattr(mspace, "_UNKNOWN_TAIL", "")
    found.discard(tail.strip())
    found.update(cause + tail for cause in getattr(mspace, "_UNKNOWN", {}).values())
    return found


def test_the_scan_finds_the_sentences_mspace_says():
    found = sentences_in_mspace()

    assert mspace.AuthenticationError.default_message in found
    assert mspace.OutcomeUnknownError.default_message in found
    assert "mSpace failed to top up that account." in found
    assert len(found) > 20


@pytest.mark.parametrize("sentence", sorted(sentences_in_mspace()))
def test_every_sentence_of_the_gateway_client_is_said_in_kiswahili(sentence):
    with translation.override("sw"):
        in_kiswahili = said(sentence)
    with translation.override("en"):
        in_english = said(sentence)

    assert in_english == sentence
    assert in_kiswahili != sentence, f"add {sentence!r} to messaging/gateway_words.py"
    assert "mSpace" in in_kiswahili or "mSpace" not in sentence


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (302, "kuelekeza kwingine (HTTP 302)"),
        (503, "hitilafu (HTTP 503)"),
        (413, "kubwa mno au halikuandikwa ipasavyo (HTTP 413)"),
    ],
)
def test_an_http_status_from_mspace_is_explained_with_its_number(status, words):
    reply = mspace._Reply(status=status, text="")
    with pytest.raises(mspace.MspaceError) as raised:
        mspace._checked_status(reply)

    with translation.override("sw"):
        assert words in said(raised.value.message)


def test_a_send_status_from_mspace_is_quoted_inside_the_kiswahili_sentence():
    with pytest.raises(mspace.MspaceError) as raised:
        mspace._parse_send('[{"status": "queued for later", "messageId": "1"}]')

    with translation.override("sw"):
        assert said(raised.value.message) == "mSpace haikuutuma (hali: queued for later)."


def test_a_text_not_recognised_is_kept_as_it_is():
    with translation.override("sw"):
        assert said("Something new from mSpace.") == "Something new from mSpace."


def test_the_gateway_client_still_imports_without_django():
    code = "import sys, messaging.mspace; print('django' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin"},
        timeout=30,
    )

    assert result.stdout.strip() == "False", result.stderr
