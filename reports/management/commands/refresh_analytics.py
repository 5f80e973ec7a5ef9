import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from reports import refresh


class Command(BaseCommand):
    help = (
        "Refresh the analytics materialized views (CONCURRENTLY: the shop keeps taking orders) and the "
        "search's best matches of frequent words. "
        "Run from cron, e.g. hourly; reports are as fresh as the last run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jobs",
            type=int,
            default=2,
            help="views refreshed at a time, each on its own connection (default 2; 1: one session, in order)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = int(options["jobs"])
        if not 1 <= jobs <= len(refresh.VIEWS):
            raise CommandError(f"--jobs must be between 1 and {len(refresh.VIEWS)}")
        started = time.monotonic()
        for view, seconds, count in refresh.refresh_views(jobs=jobs):
            self.stdout.write(f"refreshed {view:<30} {count:>10,} rows  {seconds:>8.3f} s")
        self.stdout.write(f"analytics views: {time.monotonic() - started:.1f} s with {jobs} job(s)")
        # The search's precomputed lists of frequent words (catalog 0016, 0022): exact at
        # any age, faster the fresher (products changed since are keyed live); and their
        # facet counts by price band (catalog 0023), which are as of this refresh.
        started = time.monotonic()
        with connection.cursor() as cursor:
            cursor.execute("SELECT catalog_search_terms_refresh()")
            count = cursor.fetchone()[0]
        seconds = time.monotonic() - started
        self.stdout.write(f"refreshed {'catalog_search_term':<30} {count:>10,} rows  {seconds:>8.3f} s")
