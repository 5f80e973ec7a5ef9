"""Searches within a category (catalog/migrations/0021, catalog/selectors.py): the words
per listed product and category, kept by triggers through every kind of change, and a
search within a category that returns exactly the matching products of the category's
subtree, in order, on every page, whichever path serves it (the intersection, a frequent
word's list, the ordered walk, or every match in the category)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.integrity import run_catalog_checks
from catalog.models import Category, Product, ProductCategory, Variant
from tests.conftest import acting_as, sql
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def search_rows(product: Product) -> set[int]:
    rows = sql(
        "SELECT category_id FROM catalog_category_search WHERE id = %s AND search_vector = %s::tsvector",
        [product.pk, sql("SELECT search_vector::text FROM catalog_product WHERE id = %s", [product.pk])[0][0]],
    )
    return {category for (category,) in rows}


def assert_fresh() -> None:
    result = next(r for r in run_catalog_checks() if r.name == "category search")
    assert result.ok, result.message


def test_every_change_keeps_the_words_per_category_true():  # type: ignore[no-untyped-def]
    home = CategoryFactory(name="Home")
    lighting = CategoryFactory(name="Lighting", parent=home)
    lamps = CategoryFactory(name="Lamps", parent=lighting)
    garden = CategoryFactory(name="Garden")
    lamp = ProductFactory(name="Desk Lamp", categories=[lamps], variants=[{"sku": "L-1"}])
    assert search_rows(lamp) == {home.pk, lighting.pk, lamps.pk}  # the category and its ancestors

    Product.objects.filter(pk=lamp.pk).update(name="Brass Reading Lamp")  # new words, every row
    assert search_rows(lamp) == {home.pk, lighting.pk, lamps.pk}
    brass = (
        "SELECT count(*) FROM catalog_category_search WHERE id = %s AND search_vector @@ to_tsquery('english', 'brass')"
    )
    assert sql(brass, [lamp.pk]) == [(3,)]

    ProductCategory.objects.create(product=lamp, category=garden)
    assert search_rows(lamp) == {home.pk, lighting.pk, lamps.pk, garden.pk}
    ProductCategory.objects.filter(product=lamp, category=lamps).delete()
    assert search_rows(lamp) == {garden.pk}

    ProductCategory.objects.create(product=lamp, category=lamps)
    lighting.parent = garden  # a moved subtree: new ancestors
    lighting.save()
    assert search_rows(lamp) == {garden.pk, lighting.pk, lamps.pk}
    Category.objects.filter(pk=lamps.pk).update(name="Table Lamps")  # a rename re-indexes the words
    assert search_rows(lamp) == {garden.pk, lighting.pk, lamps.pk}

    Product.objects.filter(pk=lamp.pk).update(status="draft")  # unlisted: no rows
    assert search_rows(lamp) == set()
    Product.objects.filter(pk=lamp.pk).update(status="active")
    assert search_rows(lamp) == {garden.pk, lighting.pk, lamps.pk}
    Variant.objects.filter(sku="L-1").update(is_active=False)  # no active variant: no price, not listed
    assert search_rows(lamp) == set()
    Variant.objects.filter(sku="L-1").update(is_active=True)
    assert_fresh()

    lamp_id = lamp.pk
    Product.objects.filter(pk=lamp_id).delete()
    assert sql("SELECT count(*) FROM catalog_category_search WHERE id = %s", [lamp_id]) == [(0,)]
    assert_fresh()


def test_the_integrity_check_sees_stale_words():  # type: ignore[no-untyped-def]
    lamps = CategoryFactory(name="Lamps")
    lamp = ProductFactory(name="Desk Lamp", categories=[lamps])
    assert_fresh()
    sql("UPDATE catalog_category_search SET search_vector = to_tsvector('english', 'kettle') WHERE id = %s", [lamp.pk])
    result = next(r for r in run_catalog_checks() if r.name == "category search")
    assert not result.ok and "catalog_category_search differs" in (result.message or "")


WORD = "lantern"


@pytest.fixture
def catalog():  # type: ignore[no-untyped-def]
    """40 products over a small tree; the word in most of Camping's, a few of Home's, none of Garden's."""
    outdoors = CategoryFactory(name="Outdoors", slug="outdoors")
    camping = CategoryFactory(name="Camping", slug="camping", parent=outdoors)
    home = CategoryFactory(name="Home", slug="home")
    garden = CategoryFactory(name="Garden", slug="garden")
    for n in range(40):
        in_camping = n % 4 != 0
        has_word = (in_camping and n % 5 != 0) or n % 12 == 0
        ProductFactory(
            name=f"{WORD.title()} {n}" if has_word and n % 3 == 0 else f"Light {n}",
            slug=f"light-{n}",
            description=(" ".join([WORD] * (n % 3 + 1)) if has_word else "A light") + " for the trail.",
            categories=[camping] if in_camping else [home, garden] if n % 8 == 0 else [home],
            variants=[{"price": Decimal(10 + n), "stock": 0 if n % 7 == 0 else 5}],
        )
    # Frequent-word lists as the hourly job keeps them, truncated to 6 entries; the text
    # dated a day back, as a catalog's is.
    sql("UPDATE catalog_product SET search_changed_at = search_changed_at - interval '1 day'")
    sql("SELECT catalog_search_terms_refresh(%s, %s)", [5, 6])
    return {"outdoors": outdoors, "camping": camping, "home": home, "garden": garden}


