"""The address book: one default per shopper, ISO countries, nobody else's rows."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Address
from tests.factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db


def address_data(**overrides: str) -> dict[str, str]:
    return {
        "label": "Home",
        "full_name": "Ann Lee",
        "line1": "1 Main Street",
        "line2": "",
        "city": "Leeds",
        "region": "",
        "postal_code": "LS1 1AA",
        "country": "GB",
        "phone": "",
        **overrides,
    }


@pytest.fixture
def shopper(client):  # type: ignore[no-untyped-def]
    user = UserFactory()
    client.force_login(user)
    return user


def test_first_address_becomes_the_default_and_a_new_default_replaces_it(client, shopper):  # type: ignore[no-untyped-def]
    assert client.post("/account/addresses/new/", address_data()).status_code == 302
    first = Address.objects.get(user=shopper)
    assert first.is_default
    client.post("/account/addresses/new/", address_data(line1="2 Side Street", make_default="on"))
    defaults = list(Address.objects.filter(user=shopper, is_default=True).values_list("line1", flat=True))
    assert defaults == ["2 Side Street"]
    client.post(f"/account/addresses/{first.pk}/default/")
    assert Address.objects.get(user=shopper, is_default=True).pk == first.pk


def test_deleting_the_default_promotes_another(client, shopper):  # type: ignore[no-untyped-def]
    client.post("/account/addresses/new/", address_data())
    client.post("/account/addresses/new/", address_data(line1="2 Side Street"))
    default = Address.objects.get(user=shopper, is_default=True)
    assert client.post(f"/account/addresses/{default.pk}/delete/").status_code == 302
    assert Address.objects.get(user=shopper).is_default


def test_edit_an_address(client, shopper):  # type: ignore[no-untyped-def]
    address = AddressFactory(user=shopper, is_default=True)
    assert client.get(f"/account/addresses/{address.pk}/").status_code == 200
    client.post(f"/account/addresses/{address.pk}/", address_data(city="York"))
    address.refresh_from_db()
    assert address.city == "York"


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"country": "XX"}, "valid choice"),
        ({"country": ""}, "required"),
        ({"line1": ""}, "required"),
        ({"line1": "4111 1111 1111 1111"}, "card number"),
        ({"postal_code": "x" * 21}, "at most 20"),
    ],
)
def test_invalid_addresses_are_refused_and_nothing_is_written(client, shopper, overrides, field_message):  # type: ignore[no-untyped-def]
    response = client.post("/account/addresses/new/", address_data(**overrides))
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not Address.objects.filter(user=shopper).exists()


def test_the_database_enforces_iso_countries_and_one_default(shopper):  # type: ignore[no-untyped-def]
    AddressFactory(user=shopper, is_default=True)
    with pytest.raises(IntegrityError, match="country_iso"), transaction.atomic():
        AddressFactory(user=shopper, country="XX")
    with pytest.raises(IntegrityError, match="one_default"), transaction.atomic():
        AddressFactory(user=shopper, is_default=True)
    with pytest.raises(IntegrityError, match="no_card_numbers"), transaction.atomic():
        AddressFactory(user=shopper, line2="5555-5555-5555-4444")


def test_someone_elses_address_is_not_found(client, shopper):  # type: ignore[no-untyped-def]
    other = AddressFactory(user=UserFactory(), city="Theirs", is_default=True)
    assert client.get(f"/account/addresses/{other.pk}/").status_code == 404
    assert client.post(f"/account/addresses/{other.pk}/", address_data(city="Mine")).status_code == 404
    assert client.post(f"/account/addresses/{other.pk}/delete/").status_code == 404
    assert client.post(f"/account/addresses/{other.pk}/default/").status_code == 404
    other.refresh_from_db()
    assert (other.city, other.is_default) == ("Theirs", True)
    assert "Theirs" not in client.get("/account/addresses/").content.decode()


def test_addresses_list_shows_own_addresses(client, shopper):  # type: ignore[no-untyped-def]
    AddressFactory(user=shopper, line1="1 Mine Road", is_default=True)
    AddressFactory(user=UserFactory(), line1="9 Theirs Road")
    body = client.get("/account/addresses/").content.decode()
    assert "1 Mine Road" in body and "9 Theirs Road" not in body
