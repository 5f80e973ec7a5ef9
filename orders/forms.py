from __future__ import annotations

from typing import Any

from django import forms

from orders.models import MAX_LINE_QUANTITY


class AddToCartForm(forms.Form):
    variant = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, initial=1)


class CheckoutForm(forms.Form):
    """Choices are the shopper's own rows; the routine checks ownership again anyway."""

    address = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Ship to")
    shipping_method = forms.ChoiceField(widget=forms.RadioSelect, label="Delivery")
    payment_method = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Pay with")
    promotion_code = forms.CharField(required=False, max_length=40, label="Promotion code")
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, addresses: list, payment_methods: list, shipping_methods: list, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["address"].choices = [(a.pk, " · ".join(a.lines())) for a in addresses]  # type: ignore[attr-defined]
        self.fields["payment_method"].choices = [(p.pk, str(p)) for p in payment_methods]  # type: ignore[attr-defined]
        self.fields["shipping_method"].choices = [(s.code, s.name) for s in shipping_methods]  # type: ignore[attr-defined]

    def clean_promotion_code(self) -> str:
        return self.cleaned_data["promotion_code"].strip()
