"""What every form says about a character no box can take, in the app's own words.

Django's fields add a validator refusing the NUL character to every text box, with its own
stock sentence; a pasted NUL is rare but real (copied from a spreadsheet or a PDF), and the
reseller should read the same voice there as everywhere else.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTER = _(
    "This box has an invisible control character in it (U+0000), pasted with the text. "
    "Type the text again instead of pasting it."
)


def in_own_words(form: forms.Form) -> forms.Form:
    """`form`, with every text field refusing a NUL character in the app's words."""
    for field in form.fields.values():
        if isinstance(field, forms.CharField | forms.UUIDField):
            field.error_messages.setdefault("null_characters_not_allowed", CONTROL_CHARACTER)
    return form
