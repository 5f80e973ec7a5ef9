from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.db import transaction
from django.utils import timezone

from accounts.models import Address, PaymentMethod, Seller, User
from catalog.models import Category, Product, ProductCategory, Review, Variant
from orders.models import ShippingMethod, TaxRate
from processor import tokenize
from promotions.models import Promotion

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


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    company_name = factory.Sequence(lambda n: f"Seller {n} Ltd")
    slug = factory.Sequence(lambda n: f"seller-{n}")
    contact_email = factory.Sequence(lambda n: f"contact{n}@seller.example")
    commission_rate = Decimal("0.1000")
    is_active = True


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")
    parent = None


class ProductFactory(factory.django.DjangoModelFactory):
    """An active product with one variant (the database requires one) in `categories`."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    @classmethod
    def _generate(cls, strategy, params):  # type: ignore[no-untyped-def]
        # Product and variants in one transaction: a deferred trigger checks at commit.
        with transaction.atomic():
            return super()._generate(strategy, params)

    seller = factory.SubFactory(SellerFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    brand = "Acme"
    description = "A fine product."
    status = Product.Status.ACTIVE

    @factory.post_generation
    def variants(obj: Product, create: bool, extracted: list[dict] | None, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if not create:
            return
        for n, spec in enumerate(extracted or [{}]):
            Variant.objects.create(
                product=obj,
                sku=spec.get("sku", f"{obj.slug}-v{n}"),
                name=spec.get("name", f"Variant {n}"),
                price=spec.get("price", kwargs.get("price", Decimal("19.99"))),
                stock=spec.get("stock", kwargs.get("stock", 10)),
                attributes=spec.get("attributes", {}),
            )
        obj.refresh_from_db()

    @factory.post_generation
    def categories(obj: Product, create: bool, extracted: list[Category] | None, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if create and extracted:
            ProductCategory.objects.bulk_create([ProductCategory(product=obj, category=c) for c in extracted])
            obj.refresh_from_db()


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    user = factory.SubFactory(UserFactory)
    rating = 5
    title = "Great"
    body = "Does what it says."
    status = Review.Status.PUBLISHED


class ShippingMethodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingMethod
        django_get_or_create = ("code",)

    code = "standard"
    name = "Standard delivery"
    price = Decimal("4.99")
    free_over = Decimal("50.00")


class TaxRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRate

    country = "US"
    region = "ME"
    name = "Maine sales tax"
    rate = Decimal("0.05500")
    valid_from = datetime.date(2020, 1, 1)


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SAVE{n}")
    kind = "percentage"
    value = Decimal("10")
    starts_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))

    @factory.post_generation
    def products(obj: Promotion, create: bool, extracted: list[Product] | None, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if create and extracted:
            obj.products.set(extracted)

    @factory.post_generation
    def categories(obj: Promotion, create: bool, extracted: list[Category] | None, **kwargs):  # type: ignore[no-untyped-def]  # noqa: N805
        if create and extracted:
            obj.categories.set(extracted)
