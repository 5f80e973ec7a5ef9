import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = (
        "Refresh the analytics materialized views (CONCURRENTLY: the shop keeps taking orders) and the "
        "search's best matches of frequent words. "
        "Run from cron, e.g. hourly; reports are as fresh as the last run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT view_name, seconds, row_count FROM reports_refresh_analytics()")
            rows = cursor.fetchall()
        for view, seconds, count in rows:
            self.stdout.write(f"refreshed {view:<30} {count:>10,} rows  {seconds:>8.3f} s")
        # The search's precomputed best matches of frequent words (catalog 0016): exact
        # at any age, faster the fresher (products changed since are ranked live).
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SELECT catalog_search_terms_refresh()")
            count = cursor.fetchone()[0]
        seconds = time.monotonic() - started
        self.stdout.write(f"refreshed {'catalog_search_term':<30} {count:>10,} rows  {seconds:>8.3f} s")
