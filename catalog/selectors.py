"""Page-level reads for the storefront catalog.

Listings are one SQL statement per page, built only from allow-listed fragments with
every value bound as a parameter. Pagination is keyset (an opaque, signed `after`
cursor holding the sort key of the last row shown), never OFFSET, so pages stay stable
when products are added between page loads and stay fast deep into a listing.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import json
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core import signing
from django.db import connection
from django.db.models import QuerySet

from accounts.models import Seller, User
from catalog.models import Category, Product, ProductImage, Review, Variant
from shopwave.keyset import BadCursorError, decode_after, encode_after

PAGE_SIZE = 24
REVIEWS_PAGE_SIZE = 10
_CURSOR_SALT = "catalog.listing.cursor"
SELLER_PUBLIC_FIELDS = ("seller__id", "seller__company_name", "seller__slug")


# --- Category tree --------------------------------------------------------------------

_TREE_SQL = """
WITH RECURSIVE tree AS (
    SELECT id, parent_id, name, slug, depth, ARRAY[position, id] AS sort_key
      FROM catalog_category WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, c.parent_id, c.name, c.slug, c.depth, t.sort_key || ARRAY[c.position, c.id]
      FROM catalog_category c JOIN tree t ON c.parent_id = t.id
)
SELECT id, parent_id, name, slug, depth FROM tree ORDER BY sort_key
"""


@dataclass
class CategoryNode:
    id: int
    parent_id: int | None
    name: str
    slug: str
    depth: int
    children: list[CategoryNode] = field(default_factory=list)


def category_tree(*, max_depth: int | None = None) -> list[CategoryNode]:
    """The navigation tree, built by one recursive query; each category appears once."""
    with connection.cursor() as cursor:
        cursor.execute(_TREE_SQL)
        rows = cursor.fetchall()
    nodes: dict[int, CategoryNode] = {}
    roots: list[CategoryNode] = []
    for id_, parent_id, name, slug, depth in rows:
        if max_depth is not None and depth > max_depth:
            continue
        node = CategoryNode(id_, parent_id, name, slug, depth)
        nodes[id_] = node
        if parent_id is None:
            roots.append(node)
        elif parent_id in nodes:
            nodes[parent_id].children.append(node)
    return roots


def category_get(*, slug: str) -> Category | None:
    return Category.objects.filter(slug=slug).first()


def category_ancestors(*, category: Category) -> list[Category]:
    ids = [int(part) for part in category.path.strip("/").split("/") if part][:-1]
    by_id = Category.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def category_children(*, category: Category) -> QuerySet[Category]:
    return Category.objects.filter(parent=category).order_by("position", "name")


# --- Listings ---------------------------------------------------------------------------

SORTS: dict[str, str] = {
    "relevance": "Best match",
    "newest": "Newest",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Customer rating",
}

# sort -> (key expressions, comparison for "after", ORDER BY)
_ORDERING: dict[str, tuple[list[str], str, str]] = {
    "relevance": (["rank", "p.id"], "<", "rank DESC, p.id DESC"),
    "newest": (["p.created_at", "p.id"], "<", "p.created_at DESC, p.id DESC"),
    "price_asc": (["p.price", "p.id"], ">", "p.price ASC, p.id ASC"),
    "price_desc": (["p.price", "p.id"], "<", "p.price DESC, p.id DESC"),
    "rating": (
        ["coalesce(p.rating_avg, 0)", "p.rating_count", "p.id"],
        "<",
        "coalesce(p.rating_avg, 0) DESC, p.rating_count DESC, p.id DESC",
    ),
}


@dataclass(frozen=True)
class ListingFilters:
    query: str = ""
    category: Category | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: int | None = None
    in_stock: bool = False
    sort: str = "newest"


@dataclass
class ListingPage:
    products: list[dict[str, Any]]
    next_cursor: str | None
    mode: str  # "all", "fulltext" or "fuzzy" (the words corrected for typos)
    searched: str = ""  # the words searched: the query, or its correction in fuzzy mode
    # The search facets, when the listing's statement counted them from the matches it read
    # anyway (a search of the whole catalog with no precomputed list): search_facets
    # returns these instead of reading the matches a second time. None otherwise.
    facets: list[dict[str, Any]] | None = None


def _encode_cursor(sort: str, mode: str, key: list[Any]) -> str:
    values = [
        v.isoformat() if isinstance(v, datetime.datetime) else str(v) if isinstance(v, Decimal) else v for v in key
    ]
    return signing.dumps({"s": sort, "m": mode, "k": values}, salt=_CURSOR_SALT, compress=True)


def _decode_cursor(cursor: str, sort: str) -> tuple[str, list[Any]]:
    try:
        data = signing.loads(cursor, salt=_CURSOR_SALT)
        if data["s"] != sort or not isinstance(data["k"], list) or data["m"] not in {"all", "fulltext", "fuzzy"}:
            raise BadCursorError("cursor belongs to another ordering")
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadCursorError("invalid cursor") from exc
    key = list(data["k"])
    if sort == "newest":
        key[0] = datetime.datetime.fromisoformat(key[0])
    elif sort in {"price_asc", "price_desc"} or sort == "rating":
        key[0] = Decimal(key[0])
    return data["m"], key


# Listings read the public catalog views (catalog/migrations/0011): listed products and
# their category links only, with the text operators usable as index conditions.
_MATCHES = "p.search_vector @@ websearch_to_tsquery('english', %s)"
# Typo correction of a query shorter than this would match most of the catalog.
FUZZY_MIN_LENGTH = 4

_CARD_COLUMNS = """
    p.id, p.name, p.slug, p.brand, p.price, p.currency, p.rating_avg, p.rating_count,
    p.created_at,
    EXISTS (SELECT 1 FROM catalog_variant v
             WHERE v.product_id = p.id AND v.is_active AND v.stock > 0) AS in_stock,
    (SELECT i.url FROM catalog_product_image i
      WHERE i.product_id = p.id ORDER BY i.position, i.id LIMIT 1) AS image_url,
    (SELECT s.company_name FROM accounts_seller s WHERE s.id = p.seller_id) AS seller_name
