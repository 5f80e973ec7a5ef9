"""Payment methods: a token, brand, last four and expiry; never a card number."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from accounts.models import PaymentMethod
from processor import CardError, tokenize
from tests.conftest import sql
from tests.factories import PaymentMethodFactory, UserFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.date.today().year + 1


def card_data(**overrides: str) -> dict[str, str]:
    return {
        "cardholder_name": "Ann Lee",
        "number": "4242 4242 4242 4242",
        "exp_month": "4",
        "exp_year": str(NEXT_YEAR),
        "cvc": "123",
        **overrides,
    }


@pytest.fixture
def shopper(client):  # type: ignore[no-untyped-def]
    user = UserFactory()
    client.force_login(user)
    return user


def test_a_card_is_stored_as_a_token_and_the_number_goes_nowhere(client, shopper, caplog):  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    response = client.post("/account/payment-methods/new/", card_data())
    assert response.status_code == 302
    method = PaymentMethod.objects.get(user=shopper)
    assert (method.brand, method.last4, method.exp_month, method.exp_year) == ("visa", "4242", 4, NEXT_YEAR)
    assert method.processor_token.startswith("tok_ok_")
    assert method.is_default
    assert "4242424242424242" not in caplog.text and "4242 4242 4242 4242" not in caplog.text
    # Nowhere in the database: not in the row, not in the audit trail.
    [(hits,)] = sql(
        "SELECT count(*) FROM accounts_payment_method p WHERE p::text ~ '4242424242424242'"
        " OR EXISTS (SELECT 1 FROM audit_log a WHERE a.after::text ~ '4242424242424242')"
    )
    assert hits == 0
    assert "•••• 4242" in client.get("/account/payment-methods/").content.decode()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"number": "4242 4242 4242 4241"}, "not valid"),
        ({"number": "4242-abcd-4242-4242"}, "13 to 19 digits"),
        ({"number": "42"}, "13 to 19 digits"),
        ({"exp_year": str(datetime.date.today().year), "exp_month": "1"}, None),
        ({"exp_year": "2001"}, "valid choice"),
        ({"cvc": "12"}, "3-digit security code"),
        ({"cardholder_name": "4242424242424242"}, "not its number"),
    ],
)
def test_bad_cards_are_refused_with_a_clear_message(client, shopper, overrides, message):  # type: ignore[no-untyped-def]
    today = datetime.date.today()
    if message is None:  # January of this year: expired unless it is January now
        if today.month == 1:
            pytest.skip("January: this card is still valid")
        message = "expired"
    response = client.post("/account/payment-methods/new/", card_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PaymentMethod.objects.filter(user=shopper).exists()


def test_the_same_card_twice_is_refused(client, shopper):  # type: ignore[no-untyped-def]
    client.post("/account/payment-methods/new/", card_data())
    response = client.post("/account/payment-methods/new/", card_data())
    assert "already saved" in response.content.decode()
    assert PaymentMethod.objects.filter(user=shopper).count() == 1


def test_the_database_refuses_card_numbers_and_expired_cards(shopper):  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError, match=r"token_format|no_card_numbers"), transaction.atomic():
        PaymentMethodFactory(user=shopper, processor_token="4242424242424242")
    with pytest.raises(IntegrityError, match="no_card_numbers"), transaction.atomic():
        PaymentMethodFactory(user=shopper, cardholder_name="Ann 4242 4242 4242 4242")
    with pytest.raises(IntegrityError, match="last4"), transaction.atomic():
        PaymentMethodFactory(user=shopper, last4="42a2")
    with pytest.raises(DatabaseError, match="card expired"), transaction.atomic():
        PaymentMethodFactory(user=shopper, exp_year=2020, exp_month=1)
    assert not PaymentMethod.objects.filter(user=shopper).exists()


def test_remove_and_switch_default(client, shopper):  # type: ignore[no-untyped-def]
    client.post("/account/payment-methods/new/", card_data())
    client.post("/account/payment-methods/new/", card_data(number="5555 5555 5555 4444", make_default="on"))
    default = PaymentMethod.objects.get(user=shopper, is_default=True)
    assert default.brand == "mastercard"
    client.post(f"/account/payment-methods/{default.pk}/delete/")
    assert PaymentMethod.objects.get(user=shopper).brand == "visa"
    assert PaymentMethod.objects.get(user=shopper).is_default


def test_someone_elses_card_is_not_found(client, shopper):  # type: ignore[no-untyped-def]
    theirs = PaymentMethodFactory(user=UserFactory(), is_default=True)
    assert client.post(f"/account/payment-methods/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/account/payment-methods/{theirs.pk}/default/").status_code == 404
    assert PaymentMethod.objects.filter(pk=theirs.pk).exists()


def test_processor_tokens_are_deterministic_and_carry_behaviour():  # type: ignore[no-untyped-def]
    approve = tokenize(number="4242424242424242", exp_month=1, exp_year=NEXT_YEAR, cvc="123")
    assert approve == tokenize(number="4242 4242 4242 4242", exp_month=1, exp_year=NEXT_YEAR, cvc="999")
    assert tokenize(number="4000000000000002", exp_month=1, exp_year=NEXT_YEAR, cvc="123").token.startswith(
        "tok_decline_"
    )
    assert tokenize(number="4000000000000119", exp_month=1, exp_year=NEXT_YEAR, cvc="123").token.startswith(
        "tok_error_"
    )
    amex = tokenize(number="378282246310005", exp_month=1, exp_year=NEXT_YEAR, cvc="1234")
    assert (amex.brand, amex.last4) == ("amex", "0005")
    with pytest.raises(CardError):
        tokenize(number="378282246310005", exp_month=1, exp_year=NEXT_YEAR, cvc="123")
