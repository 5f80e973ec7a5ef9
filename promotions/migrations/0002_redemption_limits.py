"""Promotion limits held by the database.

Each redemption row, however it is inserted (the place-order routine or raw SQL), bumps
the promotion's uses_count, whose CHECK (uses_count <= max_uses) refuses the one past
the limit, and the shopper's usage counter, refused past per_customer_limit (SW005).
The promotion row's lock serializes concurrent redemptions of one code, so two racing
checkouts can never both take the last use.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION promotions_redemption_count() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    used integer;
    allowed integer;
BEGIN
    UPDATE public.promotions_promotion SET uses_count = uses_count + 1
     WHERE id = NEW.promotion_id
     RETURNING per_customer_limit INTO allowed;
    INSERT INTO public.promotions_usage AS u (promotion_id, user_id, uses)
    VALUES (NEW.promotion_id, NEW.user_id, 1)
    ON CONFLICT (promotion_id, user_id) DO UPDATE SET uses = u.uses + 1
    RETURNING uses INTO used;
    IF used > allowed THEN
        RAISE EXCEPTION 'promotion % already used % time(s) by this shopper', NEW.promotion_id, used - 1
            USING ERRCODE = 'SW005';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER promotions_redemption_count AFTER INSERT ON promotions_redemption
    FOR EACH ROW EXECUTE FUNCTION promotions_redemption_count();

CREATE OR REPLACE FUNCTION promotions_redemption_immutable() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'redemptions cannot be changed' USING ERRCODE = 'SW021';
END
$$;
CREATE TRIGGER promotions_redemption_immutable BEFORE UPDATE ON promotions_redemption
    FOR EACH ROW EXECUTE FUNCTION promotions_redemption_immutable();

GRANT SELECT, UPDATE ON promotions_promotion TO commerce_definer;
GRANT SELECT, INSERT, UPDATE ON promotions_usage TO commerce_definer;
GRANT SELECT, INSERT ON promotions_redemption TO commerce_definer;
GRANT SELECT ON promotions_promotion_category, promotions_promotion_product TO commerce_definer;
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION promotions_redemption_count() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION promotions_redemption_count() FROM PUBLIC;

-- Staff run promotions; shoppers never read them directly (the place-order and quote
-- routines validate codes for them).
GRANT SELECT, INSERT, UPDATE, DELETE ON promotions_promotion, promotions_promotion_category,
    promotions_promotion_product TO commerce_manager;
GRANT SELECT ON promotions_usage, promotions_redemption TO commerce_manager;
GRANT SELECT ON promotions_promotion, promotions_redemption TO commerce_readonly;

CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON promotions_promotion
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
CREATE TRIGGER audit AFTER INSERT OR DELETE ON promotions_redemption
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit ON promotions_redemption;
DROP TRIGGER IF EXISTS audit ON promotions_promotion;
REVOKE ALL ON promotions_promotion, promotions_promotion_category, promotions_promotion_product,
    promotions_usage, promotions_redemption FROM commerce_manager, commerce_readonly, commerce_definer;
DROP TRIGGER IF EXISTS promotions_redemption_immutable ON promotions_redemption;
DROP FUNCTION IF EXISTS promotions_redemption_immutable();
DROP TRIGGER IF EXISTS promotions_redemption_count ON promotions_redemption;
DROP FUNCTION IF EXISTS promotions_redemption_count();
"""


class Migration(migrations.Migration):
    dependencies = [("promotions", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
