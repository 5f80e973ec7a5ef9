"""A simulated card processor (stands in for Stripe, Adyen, ...).

ShopWave never stores or logs a card number: the number goes in here, a token comes
out, and only the token, the brand, the last four digits and the expiry are kept.
Tokens are deterministic (the same card gives the same token) and carry the card's
scripted behaviour, like a real processor's test cards:

    4242 4242 4242 4242  approves        4000 0000 0000 0002  declines
    4000 0000 0000 0119  processing error (a timeout)
    5555 5555 5555 4444  Mastercard, approves    3782 822463 10005  Amex, approves

Any other number that passes the Luhn check approves.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings

# Digit runs that look like a card number: 13-19 digits, optionally grouped by spaces or
# dashes. The database refuses such runs in every free-text column next to card data.
PAN_PATTERN = r"(\d[ -]?){12,18}\d"
_PAN_RE = re.compile(PAN_PATTERN)


def looks_like_card_number(text: str) -> bool:
    return bool(_PAN_RE.search(text))


class CardError(ValueError):
    """The card cannot be tokenized; `code` is stable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CardToken:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


DECLINE_CARDS = {"4000000000000002"}
ERROR_CARDS = {"4000000000000119"}


def _luhn_ok(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number.startswith(("6011", "65")):
        return "discover"
    return "other"


def _letters(digest: bytes, length: int = 24) -> str:
    # Letters only: a token can never contain a run of digits that looks like a card.
    return "".join(chr(ord("a") + (b % 26)) for b in digest[:length])


def tokenize(*, number: str, exp_month: int, exp_year: int, cvc: str, today: datetime.date | None = None) -> CardToken:
    """Validate a card and return its token; raises CardError. Nothing here is stored."""
    digits = "".join(ch for ch in number if ch not in " -")
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise CardError("invalid_number", "Enter a card number of 13 to 19 digits.")
    if not _luhn_ok(digits):
        raise CardError("invalid_number", "This card number is not valid; check the digits.")
    if not 1 <= exp_month <= 12:
        raise CardError("invalid_expiry", "The expiry month must be between 1 and 12.")
    today = today or datetime.date.today()
    if (exp_year, exp_month) < (today.year, today.month):
        raise CardError("expired_card", "This card has expired.")
    if exp_year > today.year + 20:
        raise CardError("invalid_expiry", "The expiry year is too far in the future.")
    brand = card_brand(digits)
    cvc_len = 4 if brand == "amex" else 3
    if not (cvc.isdigit() and len(cvc) == cvc_len):
        raise CardError("invalid_cvc", f"Enter the {cvc_len}-digit security code.")
    behaviour = "decline" if digits in DECLINE_CARDS else "error" if digits in ERROR_CARDS else "ok"
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"{digits}:{exp_month}:{exp_year}".encode(), hashlib.sha256).digest()
    return CardToken(
        token=f"tok_{behaviour}_{_letters(digest)}",
        brand=brand,
        last4=digits[-4:],
        exp_month=exp_month,
        exp_year=exp_year,
    )


# --- Payments -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProcessorResult:
    status: str  # "succeeded" | "declined" | "failed"
    reference: str
    error_code: str = ""


class ProcessorUnavailableError(RuntimeError):
    """The processor did not answer (a timeout): the outcome is unknown, retry later."""


def _reference(kind: str, idempotency_key: str) -> str:
    key = settings.SECRET_KEY.encode()
    return f"{kind[:2]}_{_letters(hmac.new(key, idempotency_key.encode(), hashlib.sha256).digest(), 20)}"


def _behaviour(token: str) -> str:
    return token.split("_")[1] if token.count("_") >= 2 else "ok"


def authorize(*, token: str, amount: object, currency: str, idempotency_key: str) -> ProcessorResult:
    """Reserve `amount` on the card. Deterministic per token; same key, same answer."""
    behaviour = _behaviour(token)
    if behaviour == "decline":
        return ProcessorResult("declined", _reference("authorize", idempotency_key), "card_declined")
    if behaviour == "error":
        raise ProcessorUnavailableError("the payment processor did not answer")
    return ProcessorResult("succeeded", _reference("authorize", idempotency_key))


def capture(*, token: str, amount: object, currency: str, idempotency_key: str) -> ProcessorResult:
    if _behaviour(token) == "error":
        raise ProcessorUnavailableError("the payment processor did not answer")
    return ProcessorResult("succeeded", _reference("capture", idempotency_key))


def refund(*, token: str, amount: object, currency: str, idempotency_key: str) -> ProcessorResult:
    return ProcessorResult("succeeded", _reference("refund", idempotency_key))
