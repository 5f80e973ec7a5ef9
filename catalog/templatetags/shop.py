"""Template helpers for money, ratings and product cards."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import mark_safe

register = template.Library()

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}


@register.filter
def money(amount: Decimal | int | float | str | None, currency: str = "USD") -> str:
    """12345.5, 'USD' -> '$12,345.50'; other currencies get their code when no symbol is known."""
    if amount is None or amount == "":
        return ""
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.2f}"
    symbol = _SYMBOLS.get(currency or "USD")
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {currency}"


@register.filter
def stars(rating: Decimal | float | int | None) -> str:
    """4.4 -> '★★★★☆' (rounded to the nearest whole star)."""
    if rating is None:
        return "☆☆☆☆☆"
    full = int(Decimal(str(rating)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    full = max(0, min(5, full))
    return "★" * full + "☆" * (5 - full)


# A product card's HTML depends only on these values of its row (and the active
# language), so a rendered card is memoized under exactly those values: a card whose
# price, stock, rating or name changed has a new key and is rendered afresh, so it is
# never stale. The cache is per process and bounded (least recently used cards leave).
CARD_FIELDS = (
    "name",
    "slug",
    "brand",
    "price",
    "currency",
    "rating_avg",
    "rating_count",
    "in_stock",
    "image_url",
    "seller_name",
)
CARD_CACHE_SIZE = 10_000


@functools.lru_cache(maxsize=CARD_CACHE_SIZE)
def _card_html(language: str | None, values: tuple[Any, ...]) -> str:
    with translation.override(language):
        card = dict(zip(CARD_FIELDS, values, strict=True))
        return get_template("catalog/fragment_product_card.html").render({"p": card})


@register.simple_tag
def product_card(p: Mapping[str, Any]) -> str:
    """{% product_card p %}: the storefront's product card (fragment_product_card.html) for
    a product row of catalog.selectors; cards with a form (the wishlist's) are included
    with {% include %} instead, as they carry a CSRF token."""
    return mark_safe(_card_html(translation.get_language(), tuple(p.get(field) for field in CARD_FIELDS)))  # noqa: S308 -- rendered by the template engine, which escaped it
