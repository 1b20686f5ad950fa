"""What the team adds to the activity page: its latest changes, and who made them."""

from django import template

from team import events

register = template.Library()


@register.inclusion_tag("team/_activity.html")
def team_changes(reseller):
    return {"events": events.recent(reseller)}
