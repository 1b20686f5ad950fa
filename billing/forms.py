"""Forms of the money side: the payment taken with a top-up, a payment made later, the
business profile and prices. Amounts are parsed by `billing.money` into exact decimals."""

import io
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from billing import money
from billing.models import BusinessProfile, Sale
from billing.sales import Promise

Method = Sale.Method
# Safaricom's transaction codes: ten capital letters and digits, such as QK71ABCD2E.
_MPESA_CODE = re.compile(r"[A-Z0-9]{10}")
_LOGO_LIMIT = 300 * 1024
_LOGO_BOX = (600, 300)  # large enough for print, small enough to keep in the database


def clean_reference(method: str, reference: str) -> str:
    """The payment reference, checked for its method: an M-Pesa code must look like one."""
    reference = reference.strip()
    if method != Method.MPESA:
        return reference
    code = reference.upper().replace(" ", "")
    if not code:
        raise forms.ValidationError(_("Enter the M-Pesa code from the confirmation SMS."))
    if not _MPESA_CODE.fullmatch(code):
        raise forms.ValidationError(
            _("An M-Pesa code is 10 letters and digits, such as QK71ABCD2E."), code="mpesa_shape"
        )
    return code


class _AmountField(forms.CharField):
    """An amount of money typed as text and parsed exactly, in the form's currency."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(*args, **kwargs)


class PaymentFields(forms.Form):
    """What the client paid for a top-up, shown under the top-up form (all optional).

    `price` is the chosen account's price (a `billing.prices.Price`), or None before one is
    chosen. With "paid" and no amount, the client paid the top-up's full amount.
    """

    PAID, UNPAID = "paid", "unpaid"

    payment = forms.ChoiceField(
        label=_("Payment"),
        choices=[(UNPAID, _("Not paid yet")), (PAID, _("Paid"))],
        initial=UNPAID,
        widget=forms.RadioSelect,
        required=False,
    )
    amount_paid = _AmountField(label=_("Amount paid"), required=False)
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=Method.choices,
        initial=Method.MPESA,
        required=False,
        widget=forms.RadioSelect,
    )
    reference = forms.CharField(label=_("Reference"), max_length=40, required=False)

    def __init__(self, *args, price=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.price = price

    @property
    def currency(self) -> str:
        return self.price.currency if self.price else money.Currency.KES

    def clean_amount_paid(self):
        text = self.cleaned_data["amount_paid"]
        if not text.strip():
            return None
        try:
            return money.parse_amount(text, self.currency)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        if data.get("payment") == self.PAID:
            try:
                data["reference"] = clean_reference(
                    data.get("method") or Method.OTHER, data.get("reference", "")
                )
            except forms.ValidationError as error:
                self.add_error("reference", error)
        return data

    def sms_for_amount_paid(self) -> money.PaidFor | None:
        """The SMS the amount paid buys at the account's price, if both are known."""
        paid = self.cleaned_data.get("amount_paid") if hasattr(self, "cleaned_data") else None
        if paid is None or self.price is None or self.price.amount is None:
            return None
        return money.sms_for_amount(paid, self.price.amount, self.price.currency)

    def promise(self, sms: int) -> Promise | None:
        """The payment to record with a top-up of `sms` SMS, or None (not paid yet)."""
        data = self.cleaned_data
        if data.get("payment") != self.PAID:
            return None
        amount = data.get("amount_paid")
        if amount is None and self.price and self.price.amount:
            amount = money.sale_amount(sms, self.price.amount, self.price.currency)
        if amount is None:
            return None
        return Promise(
            amount=amount,
            method=data.get("method") or Method.OTHER,
            reference=data.get("reference", ""),
        )


class LatePaymentForm(forms.Form):
    """A payment recorded later against a top-up that was not (fully) paid."""

    amount = _AmountField(label=_("Amount paid"))
    method = forms.ChoiceField(label=_("Paid by"), choices=Method.choices, initial=Method.MPESA)
    reference = forms.CharField(label=_("Reference"), max_length=40, required=False)

    def __init__(self, *args, currency, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self):
        try:
            return money.parse_amount(self.cleaned_data["amount"], self.currency)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        data = super().clean()
        if "method" in data:
            try:
                data["reference"] = clean_reference(data["method"], data.get("reference", ""))
            except forms.ValidationError as error:
                self.add_error("reference", error)
        return data

    def promise(self) -> Promise:
        data = self.cleaned_data
        return Promise(amount=data["amount"], method=data["method"], reference=data["reference"])


class _PriceField(forms.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text.strip():
            return None
        try:
            return money.parse_price(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class BusinessProfileForm(forms.ModelForm):
    """The reseller's letterhead and default prices."""

    default_price = _PriceField(label=_("Default selling price per SMS"), required=False)
    buying_price = _PriceField(
        label=_("Your buying price per SMS"),
        required=False,
        help_text=_("What mSpace charges you, for margins. Optional; never shown to clients."),
    )
    logo = forms.FileField(label=_("Logo (PNG or JPEG, up to 300 KB)"), required=False)
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = BusinessProfile
        fields = ["business_name", "address", "currency", "default_price", "buying_price"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        if upload.size > _LOGO_LIMIT:
            raise forms.ValidationError(_("The logo must be at most 300 KB."))
        return _as_png(upload.read())

    def save(self, commit=True):
        profile = super().save(commit=False)
        if self.cleaned_data.get("remove_logo"):
            profile.logo_png = b""
        elif self.cleaned_data.get("logo"):
            profile.logo_png = self.cleaned_data["logo"]
        if commit:
            profile.save()
        return profile


class AccountPriceForm(forms.Form):
    """An account's own price; empty puts it back on the default."""

    name = forms.CharField(max_length=200)
    price = _PriceField(label=_("Price per SMS"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=money.Currency.CHOICES)

    def __init__(self, *args, names, **kwargs):
        super().__init__(*args, **kwargs)
        self.names = set(names)

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name not in self.names:
            raise forms.ValidationError(_("That account is not in your list on mSpace."))
        return name


def _as_png(data: bytes) -> bytes:
    """An uploaded logo re-encoded as a small PNG: whatever the file held besides the
    picture (scripts, metadata) is dropped. Raises ValidationError for a non-image."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = 25_000_000  # a decompression bomb is refused, not decoded
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG"):
                raise forms.ValidationError(_("The logo must be a PNG or JPEG picture."))
            image.thumbnail(_LOGO_BOX)
            out = io.BytesIO()
            image.convert("RGBA").save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise forms.ValidationError(_("The logo must be a PNG or JPEG picture.")) from None
    return out.getvalue()
