"""Writing the alerts a check's crossings cause, and sending each alert once.

- E-mail goes through Django's mail framework (`EMAIL_URL`); it is never held.
- An SMS goes out with the reseller's own mSpace `sendtext`, through
  `messaging.sending.send_alert_sms`: a ledger row (kind `alert SMS`) under the alert's own
  one-time key is written before the one call, so its credit is accounted for and an unknown
  outcome is never sent again. Quiet hours hold SMS (not e-mail) until they end; the
  reseller's held digests merge into one morning message.
- An alert is claimed for sending with a conditional UPDATE (queued/held → sending), so two
  workers never both send it; nothing is retried automatically.
"""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.tenancy import every_tenant, rows
from alerts import compose, rules
from alerts.models import AccountContact, Alert, AlertSettings, Book, Crossing
from messaging import sending
from messaging.models import LedgerEntry
from messaging.sending import OutgoingSms
from watch.source import StandingCredentialSource

log = logging.getLogger(__name__)
Status = Alert.Status
WAITING = (Status.QUEUED, Status.HELD)
# Who sent it, in the ledger's "who acted" (background work has no person).
JOB = "the alerts worker"
_LEDGER_TO_ALERT = {
    LedgerEntry.Status.SUCCEEDED: Status.SENT,
    LedgerEntry.Status.FAILED: Status.FAILED,
    LedgerEntry.Status.UNKNOWN: Status.UNKNOWN,
}


def alerts_for(rules_row: AlertSettings, crossings: list[Crossing], now) -> list[Alert]:
    """The alerts for crossings just recorded (inside the check's transaction): one digest to
    the reseller per channel, and one message per account to clients who chose to be told."""
    hold = rules.hold_until(now, rules_row.quiet_from, rules_row.quiet_until, rules_row.time_zone)
    written = []
    with compose.in_language_of(rules_row.reseller_id):
        if rules_row.email_confirmed:
            written.append(
                _new(
                    rules_row,
                    crossings,
                    now,
                    channel=Alert.Channel.EMAIL,
                    recipient=rules_row.email,
                    subject=compose.digest_subject(crossings),
                    text=compose.digest_email(crossings),
                )
            )
        if rules_row.phone and rules_row.sender_id:
            written.append(_reseller_sms(rules_row, crossings, now, hold))
        written.extend(_client_alerts(rules_row, crossings, now, hold))
    return written


def _reseller_sms(rules_row, crossings, now, hold) -> Alert:
    if hold is not None:
        waiting = (
            rows(Alert, rules_row.reseller_id)
            .select_for_update()
            .filter(
                channel=Alert.Channel.SMS,
                audience=Alert.Audience.RESELLER,
                status=Status.HELD,
            )
            .first()
        )
        if waiting is not None:
            # One morning message, however many rounds found crossings overnight.
            waiting.crossings.add(*crossings)
            everything = list(waiting.crossings.select_related("state"))
            waiting.text = compose.digest_sms(everything)
            waiting.save(update_fields=["text"])
            return waiting
    return _new(
        rules_row,
        crossings,
        now,
        channel=Alert.Channel.SMS,
        recipient=rules_row.phone,
        text=compose.digest_sms(crossings),
        hold=hold,
    )


def _client_alerts(rules_row, crossings, now, hold) -> list[Alert]:
    first_per_account = {}
    for crossing in crossings:
        if crossing.state.book != Book.OWN:
            first_per_account.setdefault((crossing.state.book, crossing.state.name), crossing)
    if not first_per_account:
        return []
    contacts = rows(AccountContact, rules_row.reseller_id).filter(
        alert_client=True,
        name__in=[name for _book, name in first_per_account],
    )
    written = []
    for contact in contacts:
        crossing = first_per_account.get((contact.book, contact.name))
        if crossing is None:
            continue
        text = rules.render(
            rules_row.client_template,
            name=contact.name,
            balance=crossing.balance,
            days_left=crossing.days_left,
            threshold=crossing.threshold,
        )
        common = {"audience": Alert.Audience.CLIENT, "text": text}
        if contact.phone and rules_row.sender_id:
            written.append(
                _new(
                    rules_row,
                    [crossing],
                    now,
                    channel=Alert.Channel.SMS,
                    recipient=contact.phone,
                    hold=hold,
                    **common,
                )
            )
        if contact.email:
            written.append(
                _new(
                    rules_row,
                    [crossing],
                    now,
                    channel=Alert.Channel.EMAIL,
                    recipient=contact.email,
                    subject=compose.client_subject(),
                    **common,
                )
            )
    return written


