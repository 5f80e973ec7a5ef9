"""catalog_search_matches() (catalog 0009) is no longer called: searches read the public
catalog views (catalog 0011), where the text operators are index conditions."""

import importlib

from django.db import migrations

REVERSE = importlib.import_module("catalog.migrations.0009_search_matches").FORWARD


class Migration(migrations.Migration):
    dependencies = [("catalog", "0014_shopper_column_grants")]

    operations = [migrations.RunSQL("DROP FUNCTION catalog_search_matches(text, boolean);", REVERSE)]
