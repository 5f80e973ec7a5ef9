from django.core.management.base import BaseCommand

from accounts.demo import DEMO_LOGINS


class Command(BaseCommand):
    help = "Print where the shop is served and the demo logins (used by `make run`)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url: str, **options):  # type: ignore[no-untyped-def]
        base = url.rstrip("/")
        lines = [
            "",
            "ShopWave is starting.",
            f"  Storefront   {base}/",
            f"  Back office  {base}/admin/",
            f"  Health       {base}/healthz",
            "  Demo logins (local demo data only):",
        ]
        lines += [f"    {login.role:<22} {login.email:<28} {login.password}" for login in DEMO_LOGINS]
        lines += ["  Stop with Ctrl-C; `make db-stop` stops PostgreSQL.", ""]
        self.stdout.write("\n".join(lines))
