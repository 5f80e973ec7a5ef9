"""app.staff_group: the staff group a back-office request acts for ('support' is refused
price changes by catalog's price guard). Cleared with the rest of the context."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION app_staff_group() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(pg_catalog.current_setting('app.staff_group', true), '') $$;

CREATE OR REPLACE FUNCTION clear_user_context() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_catalog.set_config('app.user_id', '', false);
    PERFORM pg_catalog.set_config('app.seller_id', '', false);
    PERFORM pg_catalog.set_config('app.login_email', '', false);
    PERFORM pg_catalog.set_config('app.session_key', '', false);
    PERFORM pg_catalog.set_config('app.cart_token', '', false);
    PERFORM pg_catalog.set_config('app.staff_group', '', false);
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
    PERFORM pg_catalog.set_config('app.cart_token', '', false);
    PERFORM pg_catalog.set_config('role', 'none', false);
END
$$;
DROP FUNCTION IF EXISTS app_staff_group();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_staff_groups")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
