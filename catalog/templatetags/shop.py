"""Template helpers for money and ratings."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

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
