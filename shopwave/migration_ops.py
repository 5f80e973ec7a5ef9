"""Migration operations shared by several apps (kept small and stable: migrations import them)."""

from __future__ import annotations

from django.db import migrations, models


def drop_index_only(
    *, state_operations: list[migrations.operations.base.Operation], table: str, index: str, columns: str
) -> migrations.SeparateDatabaseAndState:
    """Record `state_operations` in Django's model state; in the database only drop `index`.

    For a field's own index that another index already serves (`db_index=False` on a
    foreign key): Django's AlterField would also drop and re-add the foreign key, which
    re-checks every row under an exclusive lock (minutes on the 25 M order lines). The
    reverse re-creates the index on `columns` (an SQL column list).
    """
    return migrations.SeparateDatabaseAndState(
        state_operations=state_operations,
        database_operations=[
            migrations.RunSQL(f"DROP INDEX {index}", reverse_sql=f"CREATE INDEX {index} ON {table} ({columns})")
        ],
    )


def fk_without_index(
    *, model_name: str, table: str, name: str, field: models.ForeignKey, index: str
) -> migrations.SeparateDatabaseAndState:
    """`db_index=False` on the foreign key `name` (its column is `<name>_id`): drop `index`."""
    return drop_index_only(
        state_operations=[migrations.AlterField(model_name=model_name, name=name, field=field)],
        table=table,
        index=index,
        columns=f"{name}_id",
    )


def unique_constraint_without_like_index(
    *, model_name: str, table: str, field_name: str, field: models.Field, constraint_name: str, like_index: str
) -> migrations.SeparateDatabaseAndState:
    """Turn `unique=True` on a varchar column into a UniqueConstraint of the same name.

    `unique=True` on a CharField makes Django add a second index with
    varchar_pattern_ops (`…_like`) for `LIKE 'prefix%'` queries that ShopWave never runs;
    a UniqueConstraint does not. `constraint_name` is the name PostgreSQL gave the
    column's UNIQUE constraint, so the database keeps that constraint and its index as
    they are (no rebuild, no moment without uniqueness): only the `_like` index is dropped.
    """
    return drop_index_only(
        state_operations=[
            migrations.AlterField(model_name=model_name, name=field_name, field=field),
            migrations.AddConstraint(
                model_name=model_name,
                constraint=models.UniqueConstraint(fields=[field_name], name=constraint_name),
            ),
        ],
        table=table,
        index=like_index,
        columns=f"{field_name} varchar_pattern_ops",
    )
