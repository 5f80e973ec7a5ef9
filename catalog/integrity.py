"""Integrity checks of the catalog: stored derived values against a fresh computation.

Each check is ONE set-based query that returns the keys (ids) of the violating rows; the
runner counts them and keeps up to five examples. The triggers of catalog/migrations/0002
keep these values; a bulk load that bypasses them (catalog.datagen in bulk mode), a manual
repair or a bug in a trigger shows up here. `manage.py check_integrity` runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    name: str
    problem: str  # what a violation is, e.g. "product.price differs from ..."
    noun: str  # what is counted: "products", "categories"...
    sql: str  # one query returning the violating keys in its first column
    key: str = "ids"  # what the examples are


@dataclass(frozen=True)
class CheckResult:
    name: str
    count: int
    examples: tuple[str, ...]
    message: str | None  # None when the check passed

    @property
    def ok(self) -> bool:
        return self.count == 0


_CATEGORY_TREE = """
WITH RECURSIVE tree (id, path, depth) AS (
    SELECT id, '/' || id || '/', 0 FROM catalog_category WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, t.path || c.id || '/', t.depth + 1
      FROM catalog_category c JOIN tree t ON c.parent_id = t.id
)
"""

CATALOG_CHECKS: tuple[Check, ...] = (
    Check(
        "category paths",
        "category.path/depth differ from the path of ids from the root",
        "categories",
        _CATEGORY_TREE
        + """
        SELECT c.id FROM catalog_category c JOIN tree t ON t.id = c.id
         WHERE c.path IS DISTINCT FROM t.path OR c.depth IS DISTINCT FROM t.depth
        """,
    ),
    Check(
        "category cycles",
        "categories do not lead up to a top-level category (a cycle in parent_id)",
        "categories",
        # The recursion starts at the roots, so it never enters a cycle: what it does not
        # reach is in a cycle or below one.
        _CATEGORY_TREE
        + "SELECT c.id FROM catalog_category c WHERE NOT EXISTS (SELECT 1 FROM tree t WHERE t.id = c.id)",
    ),
    Check(
        "product listing",
        "product.is_listed differs from (status = 'active' and the seller is active)",
        "products",
        """
        SELECT p.id FROM catalog_product p LEFT JOIN accounts_seller s ON s.id = p.seller_id
         WHERE p.is_listed IS DISTINCT FROM (p.status = 'active' AND coalesce(s.is_active, false))
        """,
    ),
    Check(
        "product prices",
        "product.price differs from the lowest active variant price",
        "products",
        """
        SELECT p.id FROM catalog_product p
          LEFT JOIN (SELECT product_id, min(price) AS min_price FROM catalog_variant WHERE is_active
                      GROUP BY product_id) v ON v.product_id = p.id
         WHERE p.price IS DISTINCT FROM v.min_price
        """,
    ),
    Check(
        "product search vectors",
        "product.search_vector differs from catalog_product_search_vector(id, name, brand, description)",
        "products",
        """
        SELECT id FROM catalog_product
         WHERE search_vector IS DISTINCT FROM catalog_product_search_vector(id, name, brand, description)
        """,
    ),
    Check(
        "product ratings",
        "product.rating_sum/rating_count/stars_1..5 differ from the published reviews",
        "products",
        """
        SELECT p.id FROM catalog_product p
          LEFT JOIN (SELECT product_id, sum(rating) AS rating_sum, count(*) AS rating_count,
                            count(*) FILTER (WHERE rating = 1) AS s1, count(*) FILTER (WHERE rating = 2) AS s2,
                            count(*) FILTER (WHERE rating = 3) AS s3, count(*) FILTER (WHERE rating = 4) AS s4,
                            count(*) FILTER (WHERE rating = 5) AS s5
                       FROM catalog_review
                      WHERE status = 'published' GROUP BY product_id) r ON r.product_id = p.id
         WHERE (p.rating_sum, p.rating_count, p.stars_1, p.stars_2, p.stars_3, p.stars_4, p.stars_5)
               IS DISTINCT FROM (coalesce(r.rating_sum, 0), coalesce(r.rating_count, 0), coalesce(r.s1, 0),
                                 coalesce(r.s2, 0), coalesce(r.s3, 0), coalesce(r.s4, 0), coalesce(r.s5, 0))
        """,
    ),
    Check(
        "category listing",
        "catalog_category_listing differs from the listed products and their categories' subtrees",
        "rows",
        """
        (TABLE catalog_category_listing EXCEPT TABLE catalog_listing_source)
        UNION ALL
        (TABLE catalog_listing_source EXCEPT TABLE catalog_category_listing)
        """,
    ),
    Check(
        "category search",
        "catalog_category_search differs from the category listing's rows with their products' search vectors",
        "rows",
        """
        (TABLE catalog_category_search EXCEPT ALL TABLE catalog_category_search_source)
        UNION ALL
        (TABLE catalog_category_search_source EXCEPT ALL TABLE catalog_category_search)
        """,
    ),
    Check(
        "products have variants",
        "products have no variant",
        "products",
        """
        SELECT p.id FROM catalog_product p
         WHERE NOT EXISTS (SELECT 1 FROM catalog_variant v WHERE v.product_id = p.id)
        """,
    ),
    Check(
        "variant stock",
        "variants have negative stock",
        "variants",
        "SELECT id FROM catalog_variant WHERE stock < 0",
    ),
    Check(
        "review ratings",
        "reviews have a rating outside 1..5",
        "reviews",
        "SELECT id FROM catalog_review WHERE rating IS NULL OR rating NOT BETWEEN 1 AND 5",
    ),
    Check(
        "search lists",
        "catalog_search_term holds a rank that is not the product's live rank for that word"
        " (products unchanged since the list was computed; run refresh_analytics)",
        "list entries",
        """
        SELECT t.query::text || ' product ' || e.id
          FROM catalog_search_term t
         CROSS JOIN LATERAL unnest(t.top_ids, t.top_ranks) AS e(id, rank)
          JOIN catalog_product p ON p.id = e.id
         WHERE p.is_listed
           AND p.search_changed_at <= t.computed_at - interval '10 minutes'
           AND (NOT p.search_vector @@ t.query OR ts_rank_cd(p.search_vector, t.query) <> e.rank)
        """,
        key="",
    ),
    Check(
        "search lists by order",
        "catalog_search_term_order holds a product that no longer matches, has no price or"
        " whose sort key is not the one listed (products unchanged since the list was"
        " computed; run refresh_analytics)",
        "list entries",
        """
        SELECT t.query::text || ' by ' || o.sort || ' product ' || e.id
          FROM catalog_search_term_order o
          JOIN catalog_search_term t ON t.query = o.query
         CROSS JOIN LATERAL unnest(o.top_ids, o.top_prices, o.top_times, o.top_ratings, o.top_rating_counts)
                            AS e(id, price, created_at, rating, rating_count)
          JOIN catalog_product p ON p.id = e.id
         WHERE p.is_listed
           AND p.search_changed_at <= t.computed_at - interval '10 minutes'
           AND (NOT p.search_vector @@ t.query OR p.price IS NULL
                OR CASE o.sort WHEN 'newest' THEN p.created_at IS DISTINCT FROM e.created_at
                               WHEN 'rating' THEN (coalesce(p.rating_avg, 0), p.rating_count)
                                                  IS DISTINCT FROM (e.rating, e.rating_count)
                               ELSE p.price IS DISTINCT FROM e.price END)
        """,
        key="",
    ),
    Check(
        "search facet counts",
        "catalog_search_term_facet holds counts that are not cumulative over the price bands"
        " (one per band, never decreasing, not negative, those in stock at most all of them;"
        " run refresh_analytics)",
        "facet rows",
        """
        SELECT f.query::text || ' in category ' || f.category_id
          FROM catalog_search_term_facet f
         CROSS JOIN catalog_search_facet_band b
         WHERE cardinality(f.cum) <> cardinality(b.lowers)
            OR cardinality(f.cum_in_stock) <> cardinality(b.lowers)
            OR EXISTS (SELECT FROM unnest(f.cum, f.cum_in_stock) WITH ORDINALITY AS c(n, s, i)
                        WHERE c.n < coalesce(f.cum[c.i - 1], 0)
                           OR c.s < coalesce(f.cum_in_stock[c.i - 1], 0)
                           OR c.s > c.n)
        UNION ALL
        SELECT 'the price bands are not in ascending order'
          FROM catalog_search_facet_band b
         WHERE b.lowers <> ARRAY(SELECT DISTINCT x FROM unnest(b.lowers) AS x ORDER BY x)
        """,
        key="",
    ),
    Check(
        "search counts per category",
        "catalog_search_term_category disagrees with the facet counts of the same refresh, or a"
        " category counts more matches than its parent (run refresh_analytics)",
        "word counts",
        """
        SELECT c.query::text || ' in category ' || c.category_id
          FROM catalog_search_term_category c
          JOIN catalog_category k ON k.id = c.category_id
          LEFT JOIN catalog_search_term_category up ON up.query = c.query AND up.category_id = k.parent_id
          LEFT JOIN catalog_search_term_facet f ON f.query = c.query AND f.category_id = c.category_id
         WHERE (k.parent_id IS NOT NULL AND c.matches > coalesce(up.matches, 0))
            OR (k.depth <= 1 AND c.matches IS DISTINCT FROM f.cum[cardinality(f.cum)])
        UNION ALL
        SELECT f.query::text || ' in category ' || f.category_id || ' (no count)'
          FROM catalog_search_term_facet f
         WHERE NOT EXISTS (SELECT FROM catalog_search_term_category c
                            WHERE c.query = f.query AND c.category_id = f.category_id)
        """,
        key="",
    ),
    Check(
        "audit partitions",
        "audit_log has no partition for these months (UTC; run manage.py audit_partitions)",
        "months",
        # A month is covered when one partition's range (not the default partition)
        # contains all of it. The bounds are read back from the partition definitions.
        """
        WITH bounds AS (
            SELECT (regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                 'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)')) AS b
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'public.audit_log'::regclass
        ), months AS (
            SELECT (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => n)) AT TIME ZONE 'UTC'
                       AS month_start
              FROM generate_series(0, 1) AS n
        )
        SELECT to_char(m.month_start AT TIME ZONE 'UTC', 'YYYY-MM') FROM months m
         WHERE NOT EXISTS (SELECT 1 FROM bounds
                            WHERE b[1]::timestamptz <= m.month_start
                              AND b[2]::timestamptz >= m.month_start + interval '1 month')
        """,
        key="",
    ),
)


def run_checks(checks: tuple[Check, ...] | list[Check]) -> list[CheckResult]:
    results = []
    with connection.cursor() as cursor:
        for check in checks:
            cursor.execute(
                f"SELECT count(*), (array_agg(key::text ORDER BY key))[1:{EXAMPLES}] FROM ({check.sql}) AS v(key)"
            )
            count, examples = cursor.fetchone()
            examples = tuple(examples or ())
            message = None
            if count:
                shown = " ".join(filter(None, [check.key, ", ".join(examples)]))
                more = ", ..." if count > len(examples) else ""
                message = f"{check.problem}: {count} {check.noun} (e.g. {shown}{more})"
            results.append(CheckResult(check.name, count, examples, message))
    return results


def run_catalog_checks() -> list[CheckResult]:
    return run_checks(CATALOG_CHECKS)


def check_catalog() -> list[str]:
    """Human-readable violations of the catalog's derived values and rules; [] when all is well."""
    return [r.message for r in run_catalog_checks() if r.message]
