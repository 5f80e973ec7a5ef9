"""Demo accounts: a shopper with an address book and a saved card, and a staff user.

Built through the same services a person uses, so the rows pass every policy and
trigger a real sign-up would. The catalog and orders add their own demo data later.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts import services
from accounts.models import Address, User
from processor import tokenize
from shopwave import dbcontext

DEMO_PASSWORD = "shopwave-demo-2026"  # noqa: S105 -- public demo login, local data only


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


DEMO_LOGINS = [
    DemoLogin("shopper", "shopper@shopwave.example", DEMO_PASSWORD),
    DemoLogin("staff (back office)", "staff@shopwave.example", DEMO_PASSWORD),
    DemoLogin("seller (/seller/)", "seller@shopwave.example", DEMO_PASSWORD),
]


def seed_accounts() -> None:
    """Create the demo logins if they are missing (idempotent)."""
    with transaction.atomic():
        if not User.objects.filter(email="staff@shopwave.example").exists():
            User.objects.create_superuser("staff@shopwave.example", DEMO_PASSWORD, full_name="Sam Staff")
        if User.objects.filter(email="shopper@shopwave.example").exists():
            return
        shopper = services.user_register(
            email="shopper@shopwave.example", password=DEMO_PASSWORD, full_name="Alex Shopper"
        )
        # user_register switched this transaction to act as the shopper, under RLS.
        services.address_save(
            user=shopper,
            address=Address(
                label="Home",
                full_name="Alex Shopper",
                line1="12 Harbour Street",
                city="Portland",
                region="ME",
                postal_code="04101",
                country="US",
                phone="+1 207 555 0142",
            ),
        )
        services.address_save(
            user=shopper,
            address=Address(
                label="Office",
                full_name="Alex Shopper",
                line1="400 Congress Street",
                line2="Suite 5",
                city="Portland",
                region="ME",
                postal_code="04101",
                country="US",
            ),
        )
        card = tokenize(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123")
        services.payment_method_add(user=shopper, card=card, cardholder_name="Alex Shopper")
        dbcontext.clear_user_context()
