"""The test SMS form: sender ID, recipient, message, and the one-time key.

Everything SPEC §5 asks of a send is checked here, before mSpace is asked: the sender ID's
shape, a recipient that can be a mobile phone (normalised to international digits), and a
message that is not blank and fits in `MAX_PARTS` SMS (and in the reseller's balance, when
it could be read).
"""

import re

from django import forms
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from messaging import phone
from messaging.balances import shown as shown_balance
from messaging.forms.onetime import OneTimeKeyMixin
from messaging.sms import MAX_PARTS, SmsCount, measure

ALPHANUMERIC_SENDER_ID = re.compile(r"[A-Za-z0-9 ]{1,11}")
NUMERIC_SENDER_ID = re.compile(r"[0-9]{1,15}")
_SENDER_ID_CHARACTERS = re.compile(r"[A-Za-z0-9 ]*")
# Far beyond any real number, however it is spaced; keeps pasted essays out of the checks.
_LONGEST_RECIPIENT = 40


def as_handset_shows(text: str) -> str:
    """`text` with every line break as one LF.

    Browsers submit a textarea's line breaks as CRLF, but count and show them as LF (its
    `.value`, which the live counter measures). A handset shows LF; a CR before it would be
    an invisible extra character, so the reseller would pay for what they never typed (and
    could be pushed into another SMS part). Everything else is kept exactly as typed.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_sender_id(sender_id: str) -> str:
    """`sender_id` (already trimmed) if SPEC §5 allows it; ValueError with the reason if not.

    Allowed: 1 to 11 ASCII letters, digits and spaces, or a numeric ID of up to 15 digits.
    """
    if NUMERIC_SENDER_ID.fullmatch(sender_id) or ALPHANUMERIC_SENDER_ID.fullmatch(sender_id):
        return sender_id
    if not sender_id.strip():
        raise ValueError(_("Enter the sender ID the message should come from."))
    if not _SENDER_ID_CHARACTERS.fullmatch(sender_id):
        stray = next(ch for ch in sender_id if not _SENDER_ID_CHARACTERS.fullmatch(ch))
        if stray in "\r\n\t":
            shown = _("a line break or tab")
        elif stray.isspace() or not stray.isprintable():
            shown = f"U+{ord(stray):04X}"  # invisible between quotes
        else:
            shown = f"“{stray}”"
        raise ValueError(
            _("A sender ID has only the letters A–Z, digits and spaces; %(shown)s is not allowed.")
            % {"shown": shown}
        )
    if sender_id.isdigit():
        raise ValueError(
            _("A numeric sender ID has at most 15 digits; this one has %(count)s.")
            % {"count": len(sender_id)}
        )
    raise ValueError(
        _(
            "A sender ID with letters has at most 11 characters (spaces count); "
            "this one has %(count)s."
        )
        % {"count": len(sender_id)}
    )


class SendTestSmsForm(OneTimeKeyMixin):
    senderid = forms.CharField(
        label=gettext_lazy("Sender ID"),
        help_text=gettext_lazy(
            "The name or number the handset shows, as registered with mSpace: up to 11 "
            "letters, digits and spaces, or a number of up to 15 digits."
        ),
        # `list` ties the box to the <datalist> of sender IDs that worked before.
        widget=forms.TextInput(
            attrs={
                "list": "recent-sender-ids",
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
            }
        ),
        error_messages={
            "required": gettext_lazy("Enter the sender ID the message should come from.")
        },
    )
    recipient = forms.CharField(
        label=gettext_lazy("Recipient’s mobile number"),
        max_length=_LONGEST_RECIPIENT,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
        error_messages={
            "required": gettext_lazy("Enter the mobile number to send to."),
            "max_length": gettext_lazy("That is far too long for a phone number."),
        },
    )
    message = forms.CharField(
        label=gettext_lazy("Message"),
        # Leading and trailing spaces and line breaks are part of what the reseller pays for.
        strip=False,
        # Rendered by hand next to the live counter; Django points aria-describedby at both.
        help_text=format_lazy(
            gettext_lazy(
                "At most {max_parts} SMS. It is sent exactly as written; one emoji or a letter "
                "outside GSM-7 (such as ŋ or ’) makes it Unicode, which fits fewer characters "
                "in each SMS."
            ),
            max_parts=MAX_PARTS,
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Write the message to send.")},
    )

    def __init__(self, *args, balance=None, **kwargs):
        """`balance`: the reseller's SMS as read for this form, or None when it could not be
        read (mSpace then has the last word on whether the message is affordable)."""
        super().__init__(*args, **kwargs)
        self.balance = balance
        self.fields["recipient"].help_text = _(
            "Such as 0712 345 678 or +256 772 123456; numbers starting with 0 get +%(code)s."
        ) % {"code": settings.DEFAULT_COUNTRY_CODE}

    def with_data(self, data):
        return SendTestSmsForm(data, balance=self.balance)

    def message_count(self) -> SmsCount:
        """What the message as it stands in the form costs (0 SMS before anything is typed)."""
        if self.is_bound:
            text = self.data.get(self.add_prefix("message"), "")
        else:
            text = self.initial.get("message", "")
        return measure(as_handset_shows(str(text)))

    def clean_senderid(self) -> str:
        try:
            return check_sender_id(self.cleaned_data["senderid"])
        except ValueError as error:
            raise forms.ValidationError(str(error), code="sender_id") from None

    def clean_recipient(self) -> str:
        try:
            return phone.normalise(self.cleaned_data["recipient"], settings.DEFAULT_COUNTRY_CODE)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="recipient") from None

    def clean_message(self) -> str:
        text = as_handset_shows(self.cleaned_data["message"])
        if not text.strip():
            raise forms.ValidationError(
                _("The message is only spaces or line breaks. Write something to send."),
                code="blank",
            )
        count = measure(text)
        if count.parts > MAX_PARTS:
            raise forms.ValidationError(
                _(
                    "This message needs %(parts)s SMS (%(characters)s characters); "
                    "a test SMS can be at most %(max_parts)s SMS. Shorten it."
                )
                % {
                    "parts": count.parts,
                    "characters": intcomma(count.characters),
                    "max_parts": MAX_PARTS,
                },
                code="too_long",
            )
        if self.balance is not None and count.parts > self.balance:
            raise forms.ValidationError(
                _("This message costs %(parts)s SMS and your balance is %(balance)s SMS.")
                % {"parts": count.parts, "balance": shown_balance(self.balance)},
                code="above_balance",
            )
        return text

    def parts(self) -> int:
        """The SMS the cleaned message costs."""
        return measure(self.cleaned_data["message"]).parts
