"""Grants and row-level security for Django's own tables.

Sessions are readable only through the key the request presents (app.session_key, set
by shopwave.sessions), so no request can list or steal other sessions. Content types,
permissions and groups are harmless metadata every request role may read.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE django_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE django_session FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS session_owner ON django_session;
CREATE POLICY session_owner ON django_session TO commerce_admin USING (true) WITH CHECK (true);
DROP POLICY IF EXISTS session_by_key ON django_session;
CREATE POLICY session_by_key ON django_session
    TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller
    USING (session_key = app_session_key())
    WITH CHECK (session_key = app_session_key());
GRANT SELECT, INSERT, UPDATE, DELETE ON django_session
   TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;

GRANT SELECT ON django_content_type, auth_permission, auth_group, auth_group_permissions
   TO commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
GRANT INSERT ON django_content_type TO commerce_manager;
GRANT INSERT, UPDATE, DELETE ON auth_group, auth_group_permissions TO commerce_manager;
GRANT SELECT, INSERT ON django_admin_log TO commerce_manager;
GRANT SELECT ON django_admin_log TO commerce_readonly;
"""

REVERSE = """
REVOKE ALL ON django_admin_log FROM commerce_manager, commerce_readonly;
REVOKE ALL ON django_content_type, auth_permission, auth_group, auth_group_permissions
  FROM commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
REVOKE ALL ON django_session FROM commerce_customer, commerce_manager, commerce_readonly, commerce_seller;
DROP POLICY IF EXISTS session_by_key ON django_session;
DROP POLICY IF EXISTS session_owner ON django_session;
ALTER TABLE django_session NO FORCE ROW LEVEL SECURITY;
ALTER TABLE django_session DISABLE ROW LEVEL SECURITY;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_database_roles"),
        ("sessions", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
