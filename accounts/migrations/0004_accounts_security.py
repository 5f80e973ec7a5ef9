"""Row-level security, privilege guard, card guards and login throttling for accounts.

A shopper's request (commerce_customer with app.user_id) reads and writes only its own
account, addresses and payment methods. Before login it sees exactly one account: the
one whose email it names in app.login_email (login, sign-up, password reset). Staff
(commerce_manager) read everything and change accounts; only they may change the
staff and superuser flags. RLS is FORCE'd, so the owner obeys the policies too.
"""

from django.db import migrations

RLS = """
ALTER TABLE accounts_user ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_user FORCE ROW LEVEL SECURITY;
CREATE POLICY user_owner ON accounts_user TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY user_staff ON accounts_user TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY user_self_read ON accounts_user FOR SELECT
    TO commerce_customer, commerce_seller, commerce_readonly
    USING (id = app_user_id());
CREATE POLICY user_self_update ON accounts_user FOR UPDATE
    TO commerce_customer, commerce_seller, commerce_readonly
    USING (id = app_user_id()) WITH CHECK (id = app_user_id());
CREATE POLICY user_login_lookup ON accounts_user FOR SELECT TO commerce_customer
    USING (email = app_login_email());
CREATE POLICY user_sign_up ON accounts_user FOR INSERT TO commerce_customer
    WITH CHECK (email = app_login_email() AND NOT is_staff AND NOT is_superuser);
GRANT SELECT, INSERT, UPDATE ON accounts_user TO commerce_customer, commerce_manager;
GRANT SELECT, UPDATE ON accounts_user TO commerce_seller, commerce_readonly;

-- Group and permission memberships: own rows for everyone, all rows for staff.
ALTER TABLE accounts_user_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_user_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY user_groups_owner ON accounts_user_groups TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY user_groups_staff ON accounts_user_groups TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY user_groups_self ON accounts_user_groups FOR SELECT
    TO commerce_customer, commerce_seller, commerce_readonly USING (user_id = app_user_id());
GRANT SELECT ON accounts_user_groups TO commerce_customer, commerce_seller, commerce_readonly;
GRANT SELECT, INSERT, DELETE ON accounts_user_groups TO commerce_manager;

ALTER TABLE accounts_user_user_permissions ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_user_user_permissions FORCE ROW LEVEL SECURITY;
CREATE POLICY user_perms_owner ON accounts_user_user_permissions TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY user_perms_staff ON accounts_user_user_permissions TO commerce_manager USING (true) WITH CHECK (true);
CREATE POLICY user_perms_self ON accounts_user_user_permissions FOR SELECT
    TO commerce_customer, commerce_seller, commerce_readonly USING (user_id = app_user_id());
GRANT SELECT ON accounts_user_user_permissions TO commerce_customer, commerce_seller, commerce_readonly;
GRANT SELECT, INSERT, DELETE ON accounts_user_user_permissions TO commerce_manager;

ALTER TABLE accounts_address ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_address FORCE ROW LEVEL SECURITY;
CREATE POLICY address_owner ON accounts_address TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY address_shopper ON accounts_address TO commerce_customer
    USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
CREATE POLICY address_staff_read ON accounts_address FOR SELECT TO commerce_manager USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON accounts_address TO commerce_customer;
GRANT SELECT ON accounts_address TO commerce_manager;

ALTER TABLE accounts_payment_method ENABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_payment_method FORCE ROW LEVEL SECURITY;
CREATE POLICY payment_method_owner ON accounts_payment_method TO commerce_admin USING (true) WITH CHECK (true);
CREATE POLICY payment_method_shopper ON accounts_payment_method TO commerce_customer
    USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
CREATE POLICY payment_method_staff_read ON accounts_payment_method FOR SELECT TO commerce_manager USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON accounts_payment_method TO commerce_customer;
GRANT SELECT ON accounts_payment_method TO commerce_manager;
"""

