"""manage.py check_integrity: run every integrity check; exit non-zero if any fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from catalog.integrity import CheckResult, run_catalog_checks
from orders.integrity import run_order_checks

# (label, function running a group of checks). Other apps add theirs here, e.g.
# ("orders", orders.integrity.run_order_checks); each returns one CheckResult per check.
CHECK_GROUPS: list[tuple[str, Callable[[], list[CheckResult]]]] = [
    ("catalog", run_catalog_checks),
    ("orders", run_order_checks),
]


class Command(BaseCommand):
    help = "Check stored derived values and database rules against a fresh computation; fail on any violation."

    def handle(self, *args: Any, **options: Any) -> None:
        failures: list[str] = []
        for group, run in CHECK_GROUPS:
            for result in run():
                status = self.style.SUCCESS("OK") if result.ok else self.style.ERROR("FAIL")
                self.stdout.write(f"{group}: {result.name:<28} {status}")
                if result.message:
                    failures.append(f"{group}: {result.message}")
        if failures:
            raise CommandError(
                f"{len(failures)} integrity check(s) failed:\n" + "\n".join(f"  - {f}" for f in failures)
            )
        self.stdout.write(self.style.SUCCESS("All integrity checks passed."))
