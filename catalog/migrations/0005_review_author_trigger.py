"""Reviews carry their author's display name (accounts are private under RLS, so a page
cannot join them): the first word of the reviewer's full name, copied at insert."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION catalog_review_set_author() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF coalesce(NEW.author_name, '') = '' THEN
        SELECT coalesce(nullif(split_part(btrim(full_name), ' ', 1), ''), 'A shopper')
          INTO NEW.author_name
          FROM public.accounts_user WHERE id = NEW.user_id;
        NEW.author_name := left(coalesce(NEW.author_name, 'A shopper'), 60);
    END IF;
    RETURN NEW;
END
$$;
GRANT SELECT (id, full_name) ON accounts_user TO commerce_definer;
CREATE POLICY user_definer_read ON accounts_user FOR SELECT TO commerce_definer USING (true);
GRANT CREATE ON SCHEMA public TO commerce_definer;
ALTER FUNCTION catalog_review_set_author() OWNER TO commerce_definer;
REVOKE CREATE ON SCHEMA public FROM commerce_definer;
REVOKE ALL ON FUNCTION catalog_review_set_author() FROM PUBLIC;
CREATE TRIGGER catalog_review_set_author BEFORE INSERT ON catalog_review
    FOR EACH ROW EXECUTE FUNCTION catalog_review_set_author();
UPDATE catalog_review r SET author_name = coalesce(nullif(split_part(btrim(u.full_name), ' ', 1), ''), 'A shopper')
  FROM accounts_user u WHERE u.id = r.user_id AND r.author_name = '';
"""

REVERSE = """
DROP TRIGGER IF EXISTS catalog_review_set_author ON catalog_review;
DROP FUNCTION IF EXISTS catalog_review_set_author();
DROP POLICY IF EXISTS user_definer_read ON accounts_user;
REVOKE SELECT (id, full_name) ON accounts_user FROM commerce_definer;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_review_author_name")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