"""


def _where(filters: ListingFilters) -> tuple[list[str], list[Any]]:
    clauses = ["p.price IS NOT NULL"]
    params: list[Any] = []
    if filters.min_price is not None:
        clauses.append("p.price >= %s")
        params.append(filters.min_price)
    if filters.max_price is not None:
        clauses.append("p.price <= %s")
        params.append(filters.max_price)
    if filters.min_rating is not None:
        clauses.append("p.rating_avg >= %s")
        params.append(filters.min_rating)
    if filters.in_stock:
        clauses.append(
            "EXISTS (SELECT 1 FROM catalog_variant v WHERE v.product_id = p.id AND v.is_active AND v.stock > 0)"
        )
    return clauses, params


_PAGE_COLUMNS = "p.id, p.price, p.rating_avg, p.rating_count, p.created_at, p.units_sold"


def _limit(rows: int) -> str:
    """A LIMIT written into the statement rather than bound. The site's statements are
    prepared on their fifth use (settings: prepare_threshold), and PostgreSQL then plans
    each execution afresh unless a generic plan is estimated as cheap as the custom ones;
    with `LIMIT $n` it costs the generic plan as if a tenth of the rows were read, so a
    category page's listing was planned on every view (0.5 ms of planning for 0.4 ms of
    execution). The value is an int from code, never from the request."""
    return f"LIMIT {int(rows)}"


def _cards(page_sql: str, order_by: str, extra: str = "") -> str:
    """Card columns for the rows of ``page_sql`` (which selects _PAGE_COLUMNS and a rank,
    sorts and limits): the card's sub-selects (stock, image, seller) run for the page's
    rows only, and the planner knows there are few (left to plan them over the whole
    listing, it may hash every variant of the catalog once instead)."""
    return f"WITH page AS ({page_sql}) {_card_select(order_by, extra)}"


def _card_select(order_by: str, extra: str = "") -> str:
    """The cards of the rows of a CTE named ``page``, in the page's order (with `extra`
    columns, a leading comma included)."""
    outer_order = order_by.replace("rank", "page.rank").replace("p.", "page.")
    return f"""
        SELECT {_CARD_COLUMNS}, page.rank, p.seller_id{extra}
          FROM page JOIN catalog_listed_product p ON p.id = page.id
         ORDER BY {outer_order}
    """


def _matches_cte(mode: str, query: str, *, cap: int | None = None, vector: bool = False) -> tuple[str, list[Any]]:
    """The text matches in the whole catalog as a materialized CTE ``m`` with the columns
    the filters and sort orders read, and with `vector` the search vector (not ranked: the
    caller ranks what passes its filters, from the vector, without looking the product up
    again). Under row-level security the planner has no statistics for non-LEAKPROOF
    operators (`@@`, numeric comparisons) and guesses a price range matches one row, so
    left to itself it may walk the price index and test every product against the query;
    materialized, a search always starts from the GIN index and filters, sorts and pages
    the matches before looking up the few cards it shows."""
    if mode != "fulltext":
        return "", []
    params: list[Any] = [query]
    limit = ""
    if cap is not None:
        limit = " LIMIT %s"
        params.append(cap)
    return (
        f"WITH m AS MATERIALIZED ( SELECT {_PAGE_COLUMNS}{', p.search_vector' if vector else ''}"
        f" FROM catalog_listed_product p WHERE {_MATCHES}{limit})",
        params,
    )


def _keyset(keys: list[str], op: str, after: list[Any] | None) -> tuple[str, list[Any]]:
    """The `after` cursor as a row comparison on the sort keys ("" for the first page)."""
    if after is None:
        return "", []
    return f"AND ({', '.join(keys)}) {op} ({', '.join(['%s'] * len(after))})", list(after)


# A frequent word's precomputed best matches (catalog_search_term, catalog/migrations/0016)
# are trusted only for products whose search text has not changed since the list was
# computed, minus this margin for transactions that were still open then; the products
# changed since are ranked live.
SEARCH_TERM_GRACE = "10 minutes"

# The candidates of a frequent word, as CTEs: `term` (its list), `changed` (listed
# products whose text, price or rating changed since the list was computed) and `m` (id,
# rank): the list's first `chunk` entries, minus the changed products, plus the changed
# products that match now, ranked live; limited to what is certain to rank as shown:
# everything when those entries are every match, else what ranks at or above the last
# entry used. Parameters: the grace period, the chunk, the query three times.
# Listed products stamped since a list's computation (minus the grace period), from a
# CTE `term` with a column `since`: a list never speaks for them, they are tested live.
_CHANGED = """changed AS MATERIALIZED (
        SELECT x.id, x.search_vector FROM term, catalog_listed_product x WHERE x.search_changed_at > term.since
    )"""

_TERM_CANDIDATES = f"""
    term AS (
        SELECT t.computed_at - %s::interval AS since, t.top_ids, t.top_ranks, e.b,
               cardinality(t.top_ids) < t.matches OR e.b < cardinality(t.top_ids) AS partial,
               t.top_ranks[e.b]::float8 AS last_rank, t.top_ids[e.b] AS last_id
          FROM catalog_search_term t, LATERAL (SELECT least(%s, cardinality(t.top_ids)) AS b) e
         WHERE t.query = websearch_to_tsquery('english', %s)
    ),
    {_CHANGED},
    m AS MATERIALIZED (
        SELECT c.id, c.rank
          FROM term, (
                SELECT e.id, e.rank::float8 AS rank
                  FROM term, unnest(term.top_ids[1:term.b], term.top_ranks[1:term.b]) AS e(id, rank)
                 WHERE NOT EXISTS (SELECT FROM changed x WHERE x.id = e.id)
                UNION ALL
                SELECT x.id, ts_rank_cd(x.search_vector, websearch_to_tsquery('english', %s))::float8
                  FROM changed x
                 WHERE x.search_vector @@ websearch_to_tsquery('english', %s)
               ) c
         WHERE NOT term.partial OR (c.rank, c.id) >= (term.last_rank, term.last_id)
    )
"""


def _term_rows(category_id: int | None) -> tuple[str, list[Any]]:
    """The candidates with their filter and sort columns, looked up by key in one index
    scan (`id = ANY(...)`): from the category listing when the search is within a category
    (membership and columns in one probe), else from the listed products. The key list
    also fences the planner off a plan of its own: with no statistics for a price range
    under row-level security it would rather hash every product in the range (200k rows,
    400 ms)."""
    if category_id is not None:
        source, params = "catalog_category_listing p ON p.category_id = %s AND p.id = m.id", [category_id]
    else:
        source, params = "catalog_listed_product p ON p.id = m.id", []
    sql = f"""
        SELECT p.id, p.price, p.rating_avg, p.rating_count, p.created_at, p.units_sold, m.rank
          FROM m JOIN {source}
         WHERE p.id = ANY ((SELECT array_agg(c.id) FROM m c)::bigint[])
        OFFSET 0
    """
    return sql, params


def _term_list(query: str) -> tuple[bool, int] | None:
    """For a frequent word: whether its list is truncated (holds only its best matches)
    and how many entries it holds; None when the query has no list (rare words, several
    words, stop words)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT cardinality(top_ids) < matches, cardinality(top_ids) FROM catalog_search_term"
            " WHERE query = websearch_to_tsquery('english', %s)",
            [query],
        )
        row = cursor.fetchone()
    return None if row is None else (bool(row[0]), int(row[1]))


