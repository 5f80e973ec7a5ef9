"""catalog_matches_anywhere(words): whether the words match any listed product, always
through the GIN index.

A search that finds nothing asks whether its words match anything at all before it tries
typo correction (catalog/selectors.py). Asked as `SELECT EXISTS (... WHERE search_vector
@@ query)`, the planner costs the probe by how soon a sequential scan should meet a first
match, estimating the matches of several words as if the words were independent: two
frequent words that never occur together ("lightweight toy": estimated 2,536 matches,
really none) made it read all 500,000 products, 284 ms (the bench's slowest QP-01 draw,
session 12), where the index answers in a few milliseconds. The function runs the same
probe with sequential scans disabled for its own statement (a SET clause: it applies while
the function runs and is planned), as the calling role (SECURITY INVOKER: the same rows
the storefront's query sees).
"""

from django.db import migrations

ROLES = "commerce_customer, commerce_manager, commerce_readonly, commerce_seller"

FORWARD = f"""
CREATE FUNCTION catalog_matches_anywhere(words text) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
SET enable_seqscan = off
AS $$
    SELECT EXISTS (SELECT 1 FROM public.catalog_listed_product p
                    WHERE p.search_vector @@ websearch_to_tsquery('english', words))
$$;
REVOKE ALL ON FUNCTION catalog_matches_anywhere(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION catalog_matches_anywhere(text) TO {ROLES};
"""
REVERSE = "DROP FUNCTION catalog_matches_anywhere(text);"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0025_search_term_categories")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
