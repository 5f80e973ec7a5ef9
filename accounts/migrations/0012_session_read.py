"""Read a session in one round trip: name the key the request presents (app.session_key,
the only session row-level security lets it see) and read that row, in one call. The
function runs with the caller's rights (SECURITY INVOKER), so the policy of
accounts/migrations/0003 still decides what it returns; shopwave.sessions calls it."""

from django.db import migrations

FORWARD = """
CREATE FUNCTION session_read(p_session_key text, p_now timestamptz)
RETURNS TABLE (session_data text, expire_date timestamptz)
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM pg_catalog.set_config('app.session_key', coalesce(p_session_key, ''), false);
    RETURN QUERY
        SELECT s.session_data, s.expire_date
          FROM django_session s
         WHERE s.session_key = p_session_key AND s.expire_date > p_now;
END
$$;
COMMENT ON FUNCTION session_read(text, timestamptz) IS
    'The unexpired session with this key, after naming it in app.session_key (session-level, as shopwave.sessions does)';
"""

REVERSE = "DROP FUNCTION IF EXISTS session_read(text, timestamptz);"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0011_drop_redundant_indexes")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
