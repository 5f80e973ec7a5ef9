from django.core.management.base import BaseCommand

from accounts.demo import seed_accounts
from accounts.models import User


class Command(BaseCommand):
    help = "Load the small demo data set (demo logins and their data)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any account exists.")

    def handle(self, *args, if_empty: bool = False, **options):  # type: ignore[no-untyped-def]
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has data: demo data not loaded.")
            return
        seed_accounts()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
