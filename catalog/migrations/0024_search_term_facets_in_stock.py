"""catalog_search_term_facet.cum_in_stock: the facet counts of a frequent word among the
products that were in stock when counted, so a search filtered by stock reads them too.

A search filtered by stock ("in stock only", 30 % of the benchmark's searches) rolled its
facets up from a live sample of the word's best matches on every request (5-10 ms, most of
such a search; BENCHMARKS.md, session 12), and showed the sample's counts as lower bounds.
The refresh now counts each (word, category, price band) twice: every priced match
(`cum`, as in 0023) and those with an active variant in stock (`cum_in_stock`, the same
test as the listing's filter), cumulated over the same bands.

Freshness, stated: as 0023's counts, these are as of the last refresh (hourly, and after
bulk loads). A product that sold out since still counts beside the category link until the
next refresh, and one restocked does not yet; the results of the search are live, only
the counts beside the category links can lag. A search filtered by rating keeps the live
sample (bands by rating would multiply the table).

The rows are recounted here: the new column has no value for the old rows.
"""

import importlib

from django.contrib.postgres.fields import ArrayField
from django.db import migrations, models

previous = importlib.import_module("catalog.migrations.0023_search_term_facets")

# 0023's statement with the products in stock marked (one hashed set of product ids, not a
# lookup per product and word) and counted beside every match.
FACETS = (
    previous.FACETS.replace(
        "    counts AS MATERIALIZED (\n",
        "    stocked AS MATERIALIZED (\n"
        "        SELECT DISTINCT v.product_id AS id FROM catalog_variant v WHERE v.is_active AND v.stock > 0\n"
        "    ),\n"
        "    counts AS MATERIALIZED (\n",
    )
    .replace(
        "count(*) AS n\n",
        "count(*) AS n,\n               count(*) FILTER (WHERE m.in_stock) AS n_in_stock\n",
    )
    .replace(
        "SELECT p.id, w.lexeme\n                  FROM catalog_listed_product p\n",
        "SELECT p.id, w.lexeme, s.id IS NOT NULL AS in_stock\n"
        "                  FROM catalog_listed_product p\n"
        "                  LEFT JOIN stocked s ON s.id = p.id\n",
    )
    .replace(
        "INSERT INTO catalog_search_term_facet (query, category_id, cum)\n"
        "    SELECT w.query, k.category_id, array_agg(k.cum ORDER BY k.band)\n",
        "INSERT INTO catalog_search_term_facet (query, category_id, cum, cum_in_stock)\n"
        "    SELECT w.query, k.category_id, array_agg(k.cum ORDER BY k.band), array_agg(k.cum_in_stock ORDER BY k.band)\n",
    )
    .replace(
        "sum(coalesce(c.n, 0)) OVER (PARTITION BY q.lexeme, q.category_id ORDER BY b.band)::integer AS cum\n",
        "(sum(coalesce(c.n, 0)) OVER running)::integer AS cum,\n"
        "                   (sum(coalesce(c.n_in_stock, 0)) OVER running)::integer AS cum_in_stock\n",
    )
    .replace(
        "(c.lexeme, c.category_id, c.band) = (q.lexeme, q.category_id, b.band)) k\n",
        "(c.lexeme, c.category_id, c.band) = (q.lexeme, q.category_id, b.band)\n"
        "            WINDOW running AS (PARTITION BY q.lexeme, q.category_id ORDER BY b.band)) k\n",
    )
)
assert FACETS.count("in_stock") == 7 and "WINDOW running" in FACETS, "0023's statement changed"


def _function(facets: str) -> str:
    return previous.FACETS_FUNCTION.replace(previous.FACETS, facets).replace(
        "CREATE FUNCTION catalog_search_facets_refresh()", "CREATE OR REPLACE FUNCTION catalog_search_facets_refresh()"
    )


FORWARD = (
    "DELETE FROM catalog_search_term_facet;\n"
    "ALTER TABLE catalog_search_term_facet ADD COLUMN cum_in_stock integer[] NOT NULL,\n"
    "    ADD CONSTRAINT catalog_search_term_facet_in_stock_bands CHECK (cardinality(cum_in_stock) = cardinality(cum));\n"
    + _function(FACETS)
    + "SELECT catalog_search_facets_refresh();"
)
REVERSE = (
    "DELETE FROM catalog_search_term_facet;\n"
    "ALTER TABLE catalog_search_term_facet DROP COLUMN cum_in_stock;\n"
    + _function(previous.FACETS)
    + "SELECT catalog_search_facets_refresh();"
)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0023_search_term_facets")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, REVERSE)],
            state_operations=[
                migrations.AddField(
                    model_name="searchtermfacet",
                    name="cum_in_stock",
                    field=ArrayField(models.IntegerField(), default=list),
                    preserve_default=False,
                ),
            ],
        ),
    ]
