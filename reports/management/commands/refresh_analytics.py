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
            help=(
                "refreshes at a time (the views and the search's lists), each on its own connection"
                " (default 2; 1: one session, in order)"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = int(options["jobs"])
        if not 1 <= jobs <= len(refresh.VIEWS):
            raise CommandError(f"--jobs must be between 1 and {len(refresh.VIEWS)}")
        started = time.monotonic()
        # The search's precomputed lists of frequent words (catalog 0016, 0022): exact at
        # any age, faster the fresher (products changed since are keyed live); and their
        # facet counts by price band (catalog 0023), which are as of this refresh. Not a
        # view, but in the same pool, first: the longest task (full scale: 130-150 s, the
        # views 40-90 s each), so the other connection refreshes views meanwhile.
        for name, seconds, count in refresh.refresh_views(jobs=jobs, also=[_search_terms]):
            self.stdout.write(f"refreshed {name:<30} {count:>10,} rows  {seconds:>8.3f} s")
        self.stdout.write(f"analytics views and search lists: {time.monotonic() - started:.1f} s with {jobs} job(s)")


def _search_terms() -> refresh.Refreshed:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_search_terms_refresh()")
        count = int(cursor.fetchone()[0])
    return "catalog_search_term", time.monotonic() - started, count
