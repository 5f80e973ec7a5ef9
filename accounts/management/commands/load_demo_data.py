from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from accounts.demo import seed_accounts
from accounts.models import User
from catalog.datagen import DataGenError, generate
from catalog.models import Product
from orders.demo import seed_orders, seed_reference_data, seed_seller_login


class Command(BaseCommand):
    help = (
        "Load the small demo data set: demo logins, a generated demo catalog (the `demo` scale of "
        "generate_data), shipping methods, tax rates, promotions and demo orders in every status."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if any account exists.")
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args, if_empty: bool = False, seed: int = 42, **options):  # type: ignore[no-untyped-def]
        if if_empty and User.objects.exists():
            self.stdout.write("Database already has data: demo data not loaded.")
            return
        seed_accounts()
        if not Product.objects.exists():
            try:
                generate(scale="demo", seed=seed, out=self.stdout)
            except DataGenError as exc:
                raise CommandError(str(exc)) from exc
        seed_reference_data()
        # Demo orders are for looking at, not for mailing: their notifications are dropped.
        with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}):
            orders = seed_orders()
        seed_seller_login()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded ({orders} demo orders)."))
