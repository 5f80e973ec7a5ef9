import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orders import sellers


def _period(value: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except ValueError as exc:
        raise CommandError(f"--period must look like 2026-10, got {value!r}") from exc


class Command(BaseCommand):
    help = "Create seller payouts for a closed month from delivered lines (idempotent)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--period", required=True, metavar="YYYY-MM")

    def handle(self, *args: Any, period: str, **options: Any) -> None:
        try:
            run = sellers.compute_payouts(period=_period(period))
        except sellers.SellerError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"{run.period:%Y-%m}: {run.created} payout(s) created, {run.existing} already existed.")
