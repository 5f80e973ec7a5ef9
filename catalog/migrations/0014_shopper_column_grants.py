"""Shoppers may not read what a seller pays for a product: commerce_customer's SELECT on
catalog_product becomes a column grant of every column except `cost` (a page never showed
it, but a view bug or an ad-hoc query in the shopper role could have). Staff, analysts and
the seller's own scope keep the whole row."""

from django.db import migrations

PUBLIC_COLUMNS = (
    "id, name, slug, description, brand, status, currency, created_at, updated_at, price, is_listed, rating_sum,"
    " rating_count, rating_avg, units_sold, search_vector, seller_id, stars_1, stars_2, stars_3, stars_4, stars_5"
)

FORWARD = f"""
REVOKE SELECT ON catalog_product FROM commerce_customer;
GRANT SELECT ({PUBLIC_COLUMNS}) ON catalog_product TO commerce_customer;
"""

REVERSE = f"""
REVOKE SELECT ({PUBLIC_COLUMNS}) ON catalog_product FROM commerce_customer;
GRANT SELECT ON catalog_product TO commerce_customer;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0013_category_listing")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
