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
        try:
            return uuid.UUID(str(self.data.get(self.add_prefix("form_key"), "")))
        except ValueError:
            return None
