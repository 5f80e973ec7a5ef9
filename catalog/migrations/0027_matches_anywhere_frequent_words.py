"""catalog_matches_anywhere(words) answers for a frequent word from its list's row.

0026 made the probe use the GIN index always. An index probe builds the whole bitmap of
the words' matches before it returns the first one: for a frequent word (tens of
thousands of matches) that is 5-30 ms, where a scan of the products meets a match in the
first few rows. The probe runs whenever a search's page is empty, which for a frequent
word happens under narrow filters or categories: the bench's searches for frequent words
went from 2.0 to 4.5 ms (median, in-process, interleaved with 0025's code). A frequent
word has a row in catalog_search_term (it matched at least 2,000 listed products at the
last refresh), which answers without a probe; other words keep the index probe, which is
cheap for them. The second EXISTS is evaluated only when the first is false.
"""

import importlib

from django.db import migrations

previous = importlib.import_module("catalog.migrations.0026_matches_anywhere")

PROBE = """    SELECT EXISTS (SELECT 1 FROM public.catalog_listed_product p
                    WHERE p.search_vector @@ websearch_to_tsquery('english', words))"""
FREQUENT = """    SELECT EXISTS (SELECT 1 FROM public.catalog_search_term t
                    WHERE t.query = websearch_to_tsquery('english', words))
        OR EXISTS (SELECT 1 FROM public.catalog_listed_product p
                    WHERE p.search_vector @@ websearch_to_tsquery('english', words))"""
assert PROBE in previous.FORWARD, "0026's function changed"


def _function(body: str) -> str:
    return (
        previous.FORWARD.replace(PROBE, body)
        .replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        .split("REVOKE ALL")[0]
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0026_matches_anywhere")]

    operations = [migrations.RunSQL(_function(FREQUENT), _function(PROBE))]