RLS_REVERSE = """
REVOKE ALL ON accounts_payment_method, accounts_address, accounts_user_user_permissions,
              accounts_user_groups, accounts_user
  FROM commerce_customer, commerce_manager, commerce_seller, commerce_readonly;
DROP POLICY IF EXISTS payment_method_staff_read ON accounts_payment_method;
DROP POLICY IF EXISTS payment_method_shopper ON accounts_payment_method;
DROP POLICY IF EXISTS payment_method_owner ON accounts_payment_method;
DROP POLICY IF EXISTS address_staff_read ON accounts_address;
DROP POLICY IF EXISTS address_shopper ON accounts_address;
DROP POLICY IF EXISTS address_owner ON accounts_address;
DROP POLICY IF EXISTS user_perms_self ON accounts_user_user_permissions;
DROP POLICY IF EXISTS user_perms_staff ON accounts_user_user_permissions;
DROP POLICY IF EXISTS user_perms_owner ON accounts_user_user_permissions;
DROP POLICY IF EXISTS user_groups_self ON accounts_user_groups;
DROP POLICY IF EXISTS user_groups_staff ON accounts_user_groups;
DROP POLICY IF EXISTS user_groups_owner ON accounts_user_groups;
DROP POLICY IF EXISTS user_sign_up ON accounts_user;
DROP POLICY IF EXISTS user_login_lookup ON accounts_user;
DROP POLICY IF EXISTS user_self_update ON accounts_user;
DROP POLICY IF EXISTS user_self_read ON accounts_user;
DROP POLICY IF EXISTS user_staff ON accounts_user;
DROP POLICY IF EXISTS user_owner ON accounts_user;
ALTER TABLE accounts_payment_method NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts_payment_method DISABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_address NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts_address DISABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_user_user_permissions NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts_user_user_permissions DISABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_user_groups NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts_user_groups DISABLE ROW LEVEL SECURITY;
ALTER TABLE accounts_user NO FORCE ROW LEVEL SECURITY;
ALTER TABLE accounts_user DISABLE ROW LEVEL SECURITY;
"""

GUARDS = """
-- Only staff managers (and the owner) may hand out or take away staff powers; a
-- shopper's request that sets its own is_staff is refused whatever the view does.
CREATE OR REPLACE FUNCTION accounts_user_guard_privileges() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF (NEW.is_staff, NEW.is_superuser) IS DISTINCT FROM (OLD.is_staff, OLD.is_superuser)
       AND NOT pg_catalog.pg_has_role(current_user, 'commerce_manager', 'MEMBER') THEN
        RAISE EXCEPTION 'only staff managers may change the staff or superuser flags'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER accounts_user_guard_privileges
    BEFORE UPDATE OF is_staff, is_superuser ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION accounts_user_guard_privileges();

-- A card that has expired cannot be saved (the CHECKs cannot read the clock).
CREATE OR REPLACE FUNCTION accounts_payment_method_reject_expired() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF pg_catalog.make_date(NEW.exp_year, NEW.exp_month, 1)
       < pg_catalog.date_trunc('month', pg_catalog.now() AT TIME ZONE 'UTC')::date THEN
        RAISE EXCEPTION 'card expired %/%', NEW.exp_month, NEW.exp_year
            USING ERRCODE = '23514', CONSTRAINT = 'accounts_payment_method_not_expired';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER accounts_payment_method_reject_expired
    BEFORE INSERT OR UPDATE OF exp_month, exp_year ON accounts_payment_method
    FOR EACH ROW EXECUTE FUNCTION accounts_payment_method_reject_expired();
"""

GUARDS_REVERSE = """
DROP TRIGGER IF EXISTS accounts_payment_method_reject_expired ON accounts_payment_method;
DROP FUNCTION IF EXISTS accounts_payment_method_reject_expired();
DROP TRIGGER IF EXISTS accounts_user_guard_privileges ON accounts_user;
DROP FUNCTION IF EXISTS accounts_user_guard_privileges();
"""

