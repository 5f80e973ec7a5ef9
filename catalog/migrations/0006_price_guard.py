"""Support staff may not change prices or costs: their back-office requests carry
app.staff_group = 'support' (set by RequestIdentityMiddleware), and this guard refuses
such changes whatever the admin or a hand-written statement tries."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION catalog_price_guard() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF app_staff_group() = 'support' THEN
        RAISE EXCEPTION 'support staff cannot change prices' USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER catalog_variant_price_guard BEFORE UPDATE ON catalog_variant
    FOR EACH ROW WHEN (OLD.price IS DISTINCT FROM NEW.price)
    EXECUTE FUNCTION catalog_price_guard();
CREATE TRIGGER catalog_product_cost_guard BEFORE UPDATE ON catalog_product
    FOR EACH ROW WHEN (OLD.cost IS DISTINCT FROM NEW.cost)
    EXECUTE FUNCTION catalog_price_guard();
"""

REVERSE = """
DROP TRIGGER IF EXISTS catalog_product_cost_guard ON catalog_product;
DROP TRIGGER IF EXISTS catalog_variant_price_guard ON catalog_variant;
DROP FUNCTION IF EXISTS catalog_price_guard();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0005_review_author_trigger"),
        ("accounts", "0010_staff_group_context"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