# A page is first looked for among the best this many entries of a list (most pages are
# found there), then among all of them; the first page of a search with no filter and no
# category first among the best two pages' worth (each entry used is one product row read).
TERM_CHUNK = 250
SEARCH_LIST_MAX = 2**31 - 1  # "every entry" (the refresh's top_n is far below)


def _chunks(
    filters: ListingFilters, category_id: int | None, after: list[Any] | None, limit: int, entries: int
) -> list[int]:
    """How many of a list's entries to try, in turn, for one page."""
    unfiltered = (
        after is None
        and category_id is None
        and not (
            filters.min_price is not None or filters.max_price is not None or filters.min_rating or filters.in_stock
        )
    )
    tiers = [2 * limit] if unfiltered else []
    return [c for c in [*tiers, TERM_CHUNK] if c < entries] + [entries]


def _fetch_from_term_list(
    filters: ListingFilters, after: list[Any] | None, limit: int, category_id: int | None, term: tuple[bool, int]
) -> list[dict[str, Any]] | None:
    """A relevance-sorted page of a frequent word from its list; None when the list cannot
    fill the page and more matches exist below it, so the caller runs the full query from
    the same cursor. Rows found among the list's first entries are the page: every entry
    further down ranks lower."""
    truncated, entries = term
    keys, op, order_by = _ORDERING["relevance"]
    clauses, params = _where(filters)
    keyset, key_params = _keyset(keys, op, after)
    rows_sql, rows_params = _term_rows(category_id)
    page_sql = f"""
        SELECT p.* FROM ({rows_sql}) p
         WHERE {" AND ".join(clauses)} {keyset}
         ORDER BY {order_by}
         LIMIT %s
    """
    sql = "WITH " + _TERM_CANDIDATES + ", " + _cards(page_sql, order_by).strip().removeprefix("WITH ")
    query = filters.query
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(filters, category_id, after, limit, entries):
        rows = _rows(sql, [SEARCH_TERM_GRACE, chunk, query, query, query, *rows_params, *params, *key_params, limit])
        if len(rows) >= limit:
            return rows
    return None if truncated else rows


# A frequent word's first priced matches in the other sort orders (catalog_search_term_order,
# catalog/migrations/0022): each order's key columns in the list, parallel to top_ids.
_SORT_LIST_KEYS: dict[str, list[str]] = {
    "newest": ["top_times"],
    "price_asc": ["top_prices"],
    "price_desc": ["top_prices"],
    "rating": ["top_ratings", "top_rating_counts"],
}


def _fetch_from_sort_list(
    filters: ListingFilters, after: list[Any] | None, limit: int, category_id: int | None
) -> list[dict[str, Any]] | None:
    """A page of a frequent word in another sort order from its precomputed list: the
    list's first entries (whose products have not changed since) and the changed products
    that match now, keyed live, filtered and paged; only rows that sort no further than
    the last entry used are taken, unless those entries are every priced match. None when
    that cannot fill the page and more matches exist beyond it (or the word has no list
    for this order), so the caller walks or reads every match from the same cursor."""
    keys, op, order_by = _ORDERING[filters.sort]
    clauses, params = _where(filters)
    keyset, key_params = _keyset(keys, op, after)
    rows_sql, rows_params = _term_rows(category_id)
    # The last entry used (index `b`) as it was when the list was computed, read once in
    # `term` (a subscript per row would unpack the whole array each time); with a
    # descending order a row is certain when its key is at or above it.
    columns = [*_SORT_LIST_KEYS[filters.sort], "top_ids"]
    bounds = ", ".join(f"o.{column}[e.b] AS bound{i}" for i, column in enumerate(columns))
    at_or_before = ">=" if op == "<" else "<="
    boundary = ", ".join(f"term.bound{i}" for i in range(len(columns)))
    certain = f"(term.complete OR ({', '.join(keys)}) {at_or_before} ({boundary}))"
    sql = f"""
        WITH term AS (
            SELECT t.computed_at - %s::interval AS since, o.top_ids[1:e.b] AS top_ids, {bounds},
                   cardinality(o.top_ids) AS entries, NOT o.truncated AND e.b = cardinality(o.top_ids) AS complete
              FROM catalog_search_term t
              JOIN catalog_search_term_order o ON o.query = t.query AND o.sort = %s,
                   LATERAL (SELECT least(%s, cardinality(o.top_ids)) AS b) e
             WHERE t.query = websearch_to_tsquery('english', %s)
        ),
        {_CHANGED},
        m AS MATERIALIZED (
            SELECT e.id, NULL::float8 AS rank
              FROM term, unnest(term.top_ids) AS e(id)
             WHERE NOT EXISTS (SELECT FROM changed x WHERE x.id = e.id)
            UNION ALL
            SELECT x.id, NULL::float8 FROM changed x WHERE x.search_vector @@ websearch_to_tsquery('english', %s)
        ),
        page AS (
            SELECT p.* FROM ({rows_sql}) p, term
             WHERE {" AND ".join(clauses)} AND {certain} {keyset}
             ORDER BY {order_by}
             {_limit(limit)}
        ),
        cards AS ({_card_select(order_by)})
        SELECT cards.*, term.complete, term.entries
          FROM term LEFT JOIN cards ON true
         ORDER BY {order_by.replace("p.", "cards.")}
    """
    query = filters.query
    # The list's length is not known before the first statement: the last tier is "all".
    for chunk in _chunks(filters, category_id, after, limit, SEARCH_LIST_MAX):
        rows = _rows(sql, [SEARCH_TERM_GRACE, filters.sort, chunk, query, query, *rows_params, *params, *key_params])
        if not rows:
            return None  # no list for this word and order
        complete, entries = rows[0].pop("complete"), rows[0].pop("entries")
        for row in rows[1:]:
            del row["complete"], row["entries"]
        found = [row for row in rows if row["id"] is not None]
        if len(found) >= limit or complete:
            return found
        if chunk >= entries:
            return None  # the whole list was read: the page lies beyond it
    return None