def _new(
    rules_row,
    crossings,
    now,
    *,
    channel,
    recipient,
    text,
    subject="",
    hold=None,
    audience=Alert.Audience.RESELLER,
) -> Alert:
    alert = Alert.objects.create(
        reseller_id=rules_row.reseller_id,
        created_at=now,
        channel=channel,
        audience=audience,
        recipient=recipient,
        sender_id=rules_row.sender_id if channel == Alert.Channel.SMS else "",
        subject=subject,
        text=text,
        status=Status.HELD if hold is not None else Status.QUEUED,
        send_after=hold or now,
    )
    alert.crossings.add(*crossings)
    return alert


def send_due(now=None, *, reseller_id: int | None = None) -> int:
    """Send every alert whose time has come, each once; returns how many were attempted."""
    now = now or timezone.now()
    # Across resellers on purpose (the worker sends everyone's), unless one is named.
    due = every_tenant(Alert) if reseller_id is None else rows(Alert, reseller_id)
    due = due.filter(status__in=WAITING, send_after__lte=now)
    attempted = 0
    for pk, owner in list(due.order_by("send_after", "id").values_list("pk", "reseller_id")):
        mine = rows(Alert, owner)
        claimed = mine.filter(pk=pk, status__in=WAITING, send_after__lte=now).update(
            status=Status.SENDING
        )
        if not claimed:
            continue  # another worker took it
        alert = mine.select_related("reseller").get(pk=pk)
        try:
            if alert.channel == Alert.Channel.EMAIL:
                _send_email(alert)
            else:
                _send_sms(alert)
        except Exception:
            # A bug must not leave the alert looking as if it might still go out.
            log.exception("alert %s could not be sent", pk)
            # An SMS whose ledger row exists may have gone out: unknown, never failed.
            asked = rows(LedgerEntry, owner).filter(form_key=alert.ledger_key).exists()
            with compose.in_language_of(alert.reseller_id):
                detail = _("The app stopped before this alert was sent.")
            _finish(alert, Status.UNKNOWN if asked else Status.FAILED, detail)
        attempted += 1
    return attempted


def _send_email(alert: Alert) -> None:
    message = EmailMessage(
        subject=alert.subject,
        body=alert.text,
        to=[alert.recipient],
        from_email=settings.DEFAULT_FROM_EMAIL,
    )
    try:
        message.send()
    except (OSError, smtplib.SMTPException) as error:
        with compose.in_language_of(alert.reseller_id):
            reason = _("The mail server did not take it (%(reason)s).") % {
                "reason": type(error).__name__
            }
        _finish(alert, Status.FAILED, reason)
        return
    _finish(alert, Status.SENT, "")


def _send_sms(alert: Alert) -> None:
    with compose.in_language_of(alert.reseller_id):
        source = StandingCredentialSource.for_reseller(alert.reseller_id)
        if source is None:
            _finish(
                alert,
                Status.FAILED,
                _(
                    "Not sent: keep watch is off, so there is no stored mSpace password to send "
                    "it with. Nothing was charged."
                ),
            )
            return
        sms = OutgoingSms(sender_id=alert.sender_id, recipient=alert.recipient, message=alert.text)
        try:
            # The one submit step: the ledger row under the alert's own key before the one
            # call; a key claimed before gives back that first entry, never a second send.
            outcome = sending.send_alert_sms(source.acting(JOB), sms, form_key=alert.ledger_key)
        except source.Unreadable:
            _finish(
                alert,
                Status.FAILED,
                _(
                    "Not sent: the stored mSpace password could not be opened (WATCH_KEYS "
                    "changed). Nothing was charged."
                ),
            )
            return
    entry = outcome.entry
    status = _LEDGER_TO_ALERT.get(entry.status, Status.UNKNOWN) if entry else Status.UNKNOWN
    rows(Alert, alert.reseller_id).filter(pk=alert.pk).update(ledger_entry=entry)
    _finish(alert, status, entry.detail if entry else "")


def _finish(alert: Alert, status: str, detail: str) -> None:
    with transaction.atomic():
        rows(Alert, alert.reseller_id).filter(pk=alert.pk, status=Status.SENDING).update(
            status=status, detail=detail, sent_at=timezone.now()
        )
    log.info("alert %s %s", alert.pk, status)
