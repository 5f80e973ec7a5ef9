"""Frequent words' precomputed best matches (catalog_search_term, catalog/migrations/0016)
must never change what a search returns: every page, sort and filter equals the full
query's, also after products change, leave or join the listing between refreshes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from catalog.models import Product, Variant
from tests.conftest import acting_as, sql
from tests.factories import CategoryFactory, ProductFactory, ReviewFactory

pytestmark = pytest.mark.django_db

WORD = "lantern"


@pytest.fixture
def catalog():  # type: ignore[no-untyped-def]
    outdoors = CategoryFactory(name="Outdoors", slug="outdoors")
    camping = CategoryFactory(name="Camping", slug="camping", parent=outdoors)
    home = CategoryFactory(name="Home", slug="home")
    products = []
    for n in range(30):
        # Ranks differ by where the word is (name > description) and how often.
        name = f"{WORD.title()} {n}" if n % 3 == 0 else f"Camp light {n}"
        description = " ".join([WORD] * (n % 4)) + " for the trail" if n % 3 else "A light for the trail."
        products.append(
            ProductFactory(
                name=name,
                slug=f"light-{n}",
                description=description,
                categories=[camping if n % 2 else home],
                variants=[{"price": Decimal(10 + n), "stock": 0 if n % 7 == 0 else 5}],
            )
        )
    return {"outdoors": outdoors, "camping": camping, "home": home, "products": products}


def refresh(min_matches: int = 5, top_n: int = 8) -> int:
    # The test's products were all written in this transaction, moments before the
    # refresh: date their text a day back, as a catalog's would be, or every one of them
    # counts as changed since the lists were computed and the lists go unused.
    sql("UPDATE catalog_product SET search_changed_at = search_changed_at - interval '1 day'")
    return int(sql("SELECT catalog_search_terms_refresh(%s, %s)", [min_matches, top_n])[0][0])


def walk(filters: selectors.ListingFilters, *, use_lists: bool, monkeypatch: Any) -> list[tuple[str, Any]]:
    """Every page of a listing through its cursors: (slug, rank) in order."""
    if not use_lists:
        monkeypatch.setattr(selectors, "_term_list", lambda query: None)
    seen: list[tuple[str, Any]] = []
    after = None
    with acting_as("commerce_customer"):
        while True:
            page = selectors.product_listing(filters=filters, after=after, limit=4)
            # The rank is the relevance order's sort key; other orders do not show it.
            seen += [(p["slug"], p["rank"] if filters.sort == "relevance" else None) for p in page.products]
            if page.next_cursor is None:
                break
            after = page.next_cursor
    monkeypatch.undo()
    return seen


def cases(catalog):  # type: ignore[no-untyped-def]
    yield selectors.ListingFilters(query=WORD, sort="relevance")
    yield selectors.ListingFilters(query="lanterns", sort="relevance")  # same lexeme
    yield selectors.ListingFilters(query=WORD, sort="relevance", category=catalog["outdoors"])
    yield selectors.ListingFilters(query=WORD, sort="relevance", min_price=Decimal(15), max_price=Decimal(30))
    yield selectors.ListingFilters(query=WORD, sort="relevance", in_stock=True, category=catalog["home"])
    # Other orders walk the listing and test the word on each product.
    yield selectors.ListingFilters(query=WORD, sort="newest")
    yield selectors.ListingFilters(query=WORD, sort="price_asc", category=catalog["camping"])
    yield selectors.ListingFilters(query=WORD, sort="price_desc", min_price=Decimal(12), max_price=Decimal(33))
    yield selectors.ListingFilters(query=WORD, sort="rating", in_stock=True, category=catalog["outdoors"])


def assert_same_as_full_query(catalog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for filters in cases(catalog):
        expected = walk(filters, use_lists=False, monkeypatch=monkeypatch)
        assert expected, filters
        assert walk(filters, use_lists=True, monkeypatch=monkeypatch) == expected, filters


def test_lists_hold_frequent_words_with_the_live_ranks(catalog):  # type: ignore[no-untyped-def]
    assert refresh() >= 1
    [(matches, ids, ranks)] = sql(
        "SELECT matches, top_ids, top_ranks FROM catalog_search_term WHERE query = to_tsquery('english', %s)", [WORD]
    )
    live = sql(
        """SELECT id, ts_rank_cd(search_vector, to_tsquery('english', %s)) FROM catalog_product
            WHERE is_listed AND search_vector @@ to_tsquery('english', %s) ORDER BY 2 DESC, 1 DESC""",
        [WORD, WORD],
    )
    assert matches == len(live) and len(ids) == 8
    assert list(zip(ids, ranks, strict=True)) == live[:8]


@pytest.mark.parametrize("chunk", [2, 250])
def test_searches_equal_the_full_query_with_truncated_and_complete_lists(catalog, monkeypatch, chunk):  # type: ignore[no-untyped-def]
    refresh(top_n=8)  # truncated: pages run past the list and fall back
    with monkeypatch.context() as patch:
        patch.setattr(selectors, "TERM_CHUNK", chunk)  # pages found in the list's first entries, or not
        assert_same_as_full_query(catalog, monkeypatch)
    refresh(top_n=1000)  # the whole match set
    with monkeypatch.context() as patch:
        patch.setattr(selectors, "TERM_CHUNK", chunk)
        assert_same_as_full_query(catalog, monkeypatch)


@pytest.mark.parametrize("top_n", [8, 1000])  # truncated; every match (pages from its first entries)
def test_changes_after_the_refresh_are_ranked_live(catalog, monkeypatch, top_n):  # type: ignore[no-untyped-def]
    refresh(top_n=top_n)
    products = catalog["products"]
    # A product renamed to rank first; two of the list's best lose the word, one of them
    # the rank they had (still matching, lower); one is unlisted; one is new.
    Product.objects.filter(pk=products[1].pk).update(name=f"{WORD} {WORD} {WORD} Deluxe")
    Product.objects.filter(pk=products[27].pk).update(name="Plain torch", description="No match here.")
    Product.objects.filter(pk=products[21].pk).update(name="Plain torch", description=f"A {WORD} of sorts.")
    Product.objects.filter(pk=products[24].pk).update(status="archived")
    ProductFactory(name=f"New {WORD}", slug="new-light", categories=[catalog["camping"]])
    # Products that now match once in their description: they rank at the bottom, below
    # the list's last entry, among products the list does not hold.
    for n in (4, 8, 16, 20, 28):
        Product.objects.filter(pk=products[n].pk).update(description=f"One {WORD} for the trail")
    assert_same_as_full_query(catalog, monkeypatch)
    slugs = [slug for slug, _ in walk(cases(catalog).__next__(), use_lists=True, monkeypatch=monkeypatch)]
    assert slugs[0] == products[1].slug and products[27].slug not in slugs and products[24].slug not in slugs
    assert slugs.index(products[21].slug) > 10
    assert "new-light" in slugs


@pytest.mark.parametrize("top_n", [8, 1000])
def test_a_stock_change_needs_no_stamp_and_a_price_or_rating_change_is_keyed_live(catalog, monkeypatch, top_n):  # type: ignore[no-untyped-def]
    refresh(top_n=top_n)
    products = catalog["products"]

    def stamp(n: int) -> Any:
        return Product.objects.get(pk=products[n].pk).search_changed_at

    before = stamp(6)
    Variant.objects.filter(product=products[6]).update(stock=0)
    assert stamp(6) == before  # checkouts never stamp (nor touch) the product
    # Sort keys that change after the refresh: the lists' entries keep their old keys,
    # so the stamped products are keyed live. The cheapest product becomes the dearest,
    # a dear one the cheapest; a product without reviews becomes the best rated.
    Variant.objects.filter(product=products[0]).update(price=Decimal(999))
    Variant.objects.filter(product=products[29]).update(price=Decimal(1))
    ReviewFactory(product=products[3], rating=5)
    assert stamp(0) > before and stamp(29) > before and stamp(3) > before
    assert_same_as_full_query(catalog, monkeypatch)
    with acting_as("commerce_customer"):
        dearest = selectors.product_listing(filters=selectors.ListingFilters(query=WORD, sort="price_desc"), limit=2)
        best = selectors.product_listing(filters=selectors.ListingFilters(query=WORD, sort="rating"), limit=2)
    assert dearest.products[0]["slug"] == products[0].slug
    assert best.products[0]["slug"] == products[3].slug


def test_the_first_page_of_a_frequent_word_reads_the_list(catalog):  # type: ignore[no-untyped-def]
    refresh(top_n=8)
    with acting_as("commerce_customer"), CaptureQueriesContext(connection) as ctx:
        page = selectors.product_listing(filters=selectors.ListingFilters(query=WORD, sort="relevance"), limit=4)
    assert len(page.products) == 4
    assert any("unnest(term.top_ids" in q["sql"] for q in ctx.captured_queries)
    assert not any("FROM catalog_listed_product p WHERE p.search_vector @@" in q["sql"] for q in ctx.captured_queries)
    for sort in ("newest", "price_asc", "price_desc", "rating"):
        with acting_as("commerce_customer"), CaptureQueriesContext(connection) as ctx:
            page = selectors.product_listing(filters=selectors.ListingFilters(query=WORD, sort=sort), limit=4)
        assert len(page.products) == 4
        assert any("JOIN catalog_search_term_order o" in q["sql"] for q in ctx.captured_queries), sort
        assert not any("AS k0" in q["sql"] for q in ctx.captured_queries), sort  # no walk
        assert not any(
            "FROM catalog_listed_product p WHERE p.search_vector @@" in q["sql"] for q in ctx.captured_queries
        )


def test_lists_hold_each_orders_first_priced_matches_with_their_keys(catalog):  # type: ignore[no-untyped-def]
    Variant.objects.filter(product=catalog["products"][9]).update(is_active=False)  # no price: in no order's list
    refresh(top_n=8)
    orders = {
        "newest": ("created_at", "created_at DESC, id DESC", "top_times"),
        "price_asc": ("price", "price, id", "top_prices"),
        "price_desc": ("price", "price DESC, id DESC", "top_prices"),
        "rating": (
            "coalesce(rating_avg, 0), rating_count",
            "coalesce(rating_avg, 0) DESC, rating_count DESC, id DESC",
            "top_ratings, top_rating_counts",
        ),
    }
    for sort, (key, order, columns) in orders.items():
        live = sql(
            f"""SELECT id, {key} FROM catalog_product
                 WHERE is_listed AND price IS NOT NULL AND search_vector @@ to_tsquery('english', %s)
                 ORDER BY {order}""",
            [WORD],
        )
        [(truncated, ids, *keys)] = sql(
            f"""SELECT o.truncated, o.top_ids, {columns} FROM catalog_search_term_order o
                 WHERE o.query = to_tsquery('english', %s) AND o.sort = %s""",
            [WORD, sort],
        )
        assert truncated and len(ids) == 8, sort
        assert [(i, *k) for i, *k in zip(ids, *keys, strict=True)] == [tuple(r) for r in live[:8]], sort
        assert catalog["products"][9].pk not in ids
    refresh(top_n=1000)
    assert sql(
        "SELECT bool_or(truncated) FROM catalog_search_term_order WHERE query = to_tsquery('english', %s)", [WORD]
    ) == [(False,)]


def test_the_storefront_can_read_the_lists_but_not_write_them(catalog):  # type: ignore[no-untyped-def]
    refresh()
    from django.db import DatabaseError, transaction

    with acting_as("commerce_customer"):
        assert sql("SELECT count(*) FROM catalog_search_term")[0][0] >= 1
        with pytest.raises(DatabaseError), transaction.atomic():
            sql("DELETE FROM catalog_search_term")
        with pytest.raises(DatabaseError), transaction.atomic():
            sql("SELECT catalog_search_terms_refresh()")


@pytest.mark.parametrize("cap", [1, 3, 1000])
def test_a_walk_that_stops_short_falls_back_to_the_full_query(catalog, monkeypatch, cap):  # type: ignore[no-untyped-def]
    refresh(top_n=8)

    def patch() -> None:  # the walk, not the other orders' lists
        monkeypatch.setattr(selectors, "WALK_CAP", cap)
        monkeypatch.setattr(selectors, "_fetch_from_sort_list", lambda *args: None)

    for filters in cases(catalog):
        if filters.sort != "relevance":
            expected = walk(filters, use_lists=False, monkeypatch=monkeypatch)
            patch()
            assert walk(filters, use_lists=True, monkeypatch=monkeypatch) == expected, filters


def test_facets_of_a_frequent_word_filtered_by_rating_come_from_its_best_matches(catalog, monkeypatch):  # type: ignore[no-untyped-def]
    # By rating: not counted by the refresh (bands by rating would multiply the table): a
    # live sample of the word's best matches.
    for n, product in enumerate(catalog["products"]):
        ReviewFactory(product=product, rating=5 if n % 5 else 2)
    filters = selectors.ListingFilters(
        query=WORD, sort="price_asc", min_price=Decimal(12), min_rating=Decimal(4), in_stock=True
    )

    def facets() -> list[dict[str, Any]]:
        with acting_as("commerce_customer"):
            return selectors.search_facets(filters=filters, mode="fulltext")

    monkeypatch.setattr(selectors, "_term_list", lambda query: None)
    full = facets()
    monkeypatch.undo()
    assert {f["slug"] for f in full} == {"outdoors", "camping", "home"}
    assert not any(f["at_least"] for f in full)
    refresh(top_n=1000)  # the list holds every match: the same exact counts
    assert facets() == full
    refresh(top_n=5)  # the best five only: lower bounds, marked as such
    sampled = facets()
    assert sampled and all(f["at_least"] for f in sampled)
    counts = {f["slug"]: f["count"] for f in full}
    assert all(f["count"] <= counts[f["slug"]] for f in sampled)
    assert sum(f["count"] for f in sampled if f["slug"] in {"outdoors", "home"}) <= 5


def test_counted_facets_are_the_live_counts_as_of_the_refresh(catalog, monkeypatch):  # type: ignore[no-untyped-def]
    refresh()

    def facets(**bounds: Any) -> list[dict[str, Any]]:
        with acting_as("commerce_customer"):
            return selectors.search_facets(filters=selectors.ListingFilters(query=WORD, **bounds), mode="fulltext")

    def live(**bounds: Any) -> list[dict[str, Any]]:
        # Every match rolled up on the spot (the test's word has fewer than FACET_SAMPLE).
        monkeypatch.setattr(selectors, "_counted_facets", lambda *args: (None, None))
        monkeypatch.setattr(selectors, "_term_list", lambda query: None)
        try:
            return facets(**bounds)
        finally:
            monkeypatch.undo()

    # The test's prices are 10.00 ... 39.00, one band each. Bounds on band edges: exact,
    # of every match and of those in stock (every seventh product has none).
    for bounds in (
        {},
        {"min_price": Decimal(15)},
        {"max_price": Decimal("28.99")},
        {"min_price": Decimal(12), "max_price": Decimal("33.99")},
        {"min_price": Decimal(1), "max_price": Decimal("38.99")},
    ):
        counted = facets(**bounds)
        assert counted == live(**bounds), bounds
        assert counted and not any(f["at_least"] for f in counted), bounds
        in_stock = facets(**bounds, in_stock=True)
        assert in_stock == live(**bounds, in_stock=True), bounds
        assert in_stock and not any(f["at_least"] for f in in_stock), bounds
    assert facets(in_stock=True) != facets()  # four of the matches have no stock
    # A bound inside a band leaves that band out: lower bounds, marked as such.
    # (Lantern 21, at 31.00, matches: a bound of 31.50 drops it.)
    for bounds, drops in (
        ({"min_price": Decimal("15.50")}, False),
        ({"max_price": Decimal("31.50")}, True),
        ({"min_price": Decimal("20.50"), "max_price": Decimal(60)}, True),
    ):
        exact = {f["slug"]: f["count"] for f in live(**bounds)}
        counted = facets(**bounds)
        assert counted and all(f["at_least"] for f in counted), bounds
        assert all(f["count"] <= exact[f["slug"]] for f in counted), bounds
        assert (sum(f["count"] for f in counted) < sum(exact.values())) == drops, bounds
    # The counts are the last refresh's: a new match counts after the next one.
    before = facets()
    ProductFactory(
        name=f"{WORD} new",
        slug="new-light",
        categories=[catalog["home"]],
        variants=[{"price": Decimal(20), "stock": 1}],
    )
    assert facets() == before != live()
    refresh()
    assert facets() == live() != before
    # So are the counts in stock: a match sold out counts until the next refresh.
    before = facets(in_stock=True)
    sql("UPDATE catalog_variant SET stock = 0 WHERE product_id = %s", [catalog["products"][3].pk])
    assert facets(in_stock=True) == before != live(in_stock=True)
    assert facets() == live()
    refresh()
    assert facets(in_stock=True) == live(in_stock=True) != before


def test_a_words_count_per_category_is_its_matches_in_the_subtree_at_the_refresh(catalog):  # type: ignore[no-untyped-def]
    live = """
        SELECT t.query::text, s.category_id, count(*)::int
          FROM catalog_search_term t JOIN catalog_category_search s ON s.search_vector @@ t.query
         GROUP BY 1, 2 ORDER BY 1, 2
    """
    counted = "SELECT query::text, category_id, matches FROM catalog_search_term_category ORDER BY 1, 2"
    refresh()
    rows = sql(counted)
    assert rows == sql(live)
    assert {(category, n) for query, category, n in rows if query == f"'{WORD}'"} == {
        (catalog["outdoors"].pk, 15),  # camping's (odd numbers): a parent counts its subtree
        (catalog["camping"].pk, 15),
        (catalog["home"].pk, 10),
    }
    ProductFactory(name=f"{WORD} new", slug="new-light", categories=[catalog["home"]])
    assert sql(counted) == rows != sql(live)  # as of the refresh
    refresh()
    assert sql(counted) == sql(live)


def test_check_integrity_finds_counts_per_category_that_disagree(catalog):  # type: ignore[no-untyped-def]
    from catalog.integrity import check_catalog

    refresh()
    assert not any("catalog_search_term_category" in problem for problem in check_catalog())
    sql("UPDATE catalog_search_term_category SET matches = matches + 1 WHERE category_id = %s", [catalog["camping"].pk])
    assert any("catalog_search_term_category" in problem for problem in check_catalog())  # above its parent
    refresh()
    sql("UPDATE catalog_search_term_category SET matches = matches - 1 WHERE category_id = %s", [catalog["home"].pk])
    assert any("catalog_search_term_category" in problem for problem in check_catalog())  # not the facets' total


def test_check_integrity_finds_a_wrong_rank_in_a_list(catalog):  # type: ignore[no-untyped-def]
    from catalog.integrity import check_catalog

    refresh()
    assert not any("catalog_search_term" in problem for problem in check_catalog())
    sql("UPDATE catalog_search_term SET top_ranks[1] = 42 WHERE query = to_tsquery('english', %s)", [WORD])
    assert any("catalog_search_term" in problem for problem in check_catalog())


@pytest.mark.parametrize(
    ("sort", "change"),
    [
        ("price_desc", "top_prices[1] = 0.5"),
        ("newest", "top_times[2] = '2001-01-01'"),
        ("rating", "top_ratings[3] = 4"),
    ],
)
def test_check_integrity_finds_a_wrong_key_in_an_orders_list(catalog, sort, change):  # type: ignore[no-untyped-def]
    from catalog.integrity import check_catalog

    refresh()
    assert not any("catalog_search_term_order" in problem for problem in check_catalog())
    sql(
        f"UPDATE catalog_search_term_order SET {change} WHERE query = to_tsquery('english', %s) AND sort = %s",
        [WORD, sort],
    )
    assert any("catalog_search_term_order" in problem for problem in check_catalog())


def test_check_integrity_finds_facet_counts_that_do_not_accumulate(catalog):  # type: ignore[no-untyped-def]
    from catalog.integrity import check_catalog

    refresh()
    assert sql("SELECT count(*) FROM catalog_search_term_facet")[0][0] > 0
    assert not any("catalog_search_term_facet" in problem for problem in check_catalog())
    sql("UPDATE catalog_search_term_facet SET cum[2] = cum[2] + 100 WHERE category_id = %s", [catalog["home"].pk])
    assert any("catalog_search_term_facet" in problem for problem in check_catalog())
    refresh()
    assert not any("catalog_search_term_facet" in problem for problem in check_catalog())
    # More in stock than matches in a band (each array alone still accumulates).
    sql("UPDATE catalog_search_term_facet SET cum_in_stock = cum WHERE category_id = %s", [catalog["home"].pk])
    assert not any("catalog_search_term_facet" in problem for problem in check_catalog())
    sql(
        "UPDATE catalog_search_term_facet SET cum_in_stock = array_fill(cum[cardinality(cum)], ARRAY[cardinality(cum)])"
        " WHERE category_id = %s",
        [catalog["home"].pk],
    )
    assert any("catalog_search_term_facet" in problem for problem in check_catalog())


def test_the_stamp_is_always_a_time_the_orm_can_load(catalog):  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    product = catalog["products"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        sql("UPDATE catalog_product SET search_changed_at = '-infinity' WHERE id = %s", [product.pk])
    # Products that existed before catalog 0016 carry its default for existing rows.
    sql("UPDATE catalog_product SET search_changed_at = '1970-01-01 00:00:00+00' WHERE id = %s", [product.pk])
    assert Product.objects.get(pk=product.pk).search_changed_at.year == 1970


def test_counts_by_place_equal_the_count_per_listing_row_with_products_in_several_departments():  # type: ignore[no-untyped-def]
    """catalog 0028 counts each product's words once per set of categories it is listed
    in; 0025 counted every (product, word, listing row). Same rows, with products listed
    in two departments, under two leaves of one department, unlisted, without stock."""
    import importlib

    garden = CategoryFactory(name="Garden", slug="garden")
    lights = CategoryFactory(name="Garden lights", slug="garden-lights", parent=garden)
    solar = CategoryFactory(name="Solar", slug="solar", parent=lights)
    mains = CategoryFactory(name="Mains", slug="mains", parent=lights)
    tools = CategoryFactory(name="Garden tools", slug="garden-tools", parent=garden)
    home = CategoryFactory(name="Home", slug="home")
    lamps = CategoryFactory(name="Lamps", slug="lamps", parent=home)
    places = [[solar], [solar, mains], [mains, lamps], [tools, lamps], [lights], [home], [solar, tools, lamps]]
    for n in range(28):
        ProductFactory(
            name=f"{WORD.title()} {n}" if n % 4 else f"Torch {n}",
            slug=f"place-{n}",
            description=f"A {WORD} for the garden" if n % 5 else "A torch.",
            categories=places[n % len(places)],
            variants=[{"price": Decimal(5 + 3 * (n % 9)), "stock": 0 if n % 6 == 0 else 2}],
            status=Product.Status.DRAFT if n == 13 else Product.Status.ACTIVE,
        )
    refresh(min_matches=3, top_n=8)
    facets = "SELECT query::text, category_id, cum, cum_in_stock FROM catalog_search_term_facet ORDER BY 1, 2"
    per_category = "SELECT query::text, category_id, matches FROM catalog_search_term_category ORDER BY 1, 2"
    counted = (sql(facets), sql(per_category))
    # A department counts a product listed under two of its leaves once: the live count.
    matches = "SELECT count(*) FROM catalog_category_search WHERE category_id = %s AND search_vector @@ %s::tsquery"
    garden_count = [n for q, c, n in counted[1] if q == f"'{WORD}'" and c == garden.pk]
    assert garden_count == [sql(matches, [garden.pk, WORD])[0][0]] != [0]
    assert {c for q, c, n in counted[1]} == {garden.pk, lights.pk, solar.pk, mains.pk, tools.pk, home.pk, lamps.pk}
    assert {c for q, c, *_ in counted[0]} == {garden.pk, lights.pk, tools.pk, home.pk, lamps.pk}  # top two levels

    sql(importlib.import_module("catalog.migrations.0025_search_term_categories").FUNCTION)
    sql("SELECT catalog_search_facets_refresh()")
    assert (sql(facets), sql(per_category)) == counted