# A frequent word under another sort order walks the listing in that order and tests the
# words on each product: a word in one product of N fills a page after ~24 N rows. The
# walk stops after this many rows; if they hold less than a page and the listing goes on,
# the word is rare in this part of the catalog and the full query runs instead.
WALK_CAP = 2_000


def _fetch_walk(
    filters: ListingFilters, after: list[Any] | None, limit: int, category_id: int | None
) -> list[dict[str, Any]] | None:
    keys, op, order_by = _ORDERING[filters.sort]
    clauses, params = _where(filters)
    direction = "DESC" if op == "<" else "ASC"
    keyset, key_params = _keyset(keys, op, after)
    if category_id is not None:
        source, source_params = "catalog_category_listing p WHERE p.category_id = %s AND", [category_id]
    else:
        source, source_params = "catalog_listed_product p WHERE", []
    # The sort keys are output columns (k0, k1...), so the planner knows the walk's order
    # and stops reading it once the page is full.
    key_columns = ", ".join(f"{key} AS k{i}" for i, key in enumerate(keys))
    walk_sql = f"""
        SELECT {_PAGE_COLUMNS}, {key_columns}
          FROM {source} {" AND ".join(clauses)} {keyset}
         ORDER BY {order_by}
         LIMIT %s
    """
    walk_params = [*source_params, *params, *key_params, WALK_CAP]
    page_sql = f"""
        SELECT p.id, p.price, p.rating_avg, p.rating_count, p.created_at, p.units_sold, NULL::float8 AS rank
          FROM ({walk_sql}) p
         WHERE EXISTS (SELECT 1 FROM catalog_listed_product x
                        WHERE x.id = p.id AND x.search_vector @@ websearch_to_tsquery('english', %s))
         ORDER BY {", ".join(f"k{i} {direction}" for i in range(len(keys)))}
         LIMIT %s
    """
    rows = _rows(_cards(page_sql, order_by), [*walk_params, filters.query, limit])
    if len(rows) < limit:
        # Did the walk stop at its cap? Counted without the filters (an index-only scan,
        # not a second walk): a few more fallbacks, never a missed product.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {source} true {keyset} LIMIT %s) w",
                [*source_params, *key_params, WALK_CAP],
            )
            if cursor.fetchone()[0] >= WALK_CAP:
                return None
    return rows


# A search within a category intersects the category and the words inside the GIN index
# of catalog_category_search (catalog/migrations/0021) and reads the products that have
# both: fast while they are few, whatever the sizes of the category and of the word's
# match set. It reads at most this many; a category holding more of them runs the paths
# made for a word dense in the category (its precomputed list, the ordered walk).
CATEGORY_SEARCH_CAP = 2_000
# A frequent word goes down that path when it matched fewer products than this in the
# category at the last refresh (catalog_search_term_category, catalog/migrations/0025):
# else its list or the walk find a page sooner.
CATEGORY_SEARCH_SPARSE = 1_000


def _sparse_in_category(query: str, category_id: int) -> bool:
    """Whether the words likely match few products of the category: true for words that
    have no precomputed list (they match fewer than the frequent words' threshold in the
    whole catalog); for a frequent word, its count in the category at the last refresh
    (a product changed since counts where it was: the count only chooses the path)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT c.matches FROM catalog_search_term_category c
                     WHERE c.query = t.query AND c.category_id = %s)
              FROM catalog_search_term t
             WHERE t.query = websearch_to_tsquery('english', %s)
            """,
            [category_id, query],
        )
        row = cursor.fetchone()
    return row is None or (row[0] or 0) < CATEGORY_SEARCH_SPARSE


def _fetch_in_category(
    filters: ListingFilters, after: list[Any] | None, limit: int, category_id: int, *, cap: int | None
) -> list[dict[str, Any]] | None:
    """A page of the words' matches within the category from catalog_category_search:
    every match is read (at most `cap`), filtered and sorted with the listing's columns,
    and only the page's cards are looked up. None when the category holds more matches
    than the cap (the caller takes another path)."""
    keys, op, order_by = _ORDERING[filters.sort]
    clauses, params = _where(filters)
    keyset, key_params = _keyset(keys, op, after)
    rank_params: list[Any] = []
    rank = "NULL::float8"
    if filters.sort == "relevance":
        rank = "ts_rank_cd(m.search_vector, websearch_to_tsquery('english', %s))::float8"
        rank_params = [filters.query]
    # `category_id = $1::bigint`: btree_gin's operator class has no bigint = integer.
    # The count of the matches read comes back on every row, and on a row of NULLs when
    # the page is empty (the LEFT JOIN), so an empty page still tells whether it is final.
    sql = f"""
        WITH m AS MATERIALIZED (
            SELECT s.id, s.search_vector FROM catalog_category_search s
             WHERE s.category_id = %s::bigint AND s.search_vector @@ websearch_to_tsquery('english', %s)
             {"" if cap is None else _limit(cap + 1)}
        ),
        page AS (
            SELECT p.* FROM (
                SELECT p.id, p.price, p.rating_avg, p.rating_count, p.created_at, p.units_sold, {rank} AS rank
                  FROM m JOIN catalog_category_listing p ON p.category_id = %s AND p.id = m.id
                 WHERE {" AND ".join(clauses)}
                OFFSET 0) p
             WHERE true {keyset}
             ORDER BY {order_by}
             {_limit(limit)}
        ),
        cards AS ({_card_select(order_by)})
        SELECT cards.*, n.matched
          FROM (SELECT count(*) AS matched FROM m) n LEFT JOIN cards ON true
         ORDER BY {order_by.replace("p.", "cards.").replace("rank", "cards.rank")}
    """
    rows = _rows(sql, [category_id, filters.query, *rank_params, category_id, *params, *key_params])
    if cap is not None and rows[0]["matched"] > cap:
        return None
    for row in rows:
        del row["matched"]
    return [row for row in rows if row["id"] is not None]