THROTTLE = """
-- Failed logins, reachable only through these functions (SECURITY DEFINER, owned by the
-- no-login commerce_definer, search_path pinned, not executable by PUBLIC).
GRANT SELECT, INSERT, UPDATE, DELETE ON accounts_login_throttle TO commerce_definer;
GRANT SELECT, UPDATE, DELETE ON accounts_login_throttle TO commerce_manager;

CREATE OR REPLACE FUNCTION login_throttle_locked_until(p_email text, p_address text)
RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT max(locked_until)
      FROM public.accounts_login_throttle
     WHERE locked_until > now()
       AND ((scope = 'email' AND subject = lower(p_email))
            OR (scope = 'address' AND subject = p_address));
$$;

CREATE OR REPLACE FUNCTION login_throttle_record_failure(
    p_email text, p_address text, p_max_per_email integer, p_max_per_address integer,
    p_window_seconds integer, p_lockout_seconds integer)
RETURNS timestamptz
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    k record;
    window_start timestamptz := now() - make_interval(secs => p_window_seconds);
BEGIN
    -- Keys in a fixed order, so two concurrent failures never lock them crosswise.
    FOR k IN
        SELECT * FROM (VALUES ('address', p_address, p_max_per_address),
                              ('email', lower(p_email), p_max_per_email)) AS v(scope, subject, max_failures)
         WHERE coalesce(subject, '') <> ''
         ORDER BY scope
    LOOP
        INSERT INTO public.accounts_login_throttle AS t
               (scope, subject, failures, window_started_at, locked_until)
        VALUES (k.scope, k.subject, 1, now(),
                CASE WHEN k.max_failures <= 1 THEN now() + make_interval(secs => p_lockout_seconds) END)
        ON CONFLICT (scope, subject) DO UPDATE
           SET failures = CASE WHEN t.window_started_at < window_start THEN 1 ELSE t.failures + 1 END,
               window_started_at = CASE WHEN t.window_started_at < window_start
                                        THEN now() ELSE t.window_started_at END,
               locked_until = CASE
                   WHEN (CASE WHEN t.window_started_at < window_start THEN 1 ELSE t.failures + 1 END)
                        >= k.max_failures
                   THEN now() + make_interval(secs => p_lockout_seconds)
                   ELSE t.locked_until END;
    END LOOP;
    RETURN public.login_throttle_locked_until(p_email, p_address);
END
$$;

CREATE OR REPLACE FUNCTION login_throttle_clear(p_email text) RETURNS void
LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    DELETE FROM public.accounts_login_throttle WHERE scope = 'email' AND subject = lower(p_email);
$$;

-- A new owner needs CREATE on the schema at the moment of the change only.
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION login_throttle_locked_until(text, text) OWNER TO commerce_definer;
ALTER FUNCTION login_throttle_record_failure(text, text, integer, integer, integer, integer) OWNER TO commerce_definer;
ALTER FUNCTION login_throttle_clear(text) OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION login_throttle_locked_until(text, text),
                       login_throttle_record_failure(text, text, integer, integer, integer, integer),
                       login_throttle_clear(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION login_throttle_locked_until(text, text),
                          login_throttle_record_failure(text, text, integer, integer, integer, integer),
                          login_throttle_clear(text)
   TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
"""

THROTTLE_REVERSE = """
DROP FUNCTION IF EXISTS login_throttle_clear(text);
DROP FUNCTION IF EXISTS login_throttle_record_failure(text, text, integer, integer, integer, integer);
DROP FUNCTION IF EXISTS login_throttle_locked_until(text, text);
REVOKE ALL ON accounts_login_throttle FROM commerce_definer, commerce_manager;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_framework_tables_access")]

    operations = [
        migrations.RunSQL(RLS, RLS_REVERSE),
        migrations.RunSQL(GUARDS, GUARDS_REVERSE),
        migrations.RunSQL(THROTTLE, THROTTLE_REVERSE),
    ]
