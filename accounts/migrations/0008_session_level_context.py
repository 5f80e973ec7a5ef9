"""set_user_context(..., p_local): requests set their identity for the whole request
(session level, cleared by clear_user_context() when the request ends and again by the
pool's reset), so a view may commit more than once — the payment saga commits the order
before it calls the card processor. Inside a transaction, callers can still switch
identity for that transaction only (the default, p_local = true)."""

from django.db import migrations

FORWARD = """
DROP FUNCTION IF EXISTS set_user_context(text, bigint, bigint);
CREATE OR REPLACE FUNCTION set_user_context(p_role text, p_user_id bigint DEFAULT NULL,
                                            p_seller_id bigint DEFAULT NULL,
                                            p_local boolean DEFAULT true) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('commerce_customer', 'commerce_manager',
                                        'commerce_readonly', 'commerce_seller') THEN
        RAISE EXCEPTION 'set_user_context: % is not a request role', p_role
            USING ERRCODE = '42501';
    END IF;
    PERFORM pg_catalog.set_config('role', p_role, p_local);
    PERFORM pg_catalog.set_config('app.user_id', coalesce(p_user_id::text, ''), p_local);
    PERFORM pg_catalog.set_config('app.seller_id', coalesce(p_seller_id::text, ''), p_local);
    PERFORM pg_catalog.set_config('app.login_email', '', p_local);
END
$$;
"""

REVERSE = """
DROP FUNCTION IF EXISTS set_user_context(text, bigint, bigint, boolean);
CREATE OR REPLACE FUNCTION set_user_context(p_role text, p_user_id bigint DEFAULT NULL,
                                            p_seller_id bigint DEFAULT NULL) RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    IF p_role IS NULL OR p_role NOT IN ('commerce_customer', 'commerce_manager',
                                        'commerce_readonly', 'commerce_seller') THEN
        RAISE EXCEPTION 'set_user_context: % is not a request role', p_role
            USING ERRCODE = '42501';
    END IF;
    PERFORM pg_catalog.set_config('role', p_role, true);
    PERFORM pg_catalog.set_config('app.user_id', coalesce(p_user_id::text, ''), true);
    PERFORM pg_catalog.set_config('app.seller_id', coalesce(p_seller_id::text, ''), true);
    PERFORM pg_catalog.set_config('app.login_email', '', true);
    PERFORM pg_catalog.set_config('app.session_key', '', true);
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_cart_token_context")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
