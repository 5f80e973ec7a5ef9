from django.core.management.base import BaseCommand, CommandError
from django.db import connection


class Command(BaseCommand):
    help = "Create the audit log's monthly partitions up to N months ahead (run monthly from cron)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--months-ahead", type=int, default=3)

    def handle(self, *args, months_ahead: int, **options):  # type: ignore[no-untyped-def]
        if not 0 <= months_ahead <= 120:
            raise CommandError("--months-ahead must be between 0 and 120")
        with connection.cursor() as cursor:
            cursor.execute("SELECT audit_ensure_partitions(%s)", [months_ahead])
            created = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = 'audit_log'::regclass ORDER BY c.relname"
            )
            existing = [row[0] for row in cursor.fetchall()]
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(f"{len(existing)} partitions: {', '.join(existing)}")
