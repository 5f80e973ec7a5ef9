"""The append-only audit log: a table partitioned by month, one generic trigger function
that other apps attach to their sensitive tables, and a guard that refuses UPDATE, DELETE
and TRUNCATE for every role, the owner included.

Attach it like this (first argument: the key column; the rest: columns never logged):

    CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON some_table
        FOR EACH ROW EXECUTE FUNCTION audit_record_change('id', 'secret_column');
"""

from django.db import migrations

FORWARD = """
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    table_name     text NOT NULL,
    row_key        text NOT NULL,
    action         text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    before         jsonb,
    after          jsonb,
    changed_fields text[],
    db_role        text NOT NULL,
    app_user_id    bigint,
    txid           bigint NOT NULL DEFAULT txid_current(),
    PRIMARY KEY (id, occurred_at),
    CHECK ((action = 'INSERT') = (before IS NULL)),
    CHECK ((action = 'DELETE') = (after IS NULL))
) PARTITION BY RANGE (occurred_at);

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
CREATE INDEX audit_log_row_idx ON audit_log (table_name, row_key, occurred_at DESC);
CREATE INDEX audit_log_time_idx ON audit_log (occurred_at DESC);
CREATE INDEX audit_log_app_user_idx ON audit_log (app_user_id, occurred_at DESC) WHERE app_user_id IS NOT NULL;

REVOKE ALL ON audit_log FROM PUBLIC;
GRANT INSERT ON audit_log TO commerce_definer;
GRANT SELECT ON audit_log TO commerce_manager;

CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501';
END
$$;
-- Row triggers on the partitioned table are cloned onto every partition; TRUNCATE
-- triggers are not, so each partition gets its own (audit_ensure_partitions does it).
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log_default
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Monthly partitions from this month to p_months_ahead months ahead (UTC months).
-- Returns the partitions it created. Run monthly: manage.py audit_partitions.
CREATE OR REPLACE FUNCTION audit_ensure_partitions(p_months_ahead integer DEFAULT 3)
RETURNS SETOF text
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    month_start date;
    part text;
BEGIN
    IF p_months_ahead < 0 OR p_months_ahead > 120 THEN
        RAISE EXCEPTION 'months ahead must be between 0 and 120, got %', p_months_ahead
            USING ERRCODE = '22023';
    END IF;
    FOR month_start IN
        SELECT generate_series(date_trunc('month', now() AT TIME ZONE 'UTC'),
                               date_trunc('month', now() AT TIME ZONE 'UTC')
                                   + make_interval(months => p_months_ahead),
                               interval '1 month')::date
    LOOP
        part := format('audit_log_y%sm%s', to_char(month_start, 'YYYY'), to_char(month_start, 'MM'));
        CONTINUE WHEN to_regclass('public.' || quote_ident(part)) IS NOT NULL;
        EXECUTE format('CREATE TABLE public.%I PARTITION OF public.audit_log FOR VALUES FROM (%L) TO (%L)',
                       part, month_start::timestamp AT TIME ZONE 'UTC',
                       (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC');
        EXECUTE format('CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.%I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()', part);
        RETURN NEXT part;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION audit_ensure_partitions(integer) FROM PUBLIC;

SELECT audit_ensure_partitions(3);

-- The generic change recorder. SECURITY DEFINER so that the caller needs no INSERT
-- privilege on the log (and so cannot forge entries); the role recorded is the
-- caller's request role, read from the 'role' setting.
CREATE OR REPLACE FUNCTION audit_record_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    excluded text[] := coalesce(TG_ARGV[1:], '{}');
    before_row jsonb;
    after_row jsonb;
    changed text[];
    request_role text := current_setting('role');
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        before_row := to_jsonb(OLD) - excluded;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        after_row := to_jsonb(NEW) - excluded;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT array_agg(key ORDER BY key) INTO changed
          FROM jsonb_object_keys(after_row) AS key
         WHERE after_row -> key IS DISTINCT FROM before_row -> key;
        IF changed IS NULL THEN
            RETURN NULL;  -- nothing audited changed
        END IF;
    END IF;
    INSERT INTO public.audit_log (table_name, row_key, action, before, after, changed_fields,
                                  db_role, app_user_id)
    VALUES (TG_TABLE_NAME, coalesce(after_row, before_row) ->> TG_ARGV[0], TG_OP,
            before_row, after_row, changed,
            CASE WHEN request_role = 'none' THEN session_user::text ELSE request_role END,
            public.app_user_id());
    RETURN NULL;
END
$$;
-- A new owner needs CREATE on the schema at the moment of the change only.
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION audit_record_change() OWNER TO commerce_definer;
REVOKE ALL ON FUNCTION audit_record_change() FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
"""

REVERSE = """
DROP FUNCTION IF EXISTS audit_record_change() CASCADE;
DROP FUNCTION IF EXISTS audit_ensure_partitions(integer);
DROP TABLE IF EXISTS audit_log;
DROP FUNCTION IF EXISTS audit_log_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_audit_log_model_state"),
        ("accounts", "0002_database_roles"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
