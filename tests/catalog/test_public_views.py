"""The public catalog views (catalog/migrations/0011) run with their owner's rights so the
planner can use the search and listing indexes; they must show a shopper exactly what the
row-level security policies would: listed products only, public columns only."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from catalog.models import Category, ProductCategory
from shopwave import dbcontext
from tests.conftest import acting_as, sql
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PRIVATE_COLUMNS = {"cost", "status", "description", "is_listed", "stars_1", "rating_sum", "updated_at"}


def test_the_views_show_what_rls_shows_and_no_private_column():  # type: ignore[no-untyped-def]
    shelf = Category.objects.create(name="Shelf", slug="shelf")
    listed = ProductFactory(name="Listed Lamp", variants=[{"sku": "PV-1", "price": Decimal("10.00"), "stock": 3}])
    draft = ProductFactory(name="Draft Lamp", status="draft")
    for product in (listed, draft):
        ProductCategory.objects.create(product=product, category=shelf)

    columns = {name for (name,) in sql(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'catalog_listed_product'"
    )}  # fmt: skip
    assert columns and not columns & PRIVATE_COLUMNS

    with acting_as(dbcontext.CUSTOMER):
        through_rls = {pk for (pk,) in sql("SELECT id FROM catalog_product")}
        through_view = {pk for (pk,) in sql("SELECT id FROM catalog_listed_product")}
        links = sql("SELECT product_id FROM catalog_listed_product_category WHERE category_id = %s", [shelf.pk])
        matches = sql(
            "SELECT id FROM catalog_listed_product WHERE search_vector @@ websearch_to_tsquery('english', 'lamp')"
        )
        with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
            sql("SELECT cost FROM catalog_product")  # what the seller pays is not the shopper's business
    assert through_view == through_rls and listed.pk in through_view and draft.pk not in through_view
    assert links == [(listed.pk,)]  # the draft's category link is not visible either
    assert matches == [(listed.pk,)]


def test_the_views_are_read_only_for_shoppers():  # type: ignore[no-untyped-def]
    with acting_as(dbcontext.CUSTOMER):
        for statement in (
            "UPDATE catalog_listed_product SET name = 'x'",
            "DELETE FROM catalog_listed_product_category",
        ):
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                sql(statement)
