"""The append-only audit log. The table is created by SQL (it is partitioned by month
and guarded by triggers), so the model is unmanaged and read-only."""

from django.contrib.postgres.fields import ArrayField
from django.db import models


class AuditLog(models.Model):
    class Action(models.TextChoices):
        INSERT = "INSERT", "Insert"
        UPDATE = "UPDATE", "Update"
        DELETE = "DELETE", "Delete"

    id = models.BigIntegerField(primary_key=True)
    occurred_at = models.DateTimeField()
    table_name = models.TextField()
    row_key = models.TextField()
    action = models.TextField(choices=Action.choices)
    before = models.JSONField(null=True)
    after = models.JSONField(null=True)
    changed_fields = ArrayField(models.TextField(), null=True)
    db_role = models.TextField()
    app_user_id = models.BigIntegerField(null=True)
    txid = models.BigIntegerField()

    class Meta:
        managed = False
        db_table = "audit_log"
        ordering = ["-occurred_at", "-id"]
        verbose_name = "audit log entry"
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.action} {self.table_name}#{self.row_key} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"
