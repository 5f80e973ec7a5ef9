"""The back office's order list reads the newest orders (ORDER BY placed_at DESC, id DESC)
and date ranges: without an index on placed_at each page sorted all 10 M orders (30 s at
full scale, BENCHMARKS.md "Back office at full scale"). Built CONCURRENTLY: orders keep
being placed while it builds (~15 s at full scale)."""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0008_drop_redundant_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="order",
            index=models.Index(fields=["placed_at"], name="orders_order_placed_idx"),
        ),
    ]
