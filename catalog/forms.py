"""Catalog forms: listing filters (validated, never trusted) and reviews."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from catalog.models import Review
from catalog.selectors import SORTS

MAX_PRICE = Decimal("1000000")


# The listing filter form is on every category and search page. Django renders each
# widget through the form renderer's templates (an include per attribute list and per
# option), which measured ~15 % of a category page's time; these widgets build the same
# HTML (Django's attributes, aria-invalid/-describedby included, every value escaped)
# with format_html instead.
def _input_html(widget: dict[str, Any]) -> SafeString:
    value = widget["value"]
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        format_html(' value="{}"', value) if value is not None else "",
        flatatt(widget["attrs"]),
    )


class NumberInput(forms.NumberInput):
    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return _input_html(self.get_context(name, value, attrs)["widget"])


class CheckboxInput(forms.CheckboxInput):
    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        return _input_html(self.get_context(name, value, attrs)["widget"])


class Select(forms.Select):
    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _group, choices, _index in widget["optgroups"]
                for option in choices
            ),
        )
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options)


class ListingFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=200, strip=True, label="Search")
    min_price = forms.DecimalField(
        required=False, min_value=0, max_value=MAX_PRICE, decimal_places=2, label="Min price", widget=NumberInput
    )
    max_price = forms.DecimalField(
        required=False, min_value=0, max_value=MAX_PRICE, decimal_places=2, label="Max price", widget=NumberInput
    )
    min_rating = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Rating",
        choices=[("", "Any rating"), (4, "4★ & up"), (3, "3★ & up"), (2, "2★ & up"), (1, "1★ & up")],
        widget=Select,
    )
    in_stock = forms.BooleanField(required=False, label="In stock only", widget=CheckboxInput)
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
