from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "Refresh the analytics materialized views (CONCURRENTLY: the shop keeps taking orders). "
        "Run from cron, e.g. hourly; reports are as fresh as the last run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT view_name, seconds, row_count FROM reports_refresh_analytics()")
            rows = cursor.fetchall()
        for view, seconds, count in rows:
            self.stdout.write(f"refreshed {view:<30} {count:>10,} rows  {seconds:>8.3f} s")
