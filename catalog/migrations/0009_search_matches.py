"""Search through the indexes despite row-level security.

Under the storefront role's FORCE'd policy, PostgreSQL may not evaluate a query's own
conditions ahead of the policy unless their operators are LEAKPROOF; `@@` (full text) and
`<%` (trigram word similarity) are not, so a search read every listed product
(BENCHMARKS.md, QP-01). catalog_search_matches() runs the match as the definer (whose
policy is `true`, so the GIN indexes are used) and returns only listed products — exactly
what the storefront policy shows — for the listing and facet queries to join.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION catalog_search_matches(p_query text, p_fuzzy boolean)
RETURNS TABLE (product_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER ROWS 500
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT p.id FROM public.catalog_product p
     WHERE NOT p_fuzzy AND p.is_listed AND p.search_vector @@ websearch_to_tsquery('english', p_query)
    UNION ALL
    SELECT p.id FROM public.catalog_product p
     WHERE p_fuzzy AND p.is_listed AND p.name %> p_query
$$;
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION catalog_search_matches(text, boolean) OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION catalog_search_matches(text, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION catalog_search_matches(text, boolean) TO commerce_customer, commerce_manager;
"""

REVERSE = "DROP FUNCTION IF EXISTS catalog_search_matches(text, boolean);"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0008_read_path_indexes")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
