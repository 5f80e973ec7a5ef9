"""A request context value for anonymous carts: app.cart_token (the token kept in the
anonymous shopper's session). Cleared with the rest of the context."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION app_cart_token() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
BEGIN
    RETURN nullif(pg_catalog.current_setting('app.cart_token', true), '')::uuid;
EXCEPTION WHEN invalid_text_representation THEN
    RETURN NULL;  -- a malformed token matches no cart
END
$$;

CREATE OR REPLACE FUNCTION clear_user_context() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_catalog.set_config('app.user_id', '', false);
    PERFORM pg_catalog.set_config('app.seller_id', '', false);
    PERFORM pg_catalog.set_config('app.login_email', '', false);
    PERFORM pg_catalog.set_config('app.session_key', '', false);
    PERFORM pg_catalog.set_config('app.cart_token', '', false);
    PERFORM pg_catalog.set_config('role', 'none', false);
END
$$;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION clear_user_context() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_catalog.set_config('app.user_id', '', false);
    PERFORM pg_catalog.set_config('app.seller_id', '', false);
    PERFORM pg_catalog.set_config('app.login_email', '', false);
    PERFORM pg_catalog.set_config('app.session_key', '', false);
    PERFORM pg_catalog.set_config('role', 'none', false);
END
$$;
DROP FUNCTION IF EXISTS app_cart_token();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_sellers")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