def _fetch(
    filters: ListingFilters, mode: str, after: list[Any] | None, limit: int, category_id: int | None
) -> list[dict[str, Any]]:
    keys, op, order_by = _ORDERING[filters.sort]
    keyset, key_params = _keyset(keys, op, after)
    if mode == "all" and category_id is not None:
        # A category page: one ordered range scan of the category listing, whatever the
        # category's size; the listing's columns carry the sort keys (aliased p).
        clauses, params = _where(filters)
        page_sql = f"""
            SELECT p.id, p.price, p.rating_avg, p.rating_count, p.created_at, p.units_sold, NULL::float8 AS rank
              FROM catalog_category_listing p
             WHERE p.category_id = %s AND {" AND ".join(clauses)} {keyset}
             ORDER BY {order_by}
             {_limit(limit)}
        """
        return _rows(_cards(page_sql, order_by), [category_id, *params, *key_params])
    term: tuple[bool, int] | None = None
    if mode == "fulltext":
        # Within a category: the intersection when the words are likely sparse there, else
        # (or when it finds more than its cap) the frequent word's list for the sort order
        # (or, when that list cannot fill the page, the ordered walk), and when none of
        # them fills the page, every match in the category.
        if category_id is not None and _sparse_in_category(filters.query, category_id):
            rows = _fetch_in_category(filters, after, limit, category_id, cap=CATEGORY_SEARCH_CAP)
            if rows is not None:
                return rows
        term = _term_list(filters.query)
        if term is not None:
            if filters.sort == "relevance":
                rows = _fetch_from_term_list(filters, after, limit, category_id, term)
            else:
                # A price bound that cuts off the end of the price order the list holds
                # leaves nothing of it: straight to the walk, which starts at the bound.
                cut = (filters.sort == "price_desc" and filters.max_price is not None) or (
                    filters.sort == "price_asc" and filters.min_price is not None
                )
                rows = None if cut else _fetch_from_sort_list(filters, after, limit, category_id)
                if rows is None:
                    rows = _fetch_walk(filters, after, limit, category_id)
            if rows is not None:
                return rows
        if category_id is not None:
            return _fetch_in_category(filters, after, limit, category_id, cap=None) or []
    # The whole catalog (a category page returned above).
    clauses, params = _where(filters)
    cte, cte_params = _matches_cte(mode, filters.query, vector=filters.sort == "relevance")
    if cte:
        # Filter, sort and page the matches (the CTE is aliased p, so the shared filter
        # and sort fragments apply to it), then fetch the cards of that page only. Only
        # the matches that pass the filters are ranked (reading each one's tsvector is
        # most of a search's cost), and only when the page is sorted by relevance.
        rank_params: list[Any] = []
        if filters.sort == "relevance":
            rank = "ts_rank_cd(p.search_vector, websearch_to_tsquery('english', %s))::float8"
            rank_params = [filters.query]
        else:
            rank = "NULL::float8"
        page_sql = f"""
            SELECT p.* FROM (
                SELECT p.id, p.price, p.rating_avg, p.rating_count, p.created_at, p.units_sold, {rank} AS rank
                  FROM m p
                 WHERE {" AND ".join(clauses)}
                OFFSET 0) p
             WHERE true {keyset}
             ORDER BY {order_by}
             LIMIT %s
        """
        facets_sql, facets_params, extra = "", [], ""
        if term is None and category_id is None:
            # No precomputed list, so search_facets would sample these same matches live
            # (its first FACET_SAMPLE, filtered alike: the page has no category): count
            # them here, from the matches already read, and return them on every row.
            kept = f"SELECT p.id FROM (SELECT * FROM m {_limit(FACET_SAMPLE)}) p WHERE {' AND '.join(clauses)}"
            facets_sql = _FACET_ROLLUP.format(kept=kept) + ", "
            facets_params = [*params, FACETS_SHOWN]
            extra = f""",
                (SELECT json_agg(json_build_object('id', f.id, 'name', f.name, 'slug', f.slug,
                                                   'count', f.products) ORDER BY f.products DESC, f.name)
                   FROM facets f)::text AS {_FACETS_COLUMN},
                (SELECT count(*) FROM m) AS {_SAMPLED_COLUMN}"""
        sql = cte + ", " + facets_sql + _cards(page_sql, order_by, extra).strip().removeprefix("WITH ")
        sql_params = [*cte_params, *facets_params, *rank_params, *params, *key_params, limit]
    else:
        page_sql = f"""
            SELECT {_PAGE_COLUMNS}, NULL::float8 AS rank
              FROM catalog_listed_product p
             WHERE {" AND ".join(clauses)} {keyset}
             ORDER BY {order_by}
             LIMIT %s
        """
        sql = _cards(page_sql, order_by)
        sql_params = [*params, *key_params, limit]
    return _rows(sql, sql_params)


def _matches_anywhere(query: str) -> bool:
    """Whether the words match any listed product at all: one GIN probe, the first match
    ends it (catalog/migrations/0026: never a sequential scan, which the planner chose
    for words it wrongly expected to occur together, reading every product)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_matches_anywhere(%s)", [query])
        return bool(cursor.fetchone()[0])


def _key_of(row: dict[str, Any], sort: str) -> list[Any]:
    if sort == "relevance":
        return [row["rank"], row["id"]]
    if sort == "newest":
        return [row["created_at"], row["id"]]
    if sort in {"price_asc", "price_desc"}:
        return [row["price"], row["id"]]
    return [row["rating_avg"] or Decimal(0), row["rating_count"], row["id"]]


def _corrected(query: str) -> str | None:
    """The query with each word the catalog's names and brands do not use replaced by the
    most similar word they do (pg_trgm similarity over catalog_search_word, a few thousand
    rows); None when no word could be corrected."""
    words = _WORD.findall(query.lower())[:MAX_CORRECTED_WORDS]
    if not words:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT coalesce(
                       (SELECT v.word FROM catalog_search_word v WHERE v.word = w.word),
                       (SELECT v.word FROM catalog_search_word v
                         WHERE v.word %% w.word
                         ORDER BY similarity(v.word, w.word) DESC, v.products DESC, v.word
                         LIMIT 1),
                       w.word)
              FROM unnest(%s::text[]) WITH ORDINALITY AS w(word, n)
             ORDER BY w.n
            """,
            [words],
        )
        corrected = [row[0] for row in cursor.fetchall()]
    return " ".join(corrected) if corrected != words else None


_WORD = re.compile(r"[^\W_]+")
MAX_CORRECTED_WORDS = 6


