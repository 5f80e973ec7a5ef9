"""Database roles and the request-context functions every policy reads.

commerce_admin    owner of every object; migrations and operator commands (created by
                  scripts/bootstrap.sql, since it is the login that runs this migration).
commerce_manager  staff requests in /admin/.
commerce_customer storefront requests, anonymous or a shopper.
commerce_readonly analysts: reports only.
commerce_seller   seller-portal requests, scoped by app.seller_id.
commerce_definer  no-login owner of SECURITY DEFINER functions and triggers that must
                  see or write rows the caller cannot (audit, throttling, aggregates).

The web login (settings.SHOPWAVE_WEB_DB_USER) is NOINHERIT and gets membership of the
four request roles only: it can SET ROLE into them but holds no privilege itself, and it
can never become the owner.
"""

from django.conf import settings
from django.db import migrations

REQUEST_ROLES = ["commerce_manager", "commerce_customer", "commerce_readonly", "commerce_seller"]

CREATE_ROLES = """
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['commerce_manager', 'commerce_customer', 'commerce_readonly',
                             'commerce_seller', 'commerce_definer'] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', r);
        END IF;
    END LOOP;
END
$$;
-- The owner may act in any scope: tests and operator commands that act for a shopper.
GRANT commerce_manager, commerce_customer, commerce_readonly, commerce_seller, commerce_definer
   TO commerce_admin;
"""

# Roles are cluster-wide and shared with other databases (the test database among
# them), so reversing this migration leaves them in place.
DROP_ROLES = migrations.RunSQL.noop

CONTEXT_FUNCTIONS = """
-- Empty is not NULL: after a SET LOCAL ends the setting reads '' (not NULL), so every
-- reader maps '' to NULL and a missing context matches no row (fail closed).
CREATE OR REPLACE FUNCTION app_user_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(pg_catalog.current_setting('app.user_id', true), '')::bigint $$;

CREATE OR REPLACE FUNCTION app_seller_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(pg_catalog.current_setting('app.seller_id', true), '')::bigint $$;

CREATE OR REPLACE FUNCTION app_login_email() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(pg_catalog.current_setting('app.login_email', true), '') $$;

CREATE OR REPLACE FUNCTION app_session_key() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(pg_catalog.current_setting('app.session_key', true), '') $$;

-- Switch the current transaction into a request role acting for a user. Everything is
-- transaction-local: COMMIT or ROLLBACK ends it. (No SET clause on purpose: it would
-- confine the role change to the function.)
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

-- Back to the privilege-less login with no identity, at session level, so it also
-- serves as the pool's reset.
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
"""

DROP_CONTEXT_FUNCTIONS = """
DROP FUNCTION IF EXISTS clear_user_context();
DROP FUNCTION IF EXISTS set_user_context(text, bigint, bigint);
DROP FUNCTION IF EXISTS app_session_key();
DROP FUNCTION IF EXISTS app_login_email();
DROP FUNCTION IF EXISTS app_seller_id();
DROP FUNCTION IF EXISTS app_user_id();
"""


def grant_request_roles_to_web_login(apps, schema_editor):
    web_login = settings.SHOPWAVE_WEB_DB_USER
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = %s", [web_login])
        row = cursor.fetchone()
        if row is None:
            # The password is set outside migrations (scripts/bootstrap.sql or a DBA).
            cursor.execute(f"CREATE ROLE {quote(web_login)} LOGIN NOINHERIT")
        elif row[0] or row[1]:
            raise RuntimeError(f"The web login {web_login} must not be SUPERUSER or BYPASSRLS")
        cursor.execute(f"ALTER ROLE {quote(web_login)} NOINHERIT NOCREATEDB NOCREATEROLE")
        cursor.execute(f"GRANT {', '.join(REQUEST_ROLES)} TO {quote(web_login)}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE_ROLES, DROP_ROLES),
        migrations.RunPython(grant_request_roles_to_web_login, migrations.RunPython.noop),
        migrations.RunSQL(CONTEXT_FUNCTIONS, DROP_CONTEXT_FUNCTIONS),
    ]
