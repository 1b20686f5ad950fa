"""Alerts in the activity CSV.

An alert SMS that reached the ledger is already there as its `alert SMS` row; every other
alert (e-mails, SMS held for quiet hours or not sent at all) is added here, in the CSV's
columns and its four statuses (held or waiting is `pending`, sent is `succeeded`); their
`source` is `rule` (the reseller's alert rules made them), as for an alert SMS's ledger row.
"""

from django.dispatch import receiver
from django.utils import timezone

from accounts.tenancy import rows
from alerts.delivery import JOB
from alerts.models import Alert
from messaging.signals import activity_rows

KINDS = {Alert.Channel.EMAIL: "alert e-mail", Alert.Channel.SMS: "alert SMS"}
# Alerts are sent by the worker on the standing credential: no person acted, the job did
# (the name its ledger rows carry too).
BY = JOB
_KIND_FILTER = {"alert_sms": Alert.Channel.SMS}
STATUS = {
    Alert.Status.HELD: "pending",
    Alert.Status.QUEUED: "pending",
    Alert.Status.SENDING: "pending",
    Alert.Status.SENT: "succeeded",
    Alert.Status.FAILED: "failed",
    Alert.Status.UNKNOWN: "unknown",
}


@receiver(activity_rows, dispatch_uid="alerts.activity_rows")
def alert_rows(sender, *, reseller, chosen, **kwargs):
    alerts = rows(Alert, reseller).filter(ledger_entry__isnull=True)
    kind = chosen.get("kind")
    if kind:
        if kind not in _KIND_FILTER:
            return iter(())
        alerts = alerts.filter(channel=_KIND_FILTER[kind])
    if chosen.get("date_from"):
        alerts = alerts.filter(created_at__date__gte=chosen["date_from"])
    if chosen.get("date_to"):
        alerts = alerts.filter(created_at__date__lte=chosen["date_to"])
    if chosen.get("target"):
        alerts = alerts.filter(recipient=chosen["target"])
    if chosen.get("status"):
        wanted = [mine for mine, theirs in STATUS.items() if theirs == chosen["status"]]
        alerts = alerts.filter(status__in=wanted)
    return _rows(alerts.order_by("-created_at", "-id").prefetch_related("crossings__state"))


def _rows(alerts):
    for alert in alerts.iterator(chunk_size=500):
        detail = " ".join(
            part
            for part in (
                f"{alert.get_status_display()}: {alert.rules} ({alert.accounts}).",
                alert.detail,
            )
            if part
        )
        yield (
            alert.created_at,
            (
                timezone.localtime(alert.created_at).isoformat(timespec="seconds"),
                KINDS[alert.channel],
                alert.recipient,
                "",
                STATUS[alert.status],
                detail,
                "",
                alert.sender_id,
                alert.text,
                "",
                "rule",  # source: made by the reseller's alert rules
                BY,
            ),
        )
