"""Catalog forms: listing filters (validated, never trusted) and reviews."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from catalog.models import Review
from catalog.selectors import SORTS

MAX_PRICE = Decimal("1000000")


class ListingFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True, label="Search")
    min_price = forms.DecimalField(
        required=False, min_value=0, max_value=MAX_PRICE, decimal_places=2, label="Min price"
    )
    max_price = forms.DecimalField(
        required=False, min_value=0, max_value=MAX_PRICE, decimal_places=2, label="Max price"
    )
    min_rating = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Rating",
        choices=[("", "Any rating"), (4, "4★ & up"), (3, "3★ & up"), (2, "2★ & up"), (1, "1★ & up")],
    )
    in_stock = forms.BooleanField(required=False, label="In stock only")
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()), label="Sort by")
    category = forms.SlugField(required=False, max_length=140)

    def __init__(self, *args: Any, with_query: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_query:
            sort_field = self.fields["sort"]
            assert isinstance(sort_field, forms.ChoiceField)
            sort_field.choices = [(k, v) for k, v in SORTS.items() if k != "relevance"]

    def clean_q(self) -> str:
        # NUL bytes cannot reach PostgreSQL text; strip control characters altogether.
        return "".join(ch for ch in self.cleaned_data["q"] if ch.isprintable())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", "The maximum price must not be below the minimum.")
        return data


class ReviewForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        coerce=int,
        choices=[
            (5, "5 ★★★★★ Excellent"),
            (4, "4 ★★★★ Good"),
            (3, "3 ★★★ Average"),
            (2, "2 ★★ Poor"),
            (1, "1 ★ Terrible"),
        ],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Review
        fields = ["rating", "title", "body"]
        labels = {"body": "Your review"}
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}
