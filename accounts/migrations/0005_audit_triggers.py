"""Audit trail for accounts: staff/superuser/active flags and email changes on users,
group memberships, addresses and payment methods. Password hashes and login times are
never logged."""

from django.db import migrations

FORWARD = """
CREATE TRIGGER audit_insert_delete AFTER INSERT OR DELETE ON accounts_user
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id', 'password', 'last_login');
CREATE TRIGGER audit_update AFTER UPDATE ON accounts_user
    FOR EACH ROW
    WHEN ((OLD.email, OLD.is_staff, OLD.is_superuser, OLD.is_active)
          IS DISTINCT FROM (NEW.email, NEW.is_staff, NEW.is_superuser, NEW.is_active))
    EXECUTE FUNCTION audit_record_change('id', 'password', 'last_login');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON accounts_user_groups
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON accounts_user_user_permissions
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON accounts_address
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON accounts_payment_method
    FOR EACH ROW EXECUTE FUNCTION audit_record_change('id');
"""

REVERSE = """
DROP TRIGGER IF EXISTS audit ON accounts_payment_method;
DROP TRIGGER IF EXISTS audit ON accounts_address;
DROP TRIGGER IF EXISTS audit ON accounts_user_user_permissions;
DROP TRIGGER IF EXISTS audit ON accounts_user_groups;
DROP TRIGGER IF EXISTS audit_update ON accounts_user;
DROP TRIGGER IF EXISTS audit_insert_delete ON accounts_user;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_accounts_security"),
        ("audit", "0002_audit_log_table"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
