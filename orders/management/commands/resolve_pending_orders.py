from django.core.management.base import BaseCommand, CommandError

from orders import services


class Command(BaseCommand):
    help = (
        "Finish payment sagas left half-done by a crash: orders still awaiting payment after "
        "--older-than minutes are authorized/captured (same idempotency keys) or marked failed. "
        "Idempotent; safe to run from cron."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--older-than", type=int, default=15, metavar="MINUTES")

    def handle(self, *args, older_than: int, **options):  # type: ignore[no-untyped-def]
        if older_than < 0 or older_than > 60 * 24 * 30:
            raise CommandError("--older-than must be between 0 and 43200 minutes")
        outcome = services.resolve_pending_orders(older_than_minutes=older_than)
        if not outcome:
            self.stdout.write("No pending orders to resolve.")
            return
        for status, count in sorted(outcome.items()):
            self.stdout.write(f"{count} order(s) now {status}")
