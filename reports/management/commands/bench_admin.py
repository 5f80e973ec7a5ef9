"""manage.py bench_admin: the back office's big lists, filters and searches, timed.

    manage.py bench_admin [--repeats 5] [--output BENCHMARKS.md]

Read-only for the data: the temporary superuser it logs in as lives in a transaction
that is rolled back. Writes the "admin" section of the report; see
reports/bench/admin.py for the method.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.bench import admin


class Command(BaseCommand):
    help = "Time the back office's order, payment, product, variant, review and customer lists and searches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeats", type=int, default=admin.DEFAULT_REPEATS, help="runs per request (5)")
        parser.add_argument("--output", default="BENCHMARKS.md", help="markdown report ('' to only print)")

    def handle(self, *args: Any, **options: Any) -> None:
        repeats = int(options["repeats"])
        if not 1 <= repeats <= 50:
            raise CommandError("--repeats must be between 1 and 50")
        from reports.bench import report

        report.as_the_web_login()
        try:
            results = admin.run_bench(repeats=repeats, progress=self.stdout.write)
        except admin.BenchError as exc:
            raise CommandError(str(exc)) from exc

        markdown = admin.render(results, report.environment(), repeats)
        report.publish(self, "admin", markdown, options["output"])
        over = [r for r in results if not r.within_budget]
        if over:
            self.stdout.write(self.style.WARNING(f"{len(over)} request(s) over the {admin.BUDGET_MS:g} ms budget"))
