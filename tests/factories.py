from __future__ import annotations

import factory

from accounts.models import Address, PaymentMethod, User
from processor import tokenize

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    full_name = factory.Faker("name")

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        obj.set_password(extracted or TEST_PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@shopwave.example")
    is_staff = True


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    label = "Home"
    full_name = factory.LazyAttribute(lambda a: a.user.full_name or "A Shopper")
    line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    postal_code = factory.Faker("postcode")
    country = "US"
    is_default = False


class PaymentMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentMethod

    user = factory.SubFactory(UserFactory)
    cardholder_name = factory.LazyAttribute(lambda p: p.user.full_name or "A Shopper")
    is_default = False

    @factory.lazy_attribute_sequence
    def processor_token(self, n: int) -> str:  # type: ignore[no-untyped-def]
        return tokenize(number="4242424242424242", exp_month=1 + n % 12, exp_year=2031 + n // 12, cvc="123").token

    brand = "visa"
    last4 = "4242"
    exp_month = 12
    exp_year = 2031
