"""Drop the promotion foreign keys' own indexes: promotions_usage_unique and
promotions_redemption_user_idx, both (promotion_id, user_id), serve them."""

import django.db.models.deletion
from django.db import migrations, models

from shopwave.migration_ops import fk_without_index


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0002_redemption_limits"),
    ]

    operations = [
        fk_without_index(
            model_name="promotionusage",
            table="promotions_usage",
            name="promotion",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DB_CASCADE,
                related_name="usages",
                to="promotions.promotion",
            ),
            index="promotions_usage_promotion_id_bafb4b34",
        ),
        fk_without_index(
            model_name="redemption",
            table="promotions_redemption",
            name="promotion",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="redemptions",
                to="promotions.promotion",
            ),
            index="promotions_redemption_promotion_id_ae1e796b",
        ),
    ]
