"""In the seller scope a seller sees its own products only (and through them its own
variants, images and reviews); the public catalog is read through the storefront role."""

from django.db import migrations

FORWARD = """
DROP POLICY IF EXISTS product_listed ON catalog_product;
CREATE POLICY product_listed ON catalog_product FOR SELECT TO commerce_customer USING (is_listed);
"""

REVERSE = """
DROP POLICY IF EXISTS product_listed ON catalog_product;
CREATE POLICY product_listed ON catalog_product FOR SELECT TO commerce_customer, commerce_seller USING (is_listed);
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_price_guard")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
