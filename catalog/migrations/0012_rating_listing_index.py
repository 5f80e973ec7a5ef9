"""An ordered index for listings sorted by rating (coalesce(rating_avg, 0) DESC,
rating_count DESC, id DESC over listed products), so a big category's "top rated" sort
walks the index and stops at the page instead of sorting the whole category."""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS catalog_product_rating_listing_idx
    ON catalog_product ((coalesce(rating_avg, 0)) DESC, rating_count DESC, id DESC)
 WHERE is_listed;
"""

REVERSE = "DROP INDEX IF EXISTS catalog_product_rating_listing_idx;"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0011_public_catalog_views")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
