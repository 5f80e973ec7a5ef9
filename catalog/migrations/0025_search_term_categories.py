"""catalog_search_term_category: how many listed products each frequent word matches in
each category (with its subcategories), so a search within a category chooses its path on
the count instead of an estimate.

A search within a category reads the intersection of the category and the words
(catalog_category_search, 0021) when the words are sparse there, else a frequent word's
list or the ordered walk. For a frequent word "sparse" was estimated from its list's best
100 entries (0021), and the estimate is wrong where a word's best-ranked matches lie in
other categories: "set" in Beauty was estimated under 1,000 matches, the intersection then
read its 2,001-row cap in 41 ms, gave up, and the list found the page (BENCHMARKS.md,
session 12). The refresh now counts every (frequent word, category) pair with matches,
over the category listing (a row per product and category of its ancestors, so a count
covers the subtree), beside the facet counts in catalog_search_facets_refresh().

Freshness: as of the last refresh (hourly, and after bulk loads). The count only chooses
the path; every path returns the same rows (the intersection gives up past its cap, the
lists rank products changed since the refresh live), so a stale count costs time, never
a wrong page.
Public data, read-only for the storefront roles, no RLS.
"""

import importlib

from django.db import migrations, models

previous = importlib.import_module("catalog.migrations.0024_search_term_facets_in_stock")

TABLE = """
CREATE TABLE catalog_search_term_category (
    query tsquery NOT NULL REFERENCES catalog_search_term (query) ON DELETE CASCADE,
    category_id bigint NOT NULL REFERENCES catalog_category (id) ON DELETE CASCADE,
    matches integer NOT NULL CHECK (matches > 0),
    PRIMARY KEY (query, category_id)
);
CREATE INDEX catalog_search_term_category_category ON catalog_search_term_category (category_id);
GRANT SELECT ON catalog_search_term_category
   TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
"""

# Each listed product's frequent lexemes (as the facet counts find them), joined with its
# rows of the category listing, counted per lexeme (text: tsquery has no hash operator
# class) and category.
CATEGORIES = """
    DELETE FROM catalog_search_term_category;
    WITH words AS (SELECT query, (tsvector_to_array(query::text::tsvector))[1] AS lexeme FROM catalog_search_term)
    INSERT INTO catalog_search_term_category (query, category_id, matches)
    SELECT w.query, c.category_id, c.matches
      FROM (SELECT m.lexeme, l.category_id, count(*) AS matches
              FROM catalog_listed_product p
             CROSS JOIN LATERAL unnest(tsvector_to_array(p.search_vector)) AS m(lexeme)
              JOIN catalog_category_listing l ON l.id = p.id
             WHERE m.lexeme IN (SELECT lexeme FROM words)
             GROUP BY 1, 2) c
      JOIN words w ON w.lexeme = c.lexeme;
"""


def _function(facets: str, *, categories: bool) -> str:
    lock = "LOCK TABLE catalog_search_term_facet, catalog_search_facet_band IN SHARE ROW EXCLUSIVE MODE;"
    function = previous._function(facets)
    assert lock in function, "0024's function changed"
    if not categories:
        return function
    return function.replace(
        lock,
        "LOCK TABLE catalog_search_term_facet, catalog_search_facet_band, catalog_search_term_category\n"
        "        IN SHARE ROW EXCLUSIVE MODE;" + CATEGORIES,
    )


FORWARD = TABLE + _function(previous.FACETS, categories=True) + "SELECT catalog_search_facets_refresh();"
REVERSE = _function(previous.FACETS, categories=False) + "DROP TABLE catalog_search_term_category;"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0024_search_term_facets_in_stock")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.CreateModel(
                    name="SearchTermCategory",
                    fields=[
                        (
                            "pk",
                            models.CompositePrimaryKey(
                                "query", "category_id", blank=True, editable=False, primary_key=True, serialize=False
                            ),
                        ),
                        ("query", models.TextField()),
                        ("category_id", models.BigIntegerField()),
                        ("matches", models.IntegerField()),
                    ],
                    options={"db_table": "catalog_search_term_category"},
                ),
            ],
        ),
    ]
