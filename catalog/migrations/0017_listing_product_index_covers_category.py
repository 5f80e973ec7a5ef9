"""Search facets roll a sample of matching products up to their categories through the
category listing (catalog/selectors.py search_facets): looked up by product, the listing's
index now carries the category and the filter columns too, so the roll-up is an
index-only scan."""

from django.db import migrations

FORWARD = """
CREATE INDEX catalog_listing_product_category ON catalog_category_listing (id, category_id)
    INCLUDE (price, rating_avg);
DROP INDEX catalog_listing_product;
"""

REVERSE = """
CREATE INDEX catalog_listing_product ON catalog_category_listing (id);
DROP INDEX catalog_listing_product_category;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0016_search_terms")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
