"""The back office's customer search finds part of an email or a name (ILIKE, which these
trigram indexes serve). Django's icontains compared UPPER(column) and no index served it:
at full scale (1 M accounts) a substring nobody has walked every account along the email
index, 3.0 s for the page and 0.6 s for its capped count. Built CONCURRENTLY: sign-ups and
logins go on while they build."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0012_session_read"),
        ("catalog", "0001_initial"),  # CREATE EXTENSION pg_trgm
    ]

    operations = [
        AddIndexConcurrently(
            model_name="user",
            index=GinIndex(fields=["email"], name="accounts_user_email_trgm", opclasses=["gin_trgm_ops"]),
        ),
        AddIndexConcurrently(
            model_name="user",
            index=GinIndex(fields=["full_name"], name="accounts_user_name_trgm", opclasses=["gin_trgm_ops"]),
        ),
    ]
