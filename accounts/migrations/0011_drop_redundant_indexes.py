"""Drop indexes nothing needs: a foreign key's own index where a composite index starts
with the same column, and the `_like` pattern index of a unique email (see
shopwave.migration_ops). Measured at full scale: docs in BENCHMARKS.md."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from shopwave.migration_ops import fk_without_index, unique_constraint_without_like_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_staff_group_context"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        # accounts_payment_method_token_per_user (user_id, processor_token) serves it.
        fk_without_index(
            model_name="paymentmethod",
            table="accounts_payment_method",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DB_CASCADE,
                related_name="payment_methods",
                to=settings.AUTH_USER_MODEL,
            ),
            index="accounts_payment_method_user_id_7c0bbe84",
        ),
        # accounts_seller_member_unique (seller_id, user_id) serves it.
        fk_without_index(
            model_name="sellermember",
            table="accounts_seller_member",
            name="seller",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DB_CASCADE,
                related_name="memberships",
                to="accounts.seller",
            ),
            index="accounts_seller_member_seller_id_a2b4b99c",
        ),
        unique_constraint_without_like_index(
            model_name="user",
            table="accounts_user",
            field_name="email",
            field=models.EmailField(max_length=254, verbose_name="email address"),
            constraint_name="accounts_user_email_key",
            like_index="accounts_user_email_b2644a56_like",
        ),
    ]
