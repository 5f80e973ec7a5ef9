"""Account forms: they validate input and show field errors; writes go through services."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError

from accounts import throttle
from accounts.models import Address, User, normalize_email
from processor import CardError, CardToken, looks_like_card_number, tokenize
from shopwave import dbcontext


class SignUpForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    full_name = forms.CharField(
        label="Full name", max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Confirm password", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords do not match.")
        elif p1:
            candidate = User(email=data.get("email", ""), full_name=data.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ThrottledLoginMixin:
    """Refuses logins for an email or client address that failed too often lately."""

    request: Any

    def clean(self) -> dict[str, Any]:
        email = normalize_email(self.data.get("username", ""))  # type: ignore[attr-defined]
        address = throttle.client_address(self.request)
        until = throttle.locked_until(email, address)
        if until is not None:
            raise ValidationError(
                "Too many failed log-in attempts. Try again in %(minutes)d minutes or reset your password.",
                code="throttled",
                params={"minutes": throttle.minutes_left(until)},
            )
        try:
            data: dict[str, Any] = super().clean()  # type: ignore[misc]
        except ValidationError:
            throttle.record_failure(email, address)
            raise
        throttle.record_success(email)
        return data


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an account. Passwords are case-sensitive.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class ShopPasswordResetForm(PasswordResetForm):
    def get_users(self, email: str) -> Any:
        # Under RLS the anonymous request sees no accounts; name the one it asks about.
        dbcontext.allow_login_lookup(normalize_email(email))
        return super().get_users(normalize_email(email))


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "email"]

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def validate_unique(self) -> None:
        # Uniqueness is the database's job; the service maps a violation onto the field.
        pass


class AddressForm(forms.ModelForm):
    make_default = forms.BooleanField(label="Use as my default address", required=False)

    class Meta:
        model = Address
        fields = ["label", "full_name", "line1", "line2", "city", "region", "postal_code", "country", "phone"]
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "line1": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "line2": forms.TextInput(attrs={"autocomplete": "address-line2"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "region": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel"}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        for name in ("label", "full_name", "line1", "line2"):
            if looks_like_card_number(data.get(name) or ""):
                self.add_error(name, "This looks like a card number; card numbers are never stored in addresses.")
        return data


def _year_choices() -> list[tuple[int, int]]:
    year = datetime.date.today().year
    return [(y, y) for y in range(year, year + 16)]


class PaymentMethodForm(forms.Form):
    """Takes a card number only to hand it to the processor; the number is never stored."""

    cardholder_name = forms.CharField(
        label="Name on card", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "cc-name"})
    )
    number = forms.CharField(
        label="Card number",
        max_length=23,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric"}),
    )
    exp_month = forms.TypedChoiceField(
        label="Expiry month", coerce=int, choices=[(m, f"{m:02d}") for m in range(1, 13)]
    )
    exp_year = forms.TypedChoiceField(label="Expiry year", coerce=int, choices=_year_choices)
    cvc = forms.CharField(
        label="Security code (CVC)",
        max_length=4,
        widget=forms.PasswordInput(attrs={"autocomplete": "cc-csc", "inputmode": "numeric"}),
    )
    make_default = forms.BooleanField(label="Use as my default payment method", required=False)

    card: CardToken | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        if looks_like_card_number(data["cardholder_name"]):
            self.add_error("cardholder_name", "Enter the name printed on the card, not its number.")
            return data
        try:
            self.card = tokenize(
                number=data["number"], exp_month=data["exp_month"], exp_year=data["exp_year"], cvc=data["cvc"]
            )
        except CardError as exc:
            field = {"expired_card": "exp_year", "invalid_expiry": "exp_year", "invalid_cvc": "cvc"}.get(
                exc.code, "number"
            )
            self.add_error(field, ValidationError(exc.message, code=exc.code))
        # The number and CVC leave the form here: nothing downstream may see them.
        data.pop("number", None)
        data.pop("cvc", None)
        return data
