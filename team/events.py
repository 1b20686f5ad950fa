"""Team changes in the activity CSV (`messaging.signals.activity_rows`): each invitation,
joining, role or limit change, access taken back or given, and second factor reset, with
who made it in the `by` column."""

from django.dispatch import receiver
from django.utils import timezone, translation

from accounts.tenancy import rows
from messaging.signals import activity_rows
from team.models import TeamEvent

KIND = "team change"


@receiver(activity_rows, dispatch_uid="team.activity_rows")
def team_rows(sender, *, reseller, chosen, **kwargs):
    if chosen.get("kind") or chosen.get("status") not in (None, "", "succeeded"):
        return iter(())  # a change to the team is no top-up or SMS, and it always happened
    events = rows(TeamEvent, reseller)
    if chosen.get("date_from"):
        events = events.filter(created_at__date__gte=chosen["date_from"])
    if chosen.get("date_to"):
        events = events.filter(created_at__date__lte=chosen["date_to"])
    if chosen.get("target"):
        events = events.filter(member=chosen["target"])
    return _rows(events.order_by("-created_at", "-id"))


def _rows(events):
    with translation.override("en"):  # the CSV's values stay in SPEC's English
        yield from (_row(event) for event in events.iterator(chunk_size=500))


def _row(event):
    return (
        event.created_at,
        (
            timezone.localtime(event.created_at).isoformat(timespec="seconds"),
            KIND,
            event.member,
            "",
            "succeeded",
            event.sentence(),
            "",
            "",
            "",
            "",
            "",  # source: no form, batch, rule or payment; a person changed the team
            event.by,
        ),
    )


def recent(reseller, count=20):
    """The team's latest changes, for the activity and team pages."""
    return rows(TeamEvent, reseller)[:count]