def product_listing(*, filters: ListingFilters, after: str | None = None, limit: int = PAGE_SIZE) -> ListingPage:
    """One page of listed products; raises BadCursorError for a cursor we did not issue."""
    category_id = filters.category.pk if filters.category is not None else None
    mode = "fulltext" if filters.query else "all"
    after_key = None
    if after:
        mode, after_key = _decode_cursor(after, filters.sort)
    searched = filters.query
    if mode == "fuzzy":  # a later page of corrected words: correct them the same way again
        searched = _corrected(filters.query) or filters.query
    rows = _fetch(
        replace(filters, query=searched), "all" if mode == "all" else "fulltext", after_key, limit + 1, category_id
    )
    if (
        not rows
        and filters.query
        and mode == "fulltext"
        and after_key is None
        and len(filters.query.strip()) >= FUZZY_MIN_LENGTH
        and not _matches_anywhere(filters.query)
    ):
        # The words match nothing in the whole catalog (not just nothing under these
        # filters): likely a typo, so search the nearest words the catalog uses.
        corrected = _corrected(filters.query)
        if corrected is not None:
            mode, searched = "fuzzy", corrected
            rows = _fetch(replace(filters, query=searched), "fulltext", None, limit + 1, category_id)
    facets = None
    if rows and _FACETS_COLUMN in rows[0]:
        counted, sampled = rows[0][_FACETS_COLUMN], rows[0][_SAMPLED_COLUMN]
        facets = [{**f, "at_least": sampled >= FACET_SAMPLE} for f in json.loads(counted or "[]")]
        for row in rows:
            del row[_FACETS_COLUMN], row[_SAMPLED_COLUMN]
    next_cursor = (
        _encode_cursor(filters.sort, mode, _key_of(rows[limit - 1], filters.sort)) if len(rows) > limit else None
    )
    return ListingPage(products=rows[:limit], next_cursor=next_cursor, mode=mode, searched=searched, facets=facets)


# Facet counts look at no more than this many matching products: a common word matches
# tens of thousands, and exact counts of those would cost more than the page itself. When
# the sample is full, a count is a lower bound and the page shows it as "N+".
FACET_SAMPLE = 2_000
# A frequent word's facets count its best this many matches.
FACET_TERM_SAMPLE = 500
# The search page offers at most this many category facets.
FACETS_SHOWN = 12

# The facets of a sample of matches: the sample's products that pass the filters (`kept`:
# each product tested once, the stock test being a lookup of its variants), counted per
# category. Counts include subcategories (choosing a facet filters by the whole subtree),
# and the top two levels of the tree are offered. The category listing holds a row per
# product and category of its subtree's ancestors: the roll-up is one lookup of the kept
# products' keys. CTEs to follow a `WITH` that defines the matches `m`; one parameter,
# how many facets.
_FACET_ROLLUP = """
    tops AS MATERIALIZED (SELECT id, name, slug FROM catalog_category WHERE depth <= 1),
    kept AS MATERIALIZED ({kept}),
    facets AS (
        SELECT a.id, a.name, a.slug, count(*) AS products
          FROM catalog_category_listing l
          JOIN tops a ON a.id = l.category_id
         WHERE l.id = ANY ((SELECT array_agg(k.id) FROM kept k)::bigint[])
         GROUP BY a.id, a.name, a.slug
         ORDER BY products DESC, a.name
         LIMIT %s)
"""
# The columns a whole-catalog search's rows carry its facets in (product_listing takes them off).
_FACETS_COLUMN = "listing_facets"
_SAMPLED_COLUMN = "listing_facets_sampled"


# A frequent word's facets by price band, counted by the refresh (catalog/migrations/0023,
# 0024): the band floors and, for each top-level or second-level category holding matches,
# the counts cumulated over the bands (of every match, or of those in stock), in one
# lookup of the word's rows (the arithmetic is done here: a statement that did it planned
# for longer than it ran).
_COUNTED_FACETS = """
    SELECT cardinality(t.top_ids) < t.matches, cardinality(t.top_ids), b.lowers, x.id, x.name, x.slug,
           CASE WHEN %s THEN x.cum_in_stock ELSE x.cum END
      FROM catalog_search_term t
      LEFT JOIN catalog_search_facet_band b ON b.id
      LEFT JOIN LATERAL (
            SELECT c.id, c.name, c.slug, f.cum, f.cum_in_stock
              FROM catalog_search_term_facet f
              JOIN catalog_category c ON c.id = f.category_id AND c.depth <= 1
             WHERE f.query = t.query
            OFFSET 0  -- a lookup per word (pulled up, it became a join over every word's rows)
           ) x ON b.id
     WHERE t.query = websearch_to_tsquery('english', %s)
     ORDER BY x.name
"""
_CENT = Decimal("0.01")


def _band_span(lowers: list[Decimal], low: Decimal | None, high: Decimal | None) -> tuple[int, int, bool]:
    """The bands wholly inside the price range, as indexes [first, end) into the floors,
    and whether the range cuts no band. Band i holds the prices from lowers[i] up to, not
    including, lowers[i + 1] (the last band is open), and prices have two decimals, so a
    band ends within the range when the next band's floor is at most high + 0.01."""
    first, end, exact = 0, len(lowers), True
    if low is not None:
        first = bisect.bisect_left(lowers, low)  # the first floor at or above the bound
        exact = first == 0 or (first < len(lowers) and lowers[first] == low)
    if high is not None:
        floors = bisect.bisect_right(lowers, high + _CENT)  # floors at or below high + 0.01
        end = floors - 1  # band floors - 1 starts within the range and may end beyond it
        exact = exact and (floors == 0 or lowers[floors - 1] == high + _CENT)
    return first, end, exact


