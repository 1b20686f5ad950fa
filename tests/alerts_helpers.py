"""Helpers for the alert tests: a real SMTP server, a watching reseller with alert rules,
and rounds followed by a check at a chosen moment (a fake clock: no sleeps)."""

import logging
import socket
import threading
from datetime import datetime
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings
from django.utils import timezone

from alerts import checking
from alerts.models import AlertSettings
from simulator.models import SimCall
from simulator.seed import make_account
from tests.watch_helpers import start_watching
from watch import rounds

NAIROBI = ZoneInfo("Africa/Nairobi")
ALICE_PHONE = "254711000111"


def at_nairobi(hour: int, minute: int = 0, day: int = 10) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=NAIROBI)


class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message) pairs."""

    def __init__(self):
        self.received = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for rcpt, message in self.received if address in rcpt]

    def body(self, message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    """A real SMTP server (aiosmtpd) on 127.0.0.1, and Django's SMTP backend pointed at it."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=controller.port,
            EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
            EMAIL_TIMEOUT=5,
        ):
            yield box
    finally:
        controller.stop()


@pytest.fixture
def watching_alice(monkeypatch):
    """alice (balance 5000; every account above the threshold of 100), watching, with alert
    rules: a confirmed e-mail, her phone and sender ID; quiet hours 21:00–07:00."""
    monkeypatch.setattr("messaging.mspace.READ_RETRY_PAUSE", 0)
    make_account(
        "alice",
        "alice-pw",
        balance=5000,
        clients=[("Mama Mboga", 1200), ("Jinja Fish", 400)],
        subaccounts=[("alice-nairobi", 300)],
        sender_ids=("ALICESHOP",),
    )
    alice = start_watching("alice", "alice-pw")
    AlertSettings.objects.create(
        reseller=alice,
        email="alice@example.co.ke",
        email_confirmed_at=timezone.now(),
        phone=ALICE_PHONE,
        sender_id="ALICESHOP",
        on_running_out=False,
    )
    return alice


def round_and_check(reseller, now=None):
    """A watch round, then the alert check and sending, at `now` (default: noon)."""
    rounds.run_round()
    now = now or at_nairobi(12)
    alerts = checking.check_reseller(reseller.pk, now)
    from alerts import delivery

    delivery.send_due(now)
    return alerts


def alert_sms_sent(to: str = ALICE_PHONE) -> list:
    return list(SimCall.objects.filter(method="sendtext", target=to).received())