# The order each sort shows, as SQL over the products themselves (the oracle).
ORACLE_ORDER = {
    "relevance": "ts_rank_cd(p.search_vector, q) DESC, p.id DESC",
    "newest": "p.created_at DESC, p.id DESC",
    "price_asc": "p.price ASC, p.id ASC",
    "price_desc": "p.price DESC, p.id DESC",
    "rating": "coalesce(p.rating_avg, 0) DESC, p.rating_count DESC, p.id DESC",
}


def expected(filters: selectors.ListingFilters) -> list[str]:
    assert filters.category is not None
    clauses = ["p.is_listed", "p.price IS NOT NULL", "p.search_vector @@ q"]
    params: list[Any] = [filters.query, filters.category.pk]
    if filters.min_price is not None:
        clauses.append("p.price >= %s")
        params.append(filters.min_price)
    if filters.max_price is not None:
        clauses.append("p.price <= %s")
        params.append(filters.max_price)
    if filters.in_stock:
        clauses.append(
            "EXISTS (SELECT FROM catalog_variant v WHERE v.product_id = p.id AND v.is_active AND v.stock > 0)"
        )
    rows = sql(
        f"""
        SELECT p.slug FROM catalog_product p, websearch_to_tsquery('english', %s) q
         WHERE EXISTS (SELECT FROM catalog_product_category pc JOIN catalog_category c ON c.id = pc.category_id
                        WHERE pc.product_id = p.id
                          AND c.path LIKE (SELECT path FROM catalog_category WHERE id = %s) || '%%')
           AND {" AND ".join(clauses)}
         ORDER BY {ORACLE_ORDER[filters.sort]}
        """,
        params,
    )
    return [slug for (slug,) in rows]


def shown(filters: selectors.ListingFilters) -> list[str]:
    """Every page through its cursors, as a shopper would."""
    slugs: list[str] = []
    after = None
    with acting_as("commerce_customer"):
        while True:
            page = selectors.product_listing(filters=filters, after=after, limit=4)
            slugs += [p["slug"] for p in page.products]
            if page.next_cursor is None:
                return slugs
            after = page.next_cursor


def cases(catalog: dict[str, Category]):  # type: ignore[no-untyped-def]
    for sort in ORACLE_ORDER:
        for category in ("outdoors", "camping", "home", "garden"):
            yield selectors.ListingFilters(query=WORD, category=catalog[category], sort=sort)
        yield selectors.ListingFilters(
            query=WORD, category=catalog["outdoors"], sort=sort, min_price=Decimal(15), max_price=Decimal(40)
        )
        yield selectors.ListingFilters(query=WORD, category=catalog["home"], sort=sort, in_stock=True)
        yield selectors.ListingFilters(query="lantern trail", category=catalog["camping"], sort=sort)  # two words


@pytest.mark.parametrize(
    ("cap", "sparse"),
    [
        (2_000, 10**9),  # every search by the intersection
        (3, 10**9),  # the intersection finds more than its cap: the list or the walk, then every match
        (2_000, 0),  # the word counts as dense everywhere: the list or the walk first
    ],
)
def test_a_search_within_a_category_shows_its_subtree_matches_in_order(catalog, monkeypatch, cap, sparse):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(selectors, "CATEGORY_SEARCH_CAP", cap)
    monkeypatch.setattr(selectors, "CATEGORY_SEARCH_SPARSE", sparse)
    monkeypatch.setattr(selectors, "WALK_CAP", 5)  # the walk gives up in the sparse categories
    seen = 0
    for filters in cases(catalog):
        want = expected(filters)
        assert shown(filters) == want, filters
        seen += bool(want)
    assert seen > 20  # the cases are not all empty


def test_a_search_within_a_category_asks_the_intersection_index(catalog):  # type: ignore[no-untyped-def]
    """The category and the words are conditions one GIN index can take together: btree_gin's
    bigint operator class, compared with a bigint (it has no bigint = integer operator, and
    an integer parameter would leave the category out of the index scan). Which index a
    plan picks depends on the table's size: at full scale, var/bench/QP-01.txt."""
    [(definition,)] = sql("SELECT pg_get_indexdef('catalog_category_search_words'::regclass)")
    assert definition.endswith("USING gin (category_id, search_vector)")
    filters = selectors.ListingFilters(query=WORD, category=catalog["garden"], sort="relevance")
    with CaptureQueriesContext(connection) as queries, acting_as("commerce_customer"):
        assert [p["slug"] for p in selectors.product_listing(filters=filters).products] == expected(filters)
    [statement] = [q["sql"] for q in queries.captured_queries if "catalog_category_search s" in q["sql"]]
    assert f"s.category_id = {catalog['garden'].pk}::bigint AND s.search_vector @@ " in statement
