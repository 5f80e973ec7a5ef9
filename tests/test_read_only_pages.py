"""The storefront's read-only pages run outside a transaction (no BEGIN/COMMIT round
trips); pages that write keep ATOMIC_REQUESTS' transaction."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import CategoryFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _statements(client, method: str, url: str, data: dict[str, str] | None = None) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, bool]] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        seen.append((sql, connection.in_atomic_block))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        response = getattr(client, method)(url, data or {})
    assert response.status_code in (200, 302), (url, response.status_code)
    return seen


def test_catalog_and_cart_pages_read_without_a_transaction_and_writes_keep_theirs(client):  # type: ignore[no-untyped-def]
    category = CategoryFactory()
    product = ProductFactory(categories=[category])
    client.force_login(UserFactory())
    for url in ["/", f"/c/{category.slug}/", "/search/?q=product", f"/p/{product.slug}/", "/cart/"]:
        statements = _statements(client, "get", url)
        assert statements, url
        in_transaction = [sql for sql, atomic in statements if atomic]
        assert in_transaction == [], (url, in_transaction)
    # Adding to the cart writes: its statements run in the request's transaction.
    variant = product.variants.get()
    statements = _statements(client, "post", "/cart/add/", {"variant": str(variant.pk), "quantity": "1"})
    assert any(atomic for _sql, atomic in statements)
