"""What alerts add to pages other apps own: the contact card on an account's page."""

from django import template

from accounts.tenancy import rows
from alerts.forms import AccountContactForm
from alerts.models import AccountContact
from alerts.views import contact_url

register = template.Library()


@register.inclusion_tag("alerts/_contact_card.html")
def account_contact(reseller, book, name):
    stored = rows(AccountContact, reseller).filter(book=book, name=name).first()
    instance = stored or AccountContact(reseller=reseller, book=book, name=name)
    return {
        "form": AccountContactForm(instance=instance),
        "stored": stored,
        "action": contact_url(book, name),
        "name": name,
    }