def _counted_facets(
    query: str, min_price: Decimal | None, max_price: Decimal | None, in_stock: bool, limit: int
) -> tuple[tuple[bool, int] | None, list[dict[str, Any]] | None]:
    """A frequent word's list (as _term_list gives it) and its facets from the refresh's
    counts by price band, of every match or of those in stock: exact for the catalog as
    of the last refresh when no band is cut, else lower bounds. (None, None) when the
    words are not one frequent word; facets None when nothing was counted by the current
    bands (the caller samples live)."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNTED_FACETS, [in_stock, query])
        rows = cursor.fetchall()
    if not rows:
        return None, None
    term = (bool(rows[0][0]), int(rows[0][1]))
    lowers = rows[0][2]
    if lowers is None:
        return term, None  # no bands counted yet
    first, end, exact = _band_span(lowers, min_price, max_price)
    facets = []
    for _, _, _, category_id, name, slug, cum in rows:
        if category_id is None:
            continue  # the word has no priced match in the top two levels
        if len(cum) != len(lowers):
            return term, None  # not counted by these bands (check_integrity reports it)
        count = cum[end - 1] - (cum[first - 1] if first > 0 else 0) if end > first else 0
        if count > 0:
            facets.append({"id": category_id, "name": name, "slug": slug, "count": count, "at_least": not exact})
    facets.sort(key=lambda f: -f["count"])  # stable: by name (the database's collation) within a count
    return term, facets[:limit]


def search_facets(
    *,
    filters: ListingFilters,
    mode: str,
    searched: str | None = None,
    limit: int = FACETS_SHOWN,
    page: ListingPage | None = None,
) -> list[dict[str, Any]]:
    """Categories of the matching products with counts (filters applied, category ignored);
    ``at_least`` marks counts that are lower bounds: taken from a sample of the matches
    (FACET_SAMPLE of them, or a frequent word's best matches), or from the price bands
    inside a price range that cuts some (a frequent word's counted facets). `mode` and
    `searched` are the listing page's (the corrected words when it corrected them: not
    corrected a second time). Given the listing `page` of these filters, its own facets
    when its statement counted them (ListingPage.facets: the same sample, read once)."""
    if not filters.query or mode == "all":
        return []
    if page is not None and page.facets is not None and filters.category is None and limit <= FACETS_SHOWN:
        return page.facets[:limit]
    query = filters.query
    if mode == "fuzzy":
        query = searched or _corrected(filters.query) or filters.query
        mode = "fulltext"
    if filters.min_rating is None:
        # The same lookup tells whether the word has a list, for the sample below.
        term, counted = _counted_facets(query, filters.min_price, filters.max_price, filters.in_stock, limit)
        if counted is not None:
            return counted
    else:
        term = _term_list(query)
    unfiltered = ListingFilters(
        query=query,
        min_price=filters.min_price,
        max_price=filters.max_price,
        min_rating=filters.min_rating,
        in_stock=filters.in_stock,
        sort=filters.sort,
    )
    clauses, params = _where(unfiltered)
    rollup = (
        ", "
        + _FACET_ROLLUP
        + " SELECT f.id, f.name, f.slug, f.products, (SELECT count(*) FROM m)"
        + " FROM facets f ORDER BY f.products DESC, f.name"
    )
    if term is not None:
        # A frequent word: a sample of its best matches (and of the products changed
        # since), not the first matches the GIN index returns out of tens of thousands;
        # their filter columns looked up by key.
        truncated, entries = term
        rows_sql, _ = _term_rows(None)
        kept = f"SELECT p.id FROM ({rows_sql}) p WHERE {' AND '.join(clauses)}"
        sql = "WITH " + _TERM_CANDIDATES + rollup.format(kept=kept)
        cte_params: list[Any] = [SEARCH_TERM_GRACE, FACET_TERM_SAMPLE, query, query, query]
        partial = truncated or entries > FACET_TERM_SAMPLE
    else:
        # The first matches, which carry their filter columns (product_listing counts the
        # same from its own read of the matches when it can: ListingPage.facets).
        cte, cte_params = _matches_cte(mode, query, cap=FACET_SAMPLE)
        sql = cte + rollup.format(kept=f"SELECT p.id FROM m p WHERE {' AND '.join(clauses)}")
        partial = False
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cte_params, *params, limit])
        return [
            {
                "id": r[0],
                "name": r[1],
                "slug": r[2],
                "count": r[3],
                "at_least": partial or r[4] >= FACET_SAMPLE,
            }
            for r in cursor.fetchall()
        ]


def best_sellers(*, limit: int = 8) -> list[dict[str, Any]]:
    order = "p.units_sold DESC, p.rating_count DESC, p.id"
    page_sql = f"""
        SELECT {_PAGE_COLUMNS}, NULL::float8 AS rank FROM catalog_listed_product p
         WHERE p.price IS NOT NULL
         ORDER BY {order}
         {_limit(limit)}
    """
    return _rows(_cards(page_sql, order), [])


def top_rated(*, limit: int = 8, min_reviews: int = 3, category: Category | None = None) -> list[dict[str, Any]]:
    """Best average rating among products with enough published reviews (QP-07): the
    top-rated partial index of the products, or of the category listing for a category
    (one ordered range scan of the category's subtree). The review minimum is written into
    the statement like the limit (see _limit): a generic plan cannot use the partial
    top-rated index (`WHERE rating_count >= 3`) for `rating_count >= $2`."""
    order = "p.rating_avg DESC, p.rating_count DESC, p.id"
    at_least = int(min_reviews)
    if category is not None:
        page_sql = f"""
            SELECT p.id, p.price, p.rating_avg, p.rating_count, p.created_at, p.units_sold, NULL::float8 AS rank
              FROM catalog_category_listing p
             WHERE p.category_id = %s AND p.rating_count >= {at_least}
             ORDER BY {order}
             {_limit(limit)}
        """
        return _rows(_cards(page_sql, order), [category.pk])
    page_sql = f"""
        SELECT {_PAGE_COLUMNS}, NULL::float8 AS rank FROM catalog_listed_product p
         WHERE p.price IS NOT NULL AND p.rating_count >= {at_least}
         ORDER BY {order}
         {_limit(limit)}
    """
    return _rows(_cards(page_sql, order), [])


def _rows(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


# --- Product page -------------------------------------------------------------------------


@dataclass
class ProductPage:
    product: Product
    images: list[ProductImage]
    variants: list[Variant]
    selected: Variant | None
    histogram: list[tuple[int, int, int]]  # (stars, count, percent)
    # The page's reviews as read (dicts from the JSON); `reviews` builds them into Review
    # instances on first use, which a cached reviews list never needs (building ten
    # model instances was ~0.35 ms of the page's 0.5 ms of Python).
    review_rows: list[dict[str, Any]]
    # The reviews exactly as read (JSON text): the template caches the rendered list under it.
    reviews_key: str
    # Every value of the product, its seller, images and variants that the page shows, as
    # read: the template caches the rendered product under it (with the selected variant),
    # so a change to any of them renders the page afresh.
    content_key: str
    reviews_next: str | None
    own_review: Review | None
    in_wishlist: bool

    @functools.cached_property
    def reviews(self) -> list[Review]:
        return [_review(dict(data), self.product) for data in self.review_rows]

    @property
    def attributes(self) -> list[tuple[str, str]]:
        """The selected variant's attributes as (name, value) pairs, for display."""
        if self.selected is None or not isinstance(self.selected.attributes, dict):
            return []
        return [(str(k), str(v)) for k, v in sorted(self.selected.attributes.items())]


_REVIEW_SALT = "catalog.reviews.cursor"

# The whole product page in one statement (QP-02): the product and its seller, images,
# active variants, the first page of published reviews (keyset), the shopper's own review
# and wishlist flag, as JSON sub-selects; the histogram reads the per-star counters on the
# product row. RLS applies as for any read: a shopper sees listed products, published
# reviews and their own review and wishlist rows only.
_PRODUCT_PAGE_SQL = """
SELECT p.id, p.name, p.slug, p.description, p.brand, p.currency, p.price, p.rating_avg,
       p.rating_sum, p.rating_count, p.stars_1, p.stars_2, p.stars_3, p.stars_4, p.stars_5,
       p.status, p.is_listed, p.created_at, s.id, s.company_name, s.slug,
       (SELECT coalesce(json_agg(json_build_object('id', i.id, 'url', i.url, 'alt_text', i.alt_text,
                                                   'position', i.position)
                                 ORDER BY i.position, i.id), '[]')::text
          FROM catalog_product_image i WHERE i.product_id = p.id),
       (SELECT coalesce(json_agg(json_build_object('id', v.id, 'sku', v.sku, 'name', v.name,
                                                   'attributes', v.attributes, 'price', v.price,
                                                   'stock', v.stock, 'low_stock_threshold', v.low_stock_threshold,
                                                   'is_active', v.is_active, 'position', v.position)
                                 ORDER BY v.position, v.id), '[]')::text
          FROM catalog_variant v WHERE v.product_id = p.id AND v.is_active),
       (SELECT coalesce(json_agg(json_build_object('id', r.id, 'rating', r.rating, 'title', r.title,
                                                   'body', r.body, 'created_at', r.created_at,
                                                   'is_verified_purchase', r.is_verified_purchase,
                                                   'author_name', r.author_name)
                                 ORDER BY r.created_at DESC, r.id DESC), '[]')::text
          FROM (SELECT id, rating, title, body, created_at, is_verified_purchase, author_name
                  FROM catalog_review
                 WHERE product_id = p.id AND status = 'published' {review_after}
                 ORDER BY created_at DESC, id DESC
                 LIMIT %s) r),
       {own_review}, {in_wishlist}
  FROM catalog_product p
  JOIN accounts_seller s ON s.id = p.seller_id
 WHERE p.slug = %s AND p.is_listed
"""


# The shopper's own review and wishlist flag; an anonymous visitor has neither, and asking
# with a NULL user made the planner's first (custom) plans start two parallel workers to
# scan no rows (8-10 ms per execution until the generic plan took over).
_OWN_REVIEW_SQL = """
       (SELECT json_build_object('id', o.id, 'rating', o.rating, 'title', o.title, 'body', o.body,
                                 'status', o.status, 'created_at', o.created_at)::text
          FROM catalog_review o WHERE o.product_id = p.id AND o.user_id = %s)"""
_IN_WISHLIST_SQL = "EXISTS (SELECT FROM catalog_wishlist_item w WHERE w.product_id = p.id AND w.user_id = %s)"


def _json(text: str | None) -> Any:
    return None if text is None else json.loads(text, parse_float=Decimal)


def _review(data: dict[str, Any], product: Product) -> Review:
    data["created_at"] = datetime.datetime.fromisoformat(data["created_at"])
    review = Review(product=product, **data)
    review._state.adding = False
    return review


def product_page(
    *, slug: str, user: User | None, variant_sku: str | None = None, reviews_after: str | None = None
) -> ProductPage | None:
    """Everything the product page shows, in one query (QP-02)."""
    review_after = ""
    params: list[Any] = []
    if reviews_after:
        created, last_id = decode_after(reviews_after, salt=_REVIEW_SALT)
        review_after = "AND (created_at, id) < (%s, %s)"
        params = [created, last_id]
    user_id = user.pk if user is not None and user.is_authenticated else None
    if user_id is not None:
        sql = _PRODUCT_PAGE_SQL.format(
            review_after=review_after, own_review=_OWN_REVIEW_SQL, in_wishlist=_IN_WISHLIST_SQL
        )
        params += [REVIEWS_PAGE_SIZE + 1, user_id, user_id, slug]
    else:
        sql = _PRODUCT_PAGE_SQL.format(review_after=review_after, own_review="NULL::text", in_wishlist="false")
        params += [REVIEWS_PAGE_SIZE + 1, slug]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    (pid, name, pslug, description, brand, currency, price, rating_avg, rating_sum, rating_count,
     s1, s2, s3, s4, s5, status, is_listed, created_at, seller_id, company_name, seller_slug,
     images_json, variants_json, reviews_json, own_json, in_wishlist) = row  # fmt: skip
    product = Product(
        id=pid, name=name, slug=pslug, description=description, brand=brand, currency=currency, price=price,
        rating_sum=rating_sum, rating_count=rating_count, stars_1=s1, stars_2=s2, stars_3=s3, stars_4=s4,
        stars_5=s5, status=status, is_listed=is_listed, created_at=created_at,
        seller=Seller(id=seller_id, company_name=company_name, slug=seller_slug),
    )  # fmt: skip
    product.rating_avg = rating_avg
    product._state.adding = False
    images = [ProductImage(product=product, **data) for data in _json(images_json)]
    variants = [Variant(product=product, **data) for data in _json(variants_json)]
    for obj in (*images, *variants):
        obj._state.adding = False
    selected = next((v for v in variants if v.sku == variant_sku), None)
    if selected is None:
        selected = next((v for v in variants if v.stock > 0), variants[0] if variants else None)
    counts = {1: s1, 2: s2, 3: s3, 4: s4, 5: s5}
    total = rating_count or 1
    histogram = [(stars, counts[stars], round(100 * counts[stars] / total)) for stars in range(5, 0, -1)]
    review_rows: list[dict[str, Any]] = _json(reviews_json)
    reviews_next = None
    if len(review_rows) > REVIEWS_PAGE_SIZE:
        review_rows = review_rows[:REVIEWS_PAGE_SIZE]
        last = review_rows[-1]
        reviews_next = encode_after(datetime.datetime.fromisoformat(last["created_at"]), last["id"], salt=_REVIEW_SALT)
    own = _json(own_json)
    own_review = _review(own, product) if own is not None else None
    content_key = repr((pid, name, pslug, description, brand, currency, price, rating_avg, rating_count,
                        s1, s2, s3, s4, s5, company_name, images_json, variants_json))  # fmt: skip
    return ProductPage(
        product,
        images,
        variants,
        selected,
        histogram,
        review_rows,
        reviews_json,
        content_key,
        reviews_next,
        own_review,
        bool(in_wishlist),
    )


def wishlist(*, user: User) -> list[dict[str, Any]]:
    """The shopper's wishlist as product cards, newest first (QP-10)."""
    sql = f"""
        SELECT {_CARD_COLUMNS}, w.created_at AS added_at
          FROM catalog_wishlist_item w
          JOIN catalog_product p ON p.id = w.product_id
         WHERE w.user_id = %s AND p.is_listed
         ORDER BY w.created_at DESC, w.id DESC
         LIMIT 200
    """
    return _rows(sql, [user.pk])
