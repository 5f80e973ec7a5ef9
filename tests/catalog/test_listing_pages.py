"""Category and search pages: ranking, typo tolerance, hostile input, keyset pagination,
and a query count that does not grow with the rows shown."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import selectors
from tests.conftest import acting_as, sql
from tests.factories import CategoryFactory, ProductFactory, ReviewFactory, SellerFactory

pytestmark = pytest.mark.django_db


def product_slugs(html: str) -> list[str]:
    return re.findall(r'href="/p/([\w-]+)/"', html)


def unique_in_order(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


@pytest.fixture
def audio():  # type: ignore[no-untyped-def]
    electronics = CategoryFactory(name="Electronics", slug="electronics")
    return CategoryFactory(name="Audio", slug="audio", parent=electronics)


def test_name_matches_rank_above_description_matches(client, audio):  # type: ignore[no-untyped-def]
    in_description = ProductFactory(
        name="Studio Monitor Stand", slug="stand", description="Fits behind your headphones rack.", categories=[audio]
    )
    in_name = ProductFactory(name="Aurora Wireless Headphones", slug="aurora", description="Sound.", categories=[audio])
    response = client.get("/search/", {"q": "headphones"})
    assert response.status_code == 200
    slugs = unique_in_order(product_slugs(response.content.decode()))
    assert slugs.index(in_name.slug) < slugs.index(in_description.slug)


def test_a_misspelling_still_finds_the_product(client, audio):  # type: ignore[no-untyped-def]
    ProductFactory(name="Aurora Wireless Headphones", slug="aurora", categories=[audio])
    ProductFactory(name="Garden Hose", slug="hose")
    sql("SELECT catalog_search_terms_refresh()")  # the vocabulary corrections choose from (hourly)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "hedphones"})
    assert response.status_code == 200
    html = response.content.decode()
    assert unique_in_order(product_slugs(html)) == ["aurora"]
    assert "showing results for “headphones”" in html
    assert 'href="/search/?q=hedphones&amp;category=audio"' in html  # the facets count the corrected words
    # The words are corrected once per page: the facets take the listing's correction.
    assert sum("catalog_search_word" in q["sql"] for q in queries.captured_queries) == 1
    page = selectors.product_listing(filters=selectors.ListingFilters(query="hedphones", sort="relevance"))
    assert (page.mode, page.searched) == ("fuzzy", "headphones")
    # Only the unknown word is corrected; a word nothing resembles is left as typed.
    page = selectors.product_listing(filters=selectors.ListingFilters(query="garden hosse", sort="relevance"))
    assert (page.mode, page.searched) == ("fuzzy", "garden hose")
    page = selectors.product_listing(filters=selectors.ListingFilters(query="zzqqxx", sort="relevance"))
    assert (page.mode, page.products) == ("fulltext", [])


def test_search_facets_count_categories_of_the_matches(audio):  # type: ignore[no-untyped-def]
    books = CategoryFactory(name="Books")
    for n in range(3):
        ProductFactory(name=f"Headphones {n}", categories=[audio])
    ProductFactory(name="Headphones for dummies", categories=[books])
    filters = selectors.ListingFilters(query="headphones", sort="relevance")
    facets = selectors.search_facets(filters=filters, mode="fulltext")
    assert [(f["name"], f["count"]) for f in facets] == [("Audio", 3), ("Electronics", 3), ("Books", 1)]
    assert not any(f["at_least"] for f in facets)
    # The filters (stock, price) apply to the sample before it is counted per category.
    ProductFactory(name="Headphones sold out", categories=[audio], variants=[{"price": Decimal(20), "stock": 0}])
    ProductFactory(name="Headphones deluxe", categories=[audio], variants=[{"price": Decimal(900), "stock": 3}])
    filters = selectors.ListingFilters(query="headphones", sort="relevance", in_stock=True, max_price=Decimal(500))
    facets = selectors.search_facets(filters=filters, mode="fulltext")
    assert [(f["name"], f["count"]) for f in facets] == [("Audio", 3), ("Electronics", 3), ("Books", 1)]
    facets = selectors.search_facets(filters=replace(filters, in_stock=False), mode="fulltext")
    assert [(f["name"], f["count"]) for f in facets] == [("Audio", 4), ("Electronics", 4), ("Books", 1)]


def test_a_whole_catalog_search_counts_its_facets_from_the_matches_it_reads(audio, monkeypatch):  # type: ignore[no-untyped-def]
    """Words with no precomputed list, in the whole catalog: the listing's statement counts
    the facets from the matches it reads anyway. They equal search_facets' own sample of the
    same matches, and search_facets given the page then reads nothing."""
    books = CategoryFactory(name="Books")
    for n in range(3):
        ProductFactory(name=f"Wireless Headphones {n}", categories=[audio])
    ProductFactory(name="Wireless headphones for dummies", categories=[books])
    sold_out, deluxe = [{"price": Decimal(20), "stock": 0}], [{"price": Decimal(900), "stock": 3}]
    ProductFactory(name="Wireless headphones sold out", categories=[audio], variants=sold_out)
    ProductFactory(name="Wireless headphones deluxe", categories=[audio], variants=deluxe)
    ProductFactory(name="Wired headphones", categories=[books])  # one word only: not a match
    both = selectors.ListingFilters(query="wireless headphones", sort="relevance")
    cases = [
        (both, [("Audio", 5), ("Electronics", 5), ("Books", 1)]),
        (
            replace(both, sort="price_asc", in_stock=True, max_price=Decimal(500)),
            [("Audio", 3), ("Electronics", 3), ("Books", 1)],
        ),
    ]
    for filters, expected in cases:
        page = selectors.product_listing(filters=filters, limit=2)  # a page shorter than the matches
        assert page.facets is not None
        assert [(f["name"], f["count"]) for f in page.facets] == expected
        assert page.facets == selectors.search_facets(filters=filters, mode=page.mode, searched=page.searched)
        assert not any("listing_facets" in key for product in page.products for key in product)  # taken off
        with CaptureQueriesContext(connection) as queries:
            facets = selectors.search_facets(filters=filters, mode=page.mode, searched=page.searched, page=page)
        assert facets == page.facets and len(queries) == 0
        # The next page carries the same facets.
        after = selectors.product_listing(filters=filters, after=page.next_cursor, limit=2)
        assert after.facets == page.facets
    # A full sample: lower bounds, alike.
    monkeypatch.setattr(selectors, "FACET_SAMPLE", 2)
    page = selectors.product_listing(filters=both)
    assert page.facets is not None and all(f["at_least"] for f in page.facets)
    assert page.facets == selectors.search_facets(filters=both, mode=page.mode, searched=page.searched)
    # Within a category the listing reads other matches: search_facets samples its own.
    in_audio = replace(both, category=audio)
    page = selectors.product_listing(filters=in_audio)
    assert page.facets is None
    assert selectors.search_facets(filters=in_audio, mode=page.mode, searched=page.searched, page=page)


def test_facet_counts_from_a_full_sample_are_shown_as_lower_bounds(client, audio, monkeypatch):  # type: ignore[no-untyped-def]
    for n in range(4):
        ProductFactory(name=f"Headphones {n}", categories=[audio])
    monkeypatch.setattr(selectors, "FACET_SAMPLE", 2)
    filters = selectors.ListingFilters(query="headphones", sort="relevance")
    facets = selectors.search_facets(filters=filters, mode="fulltext")
    assert next((f["name"], f["count"], f["at_least"]) for f in facets) == ("Audio", 2, True)
    page = client.get("/search/", {"q": "headphones"}).content.decode()
    assert "2+" in page and "or more" in page


def test_a_small_category_search_finds_its_matches(client, audio):  # type: ignore[no-untyped-def]
    ProductFactory(name="Aurora Headphones", slug="aurora", categories=[audio])
    ProductFactory(name="Pillow", slug="pillow", categories=[audio])
    ProductFactory(name="Other Headphones", slug="other")
    filters = selectors.ListingFilters(query="headphones", category=audio, sort="relevance")
    page = selectors.product_listing(filters=filters)
    assert [p["slug"] for p in page.products] == ["aurora"] and page.mode == "fulltext"


@pytest.mark.parametrize(
    "q",
    [
        "",
        "'; DROP TABLE catalog_product; --",
        "a" * 5000,
        "café ☕ 東京",
        "%_\\",
        "\\",
        "&|!():*<->",
        "null\x00byte",
        "   ",
        "OR 1=1",
        "<script>alert(1)</script>",
    ],
)
def test_hostile_queries_return_200_with_sane_results(client, audio, q):  # type: ignore[no-untyped-def]
    ProductFactory(name="Aurora Wireless Headphones", categories=[audio])
    response = client.get("/search/", {"q": q})
    assert response.status_code in (200, 400)
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body


@pytest.mark.parametrize(
    "params",
    [
        {"min_price": "abc"},
        {"min_price": "-1"},
        {"max_price": "1e309"},
        {"min_price": "50", "max_price": "10"},
        {"min_rating": "9"},
        {"min_rating": "x"},
        {"sort": "name; DROP TABLE x"},
        {"sort": "relevance"},
        {"after": "not-a-cursor"},
        {"after": "eyJzIjoicHJpY2VfYXNjIn0:forged:signature"},
        {"in_stock": "maybe"},
    ],
)
def test_bad_listing_parameters_get_400_or_a_clean_fallback(client, audio, params):  # type: ignore[no-untyped-def]
    ProductFactory(categories=[audio])
    for url in ("/c/audio/", "/search/"):
        response = client.get(url, params)
        assert response.status_code in (200, 400), (url, params, response.status_code)


def test_the_filter_form_shows_what_was_entered_escaped_with_its_errors(client, audio):  # type: ignore[no-untyped-def]
    """The filter controls are rendered in Python (catalog.forms): values come back as
    typed, escaped, the chosen options selected, invalid fields marked for assistive tech."""
    ProductFactory(categories=[audio])
    body = client.get(
        "/c/audio/", {"min_price": '"><script>x</script>', "max_price": "80", "min_rating": "3", "in_stock": "on"}
    ).content.decode()
    assert "<script>x</script>" not in body
    assert re.search(
        r'<input type="number" name="min_price" value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"'
        r' aria-describedby="id_min_price_error" aria-invalid="true" id="id_min_price"',
        body,
    )
    assert '<ul class="errorlist" id="id_min_price_error"><li>Enter a number.</li></ul>' in body
    assert (
        '<input type="number" name="max_price" value="80" id="id_max_price" max="1000000" min="0" step="0.01">' in body
    )
    assert '<option value="3" selected>3★ &amp; up</option>' in body
    assert body.count(" selected>") == 2  # the rating and the sort order
    assert '<input type="checkbox" name="in_stock" id="id_in_stock" checked>' in body
    unfiltered = client.get("/c/audio/").content.decode()
    assert '<option value="" selected>Any rating</option>' in unfiltered
    assert '<input type="checkbox" name="in_stock" id="id_in_stock">' in unfiltered
    # The category page caches the form under its URL: the same URL again, the same form.
    again = client.get(
        "/c/audio/", {"min_price": '"><script>x</script>', "max_price": "80", "min_rating": "3", "in_stock": "on"}
    ).content.decode()
    assert '<ul class="errorlist" id="id_min_price_error"><li>Enter a number.</li></ul>' in again
    assert '<option value="3" selected>3★ &amp; up</option>' in again


def test_a_cursor_from_another_ordering_is_refused(client, audio):  # type: ignore[no-untyped-def]
    for n in range(30):
        ProductFactory(categories=[audio], variants=[{"price": Decimal(n + 1)}])
    first = client.get("/c/audio/", {"sort": "price_asc"}).content.decode()
    cursor = re.search(r'after=([^"&]+)', first).group(1)
    assert client.get("/c/audio/", {"sort": "price_desc", "after": cursor}).status_code == 400


def test_filters_by_price_rating_and_stock(audio):  # type: ignore[no-untyped-def]
    cheap = ProductFactory(categories=[audio], variants=[{"price": Decimal("5.00")}])
    dear = ProductFactory(categories=[audio], variants=[{"price": Decimal("500.00")}])
    empty = ProductFactory(categories=[audio], variants=[{"price": Decimal("50.00"), "stock": 0}])
    ReviewFactory(product=dear, rating=5)

    def ids(**kw):  # type: ignore[no-untyped-def]
        filters = selectors.ListingFilters(category=audio, **kw)
        return {p["id"] for p in selectors.product_listing(filters=filters).products}

    assert ids() == {cheap.pk, dear.pk, empty.pk}
    assert ids(min_price=Decimal(10)) == {dear.pk, empty.pk}
    assert ids(max_price=Decimal(60)) == {cheap.pk, empty.pk}
    assert ids(min_rating=4) == {dear.pk}
    assert ids(in_stock=True) == {cheap.pk, dear.pk}


def test_category_pages_include_descendants_and_only_listed_products(client, audio):  # type: ignore[no-untyped-def]
    headphones = CategoryFactory(name="Headphones", slug="headphones", parent=audio)
    deep = ProductFactory(slug="deep", categories=[headphones])
    ProductFactory(slug="draft", categories=[audio], status="draft")
    hidden_seller = SellerFactory(is_active=False)
    ProductFactory(slug="hidden", seller=hidden_seller, categories=[audio])
    slugs = product_slugs(client.get("/c/electronics/").content.decode())
    assert deep.slug in slugs
    assert "draft" not in slugs and "hidden" not in slugs
    assert client.get("/p/draft/").status_code == 404
    assert client.get("/c/no-such-category/").status_code == 404


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc", "rating"])
def test_walking_every_page_returns_each_product_once_in_order(client, audio, sort):  # type: ignore[no-untyped-def]
    originals = [ProductFactory(categories=[audio], variants=[{"price": Decimal(n % 7 + 1)}]) for n in range(55)]
    for n, product in enumerate(originals[:20]):
        ReviewFactory(product=product, rating=1 + n % 5)
    seen: list[str] = []
    url, params = "/c/audio/", {"sort": sort}
    pages = 0
    while True:
        response = client.get(url, params)
        assert response.status_code == 200
        html = response.content.decode()
        seen += unique_in_order(product_slugs(html))
        # Someone adds products between page loads: pages already walked stay valid.
        ProductFactory(categories=[audio], variants=[{"price": Decimal(3)}])
        pages += 1
        match = re.search(r'href="(/c/audio/\?[^"]*after=[^"]+)"', html)
        if not match:
            break
        url, params = match.group(1).replace("&amp;", "&"), {}
    assert pages >= 3
    original_slugs = {p.slug for p in originals}
    walked = [s for s in seen if s in original_slugs]
    assert len(walked) == len(set(walked)), "a product appeared twice"
    assert set(walked) == original_slugs, "a product was skipped"
    expected = selectors.product_listing(filters=selectors.ListingFilters(category=audio, sort=sort), limit=500)
    expected_order = [p["slug"] for p in expected.products if p["slug"] in original_slugs]
    assert walked == expected_order


def _queries(client, url: str) -> int:  # type: ignore[no-untyped-def]
    cache.clear()  # count the queries of an uncached home page
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_listing_query_count_does_not_grow_with_rows(client, audio):  # type: ignore[no-untyped-def]
    for _ in range(2):
        ProductFactory(categories=[audio], name="Speaker x")
    few = {u: _queries(client, u) for u in ("/c/audio/", "/search/?q=speaker", "/")}
    for _ in range(20):
        product = ProductFactory(
            categories=[audio], name="Speaker y", variants=[{"price": Decimal(9)}, {"price": Decimal(8)}]
        )
        ReviewFactory(product=product, rating=4)
        ReviewFactory(product=product, rating=5)
        ReviewFactory(product=product, rating=3)
    many = {u: _queries(client, u) for u in ("/c/audio/", "/search/?q=speaker", "/")}
    assert many == few


def test_product_page_query_count_does_not_grow_with_variants_images_reviews(client, audio):  # type: ignore[no-untyped-def]
    small = ProductFactory(categories=[audio], slug="small")
    big = ProductFactory(
        categories=[audio], slug="big", variants=[{"price": Decimal(n + 1), "sku": f"big-{n}"} for n in range(6)]
    )
    for n in range(5):
        big.images.create(url=f"/static/img/{n}.svg", position=n)
    for _ in range(15):
        ReviewFactory(product=big, rating=4)
    ReviewFactory(product=small, rating=4)
    assert _queries(client, "/p/small/") == _queries(client, "/p/big/")


def test_a_memoized_product_card_is_never_stale(client, audio):  # type: ignore[no-untyped-def]
    """Cards are memoized by the values they show: a price, stock or name change renders a
    new card on the very next request."""
    product = ProductFactory(
        name="Aurora Speaker", slug="aurora", categories=[audio], variants=[{"price": Decimal(25)}]
    )
    html = client.get("/c/audio/").content.decode()
    assert "$25.00" in html and "Out of stock" not in html
    variant = product.variants.get()
    variant.price = Decimal("19.50")
    variant.stock = 0
    variant.save()
    type(product).objects.filter(pk=product.pk).update(name="Aurora Speaker II")
    html = client.get("/c/audio/").content.decode()
    assert "$19.50" in html and "$25.00" not in html
    assert "Out of stock" in html and "Aurora Speaker II" in html
    # The same card in another listing reuses the rendered HTML, byte for byte.
    search_html = client.get("/search/", {"q": "aurora"}).content.decode()
    card = re.search(r'<article class="product-card.*?</article>', html, re.S)
    assert card is not None and card.group(0) in search_html


def test_home_sections_are_cached_for_a_minute(client, audio):  # type: ignore[no-untyped-def]
    from catalog import views

    ProductFactory(name="First Speaker", slug="first", categories=[audio])
    assert "First Speaker" in client.get("/").content.decode()
    ProductFactory(name="Second Speaker", slug="second", categories=[audio])
    with CaptureQueriesContext(connection) as cached:
        html = client.get("/").content.decode()
    assert "Second Speaker" not in html, "served from the cache: up to HOME_SECTIONS_SECONDS old"
    assert not any("catalog_listed_product" in q["sql"] for q in cached.captured_queries)
    cache.delete(views.HOME_SECTIONS_KEY)  # what expiry does after HOME_SECTIONS_SECONDS
    assert "Second Speaker" in client.get("/").content.decode()


def test_a_category_page_caches_its_own_parts_for_a_minute(client, audio):  # type: ignore[no-untyped-def]
    from catalog import views

    ProductFactory(name="Aurora Speaker", slug="aurora", categories=[audio])
    assert "<h1>Audio</h1>" in client.get("/c/audio/").content.decode()
    type(audio).objects.filter(pk=audio.pk).update(name="Sound")
    ProductFactory(name="Second Speaker", slug="second", categories=[audio])
    html = client.get("/c/audio/").content.decode()
    assert "<h1>Audio</h1>" in html, "the category's own parts: up to CATEGORY_PARTS_SECONDS old"
    assert "Second Speaker" in html, "the products are always live"
    cache.delete("catalog:category-parts:v1:audio")  # what expiry does
    assert "<h1>Sound</h1>" in client.get("/c/audio/").content.decode()
    assert client.get("/c/no-such-category/").status_code == 404
    assert views.CATEGORY_PARTS_SECONDS == 60


def test_category_listings_bind_no_limit_so_prepared_plans_are_reused(audio):  # type: ignore[no-untyped-def]
    # The site's statements are prepared on their fifth use. With a bound `LIMIT $n`
    # PostgreSQL costs a generic plan as if a tenth of the listing were read and plans
    # every execution afresh (0.5 ms of planning for 0.4 ms of execution on a category
    # page at full scale); a bound review minimum also rules out the partial top-rated
    # index for a generic plan. Both are written into the statement (catalog.selectors._limit).
    product = ProductFactory(name="Speaker", categories=[audio])
    for _ in range(3):
        ReviewFactory(product=product, rating=5)
    for _ in range(6):  # prepared on the fifth use: the server's statement text, as bound
        assert selectors.product_listing(filters=selectors.ListingFilters(category=audio)).products
        assert selectors.top_rated(category=audio)
    listings = [
        statement
        for (statement,) in sql("SELECT statement FROM pg_prepared_statements ORDER BY prepare_time")
        if "FROM catalog_category_listing p" in statement
    ]
    assert len(listings) == 2
    for statement in listings:
        assert re.search(r"LIMIT \d+\s", statement), statement
    assert "rating_count >= 3" in listings[1]


def test_does_anything_match_asks_the_index_not_every_product(audio):  # type: ignore[no-untyped-def]
    """catalog_matches_anywhere (catalog 0026): at full scale the planner read all 500,000
    products for two frequent words that never occur together. Here index reads are made
    to look dear, so that a sequential scan looks cheap; the function never makes one."""
    ProductFactory(name="Lightweight Headphones", categories=[audio])
    ProductFactory(name="Toy Drum", categories=[audio])
    scans = "SELECT coalesce(sum(seq_scan), 0) FROM pg_stat_xact_user_tables WHERE relname = 'catalog_product'"
    with acting_as("commerce_customer"):
        # How a sequential scan shows in the counter: the plain probe with index reads off.
        sql("SET LOCAL enable_indexscan = off")
        sql("SET LOCAL enable_bitmapscan = off")
        before = sql(scans)[0][0]
        sql("SELECT EXISTS (SELECT 1 FROM catalog_listed_product p WHERE p.search_vector @@ to_tsquery('toy'))")
        assert sql(scans)[0][0] > before
        sql("RESET enable_indexscan")
        sql("RESET enable_bitmapscan")
        sql("SET LOCAL random_page_cost = 1000")
        before = sql(scans)[0][0]
        assert sql("SELECT catalog_matches_anywhere(%s)", ["lightweight toy"]) == [(False,)]
        assert sql("SELECT catalog_matches_anywhere(%s)", ["toy"]) == [(True,)]
        assert sql(scans)[0][0] == before
    # A frequent word (catalog 0027) is answered by its list's row: no read of the products.
    sql("SELECT catalog_search_terms_refresh(1, 10)")
    reads = (
        "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_xact_user_tables"
        " WHERE relname = 'catalog_product'"
    )
    with acting_as("commerce_customer"):
        before = sql(reads)[0][0]
        assert sql("SELECT catalog_matches_anywhere(%s)", ["toy"]) == [(True,)]
        assert sql(reads)[0][0] == before
        assert sql("SELECT catalog_matches_anywhere(%s)", ["toy drum"]) == [(True,)]  # not one word: a probe
        assert sql(reads)[0][0] > before
