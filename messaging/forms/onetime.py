"""The hidden one-time key every credit-moving form carries.

A fresh key is put into the form each time it is shown. The ledger claims it (a UNIQUE row)
before the gateway is called, so the same form posted twice — replayed, double-clicked or
five times at once — reaches the gateway once. See `messaging.ledger.claim`.
"""

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from messaging.forms.words import in_own_words

_EXPIRED = _("This form has expired. It has been refreshed: please check it and send it again.")


def posted_key(data, field: str = "form_key") -> uuid.UUID | None:
    """The one-time key in posted `data`, if it is a valid UUID (whatever else is wrong)."""
    try:
        return uuid.UUID(str(data.get(field, "")))
    except ValueError:
        return None


class OneTimeKeyMixin(forms.Form):
    form_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": _EXPIRED, "invalid": _EXPIRED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        in_own_words(self)
        if not self.is_bound:
            self.initial.setdefault("form_key", uuid.uuid4())

    def posted_key(self):
        """The key as posted, if it is a valid UUID, even when other fields are invalid."""
        return posted_key(self.data, self.add_prefix("form_key"))

    def rekeyed(self, problems):
        """This form as posted, checked again under a new one-time key, saying (`problems`)
        why it was not sent. The reseller checks it and sends it again."""
        data = self.data.copy()
        data[self.add_prefix("form_key")] = str(uuid.uuid4())
        again = self.with_data(data)
        again.is_valid()
        for problem in problems:
            again.add_error(None, problem)
        return again

    def with_data(self, data):
        """A form like this one (same accounts, balance...) bound to `data`."""
        raise NotImplementedError
