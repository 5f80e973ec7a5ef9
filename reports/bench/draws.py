"""Bench fixtures and the randomized, deterministic parameter draws of each pattern.

Everything here runs inside the benchmark's outer transaction, which is rolled back at
the end: the shoppers' carts, saved cards and wishlists, the shipping method and the
promotions the data set lacks are created for the run and vanish with it.
"""

from __future__ import annotations

import datetime
import random
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.db import connection
from django.utils import timezone

from accounts.models import PaymentMethod, User
from catalog import selectors as catalog_selectors
from catalog.models import Category, WishlistItem
from orders import selectors as order_selectors
from orders import sellers as order_sellers
from orders import services as order_services
from orders.models import Cart, CartItem, ShippingMethod
from processor import tokenize
from promotions.models import Promotion
from reports import selectors as report_selectors
from reports.bench import queries
from shopwave import dbcontext

FIXTURE_SHOPPERS = 200  # shoppers given a cart, a saved card and a wishlist for the run
BENCH_CARD = "4242424242424242"
BENCH_SHIPPING_CODE = "bench-standard"
_WORD = re.compile(r"[a-z]{3,}")


@dataclass
class Draw:
    """One parameter draw: what to call, in which request identity."""

    label: str
    run: Callable[[], object]
    role: str = dbcontext.CUSTOMER
    user_id: int | None = None
    seller_id: int | None = None
    write: bool = False  # rolled back after timing (always true for the outer run)


@dataclass(frozen=True)
class PatternSpec:
    id: str
    title: str
    target_ms: float
    role: str

    @property
    def goal_ms(self) -> float:
        return self.target_ms / 10


PATTERNS: dict[str, PatternSpec] = {
    p.id: p
    for p in [
        PatternSpec("QP-01", "product search: keyword + category + price range, sorted", 50, "customer"),
        PatternSpec("QP-02", "product detail page", 10, "customer"),
        PatternSpec("QP-03", "cart contents", 5, "customer"),
        PatternSpec("QP-04", "place order (rolled back)", 100, "customer"),
        PatternSpec("QP-05", "order history", 20, "customer"),
        PatternSpec("QP-06", "seller dashboard, 12 months", 200, "seller"),
        PatternSpec("QP-07", "top-rated in a category", 30, "customer"),
        PatternSpec("QP-08", "admin sales report by category (analytics view)", 200, "manager"),
        PatternSpec("QP-09", "validate and apply a promotion code", 500, "customer"),
        PatternSpec("QP-10", "wishlist display", 200, "customer"),
    ]
}


@dataclass
class Shopper:
    user: User
    address_id: int
    card_id: int
    heavy: bool


@dataclass
class Pools:
    """What the draws choose from, read from the loaded data set."""

    common_words: list[str] = field(default_factory=list)
    rare_words: list[str] = field(default_factory=list)
    big_categories: list[Category] = field(default_factory=list)
    small_categories: list[Category] = field(default_factory=list)
    slugs: list[str] = field(default_factory=list)
    popular_slugs: list[str] = field(default_factory=list)
    price_quantiles: tuple[Decimal, Decimal, Decimal] = (Decimal(5), Decimal(30), Decimal(200))
    shoppers: list[Shopper] = field(default_factory=list)
    history_users: list[tuple[User, bool]] = field(default_factory=list)  # (user, heavy)
    sellers: list[tuple[int, bool]] = field(default_factory=list)  # (seller id, big)
    promotion_codes: list[str] = field(default_factory=list)
    shipping_code: str = BENCH_SHIPPING_CODE
    last_order: datetime.datetime | None = None
    notes: dict[str, list[str]] = field(default_factory=dict)

    def note(self, pattern: str, text: str) -> None:
        self.notes.setdefault(pattern, []).append(text)


def _fetch(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def row_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for label, table in queries.ROW_COUNT_TABLES:
        counts[label] = int(_fetch(queries.COUNT_SQL.format(table=table))[0][0])
    return counts


def _stride(total: int, wanted: int) -> int:
    return max(1, total // max(wanted, 1))


def build_pools(rng: random.Random, counts: dict[str, int]) -> Pools:
    """Read the parameter pools and create the run's fixtures (as the owner login)."""
    pools = Pools()
    products = counts["products"]
    names = [r[0] for r in _fetch(queries.PRODUCT_NAMES_SQL, [_stride(products, 5000), 5000])]
    freq: Counter[str] = Counter(w for n in names for w in set(_WORD.findall(n.lower())))
    searchable = {r[0] for r in _fetch(queries.SEARCHABLE_WORDS_SQL, [sorted(freq)])}
    ranked = sorted(((w, c) for w, c in freq.items() if w in searchable), key=lambda kv: (-kv[1], kv[0]))
    pools.common_words = [w for w, _ in ranked[:60]]
    pools.rare_words = sorted(w for w, c in ranked if c <= 2)[:2000] or pools.common_words[-10:]
    pools.slugs = [r[0] for r in _fetch(queries.PRODUCT_SLUGS_SQL, [_stride(products, 5000), 5000])]
    pools.popular_slugs = [r[0] for r in _fetch(queries.POPULAR_SLUGS_SQL, [200])]
    quantiles = _fetch(queries.PRICE_QUANTILES_SQL)[0][0]
    if quantiles:
        low, mid, high = (Decimal(str(q)).quantize(Decimal("0.01")) for q in quantiles)
        pools.price_quantiles = (low, mid, high)

    sizes = _fetch(queries.CATEGORY_SIZES_SQL)
    by_id = Category.objects.in_bulk([r[0] for r in sizes])
    nonempty = [by_id[r[0]] for r in sizes if r[1] > 0]
    cut = max(1, len(nonempty) // 10)
    pools.big_categories = nonempty[:cut]  # the largest tenth (top levels, big subtrees)
    pools.small_categories = nonempty[-max(1, len(nonempty) // 2) :]  # the smaller half (leaves)

    _build_shoppers(rng, pools, counts)
    _build_sellers(pools)
    _build_promotions(pools)
    last = _fetch(queries.LAST_ORDER_SQL)[0][0]
    pools.last_order = last
    if counts["orders"] == 0:
        for pattern in ("QP-05", "QP-06", "QP-08"):
            pools.note(pattern, "no orders in data set")
    # Fresh planner statistics for the fixture rows (rolled back with the run).
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE orders_cart, orders_cart_item, catalog_wishlist_item, accounts_payment_method,"
            " promotions_promotion, orders_shipping_method"
        )
    return pools


def _build_shoppers(rng: random.Random, pools: Pools, counts: dict[str, int]) -> None:
    candidates = _fetch(queries.SHOPPERS_SQL, [_stride(counts["users"], 4000), 4000])
    if not candidates:
        return
    # Heavy shoppers: most orders, then most reviews; light: a random pick of the rest.
    ranked = sorted(candidates, key=lambda r: (-r[2], -r[3], r[0]))
    n = min(FIXTURE_SHOPPERS, len(ranked))
    heavy_rows = ranked[: max(1, n // 4)]
    rest = ranked[len(heavy_rows) :]
    light_rows = rng.sample(rest, min(len(rest), n - len(heavy_rows)))
    chosen = [(r, True) for r in heavy_rows] + [(r, False) for r in light_rows]
    users = User.objects.in_bulk([r[0] for r, _ in chosen])

    shipping = ShippingMethod.objects.filter(is_active=True).order_by("position", "price").first()
    if shipping is None:
        shipping = ShippingMethod.objects.create(
            code=BENCH_SHIPPING_CODE, name="Standard (bench)", price=Decimal("4.99"), free_over=Decimal("50.00")
        )
        pools.note("QP-04", "shipping method created for the run")
    pools.shipping_code = shipping.code

    card = tokenize(number=BENCH_CARD, exp_month=12, exp_year=timezone.now().year + 5, cvc="123")
    methods = PaymentMethod.objects.bulk_create(
        PaymentMethod(
            user_id=r[0],
            processor_token=card.token,
            brand=card.brand,
            last4=card.last4,
            exp_month=12,
            exp_year=timezone.now().year + 5,
            cardholder_name="Bench Shopper",
            is_default=False,
        )
        for r, _ in chosen
    )
    carts = Cart.objects.bulk_create(Cart(user_id=r[0], token=uuid.UUID(int=rng.getrandbits(128))) for r, _ in chosen)
    # One cart per user: SHOPPERS_SQL picks only users who have none yet.
    variants = [r[0] for r in _fetch(queries.VARIANTS_FOR_CARTS_SQL, [_stride(counts["variants"], 5000), 5000])]
    product_ids = [r[0] for r in _fetch("SELECT id FROM catalog_product WHERE is_listed ORDER BY id LIMIT 20000")]
    items: list[CartItem] = []
    wishes: list[WishlistItem] = []
    for cart, ((row, heavy), method) in zip(carts, zip(chosen, methods, strict=True), strict=True):
        for variant_id in rng.sample(variants, min(len(variants), rng.randint(1, 6))):
            items.append(CartItem(cart=cart, variant_id=variant_id, quantity=rng.randint(1, 2)))
        size = rng.randint(40, 150) if heavy else rng.randint(1, 12)
        for product_id in rng.sample(product_ids, min(len(product_ids), size)):
            wishes.append(WishlistItem(user_id=row[0], product_id=product_id))
        pools.shoppers.append(Shopper(users[row[0]], int(row[1]), int(method.pk), heavy))
    CartItem.objects.bulk_create(items)
    WishlistItem.objects.bulk_create(wishes, ignore_conflicts=True)

    heavy_ids = [r[0] for r in _fetch(queries.HEAVY_ORDER_USERS_SQL, [50])] if counts["orders"] else []
    heavy_users = User.objects.in_bulk(heavy_ids)
    pools.history_users = [(heavy_users[i], True) for i in heavy_ids if i in heavy_users]
    pools.history_users += [(s.user, False) for s in pools.shoppers if not s.heavy]


def _build_sellers(pools: Pools) -> None:
    rows = _fetch(queries.SELLERS_SQL)
    cut = max(1, len(rows) // 10)
    pools.sellers = [(int(r[0]), i < cut) for i, r in enumerate(rows)]


def _build_promotions(pools: Pools) -> None:
    codes = [r[0] for r in _fetch(queries.ACTIVE_PROMOTIONS_SQL)]
    if len(codes) < 3:
        now = timezone.now()
        year = datetime.timedelta(days=365)
        made = [
            Promotion(code="BENCH10", kind="percentage", value=Decimal(10), starts_at=now - year, ends_at=now + year),
            Promotion(
                code="BENCH5OFF",
                kind="fixed",
                value=Decimal(5),
                minimum_purchase=Decimal(20),
                starts_at=now - year,
                ends_at=now + year,
                max_uses=1_000_000,
            ),
            Promotion(code="BENCHCAT", kind="percentage", value=Decimal(15), starts_at=now - year, ends_at=now + year),
            Promotion(
                code="BENCHOLD", kind="percentage", value=Decimal(20), starts_at=now - 2 * year, ends_at=now - year
            ),
        ]
        for promo in made:
            if promo.code == "BENCHCAT":
                promo.scope = Promotion.Scope.CATEGORIES
            promo.save()
            if promo.code == "BENCHCAT" and pools.big_categories:
                promo.categories.add(*pools.big_categories[:3])
        pools.note(
            "QP-09",
            f"data set has {len(codes)} active promotions: 4 created for the run (site %, fixed, category, expired)",
        )
        codes += [p.code for p in made]
    pools.promotion_codes = [*codes, "NOSUCHCODE"]


# --- Draws ---------------------------------------------------------------------------------


def _search_words(rng: random.Random, pools: Pools) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.5 or not pools.rare_words:
        return rng.choice(pools.common_words), "common"
    if roll < 0.8:
        return rng.choice(pools.rare_words), "rare"
    if roll < 0.9:
        return " ".join(rng.sample(pools.common_words, 2)), "two words"
    word = rng.choice(pools.common_words)
    i = rng.randrange(1, len(word))
    return word[:i] + word[i + 1 :], "typo"  # a dropped letter: exercises typo correction


def _category(rng: random.Random, pools: Pools) -> tuple[Category | None, str]:
    if rng.random() < 0.5 and pools.big_categories:
        return rng.choice(pools.big_categories), "big"
    if pools.small_categories:
        return rng.choice(pools.small_categories), "small"
    return None, "none"


def _maybe_user(rng: random.Random, pools: Pools) -> User | None:
    if pools.shoppers and rng.random() < 0.5:
        return rng.choice(pools.shoppers).user
    return None


def draw_qp01(rng: random.Random, pools: Pools) -> Draw:
    words, kind = _search_words(rng, pools)
    category, size = _category(rng, pools)
    low, mid, _high = pools.price_quantiles
    lo = Decimal(str(round(rng.uniform(float(low), float(mid)), 0)))
    hi = (lo * Decimal(rng.choice([2, 3, 5, 10]))).quantize(Decimal(1))
    sort = rng.choices(["relevance", "price_asc", "price_desc", "newest", "rating"], [40, 20, 10, 15, 15])[0]
    filters = catalog_selectors.ListingFilters(
        query=words, category=category, min_price=lo, max_price=hi, sort=sort, in_stock=rng.random() < 0.3
    )

    def run() -> object:
        page = catalog_selectors.product_listing(filters=filters)
        return catalog_selectors.search_facets(filters=filters, mode=page.mode, searched=page.searched, page=page)

    user = _maybe_user(rng, pools)
    label = f"q={words!r} ({kind}) category={category.slug if category else '-'} ({size}) {lo}-{hi} sort={sort}"
    return Draw(label, run, user_id=user.pk if user else None)


def draw_qp02(rng: random.Random, pools: Pools) -> Draw:
    popular = rng.random() < 0.5 and pools.popular_slugs
    slug = rng.choice(pools.popular_slugs if popular else pools.slugs)
    user = _maybe_user(rng, pools)
    return Draw(
        f"slug={slug} ({'popular' if popular else 'any'}) {'logged in' if user else 'anonymous'}",
        lambda: catalog_selectors.product_page(slug=slug, user=user),
        user_id=user.pk if user else None,
    )


def draw_qp03(rng: random.Random, pools: Pools) -> Draw:
    shopper = rng.choice(pools.shoppers)

    def run() -> object:
        return order_selectors.cart_page(user=shopper.user, session=SessionStore())

    return Draw(f"user={shopper.user.pk}", run, user_id=shopper.user.pk)


def draw_qp04(rng: random.Random, pools: Pools) -> Draw:
    shopper = rng.choice(pools.shoppers)
    key = uuid.UUID(int=rng.getrandbits(128))
    code = rng.choice(["", "", "", *pools.promotion_codes[:2]])

    def run() -> object:
        try:
            return order_services.order_place(
                address_id=shopper.address_id,
                shipping_code=pools.shipping_code,
                payment_method_id=shopper.card_id,
                promotion_code=code,
                idempotency_key=key,
            )
        except order_services.OrderError as exc:  # a refused order is a valid outcome to time
            return exc

    return Draw(f"user={shopper.user.pk} promo={code or '-'}", run, user_id=shopper.user.pk, write=True)


def draw_qp05(rng: random.Random, pools: Pools) -> Draw:
    heavy = rng.random() < 0.5 and any(h for _, h in pools.history_users)
    users = [u for u, h in pools.history_users if h == heavy] or [u for u, _ in pools.history_users]
    user = rng.choice(users)
    return Draw(
        f"user={user.pk} ({'heavy' if heavy else 'light'})",
        lambda: order_selectors.order_history(user=user),
        user_id=user.pk,
    )


def _period_end(pools: Pools) -> datetime.datetime:
    return pools.last_order or timezone.now()


def draw_qp06(rng: random.Random, pools: Pools) -> Draw:
    big = rng.random() < 0.5
    seller_id = rng.choice([s for s, b in pools.sellers if b == big] or [s for s, _ in pools.sellers])
    return Draw(
        f"seller={seller_id} ({'big' if big else 'small'})",
        lambda: order_sellers.monthly_sales(seller_id=seller_id),
        role=dbcontext.SELLER,
        seller_id=seller_id,
    )


def draw_qp07(rng: random.Random, pools: Pools) -> Draw:
    category, size = _category(rng, pools)
    return Draw(
        f"category={category.slug if category else '-'} ({size})",
        lambda: catalog_selectors.top_rated(category=category),
    )


def draw_qp08(rng: random.Random, pools: Pools) -> Draw:
    days = rng.choice([7, 30, 90, 365])
    end = _period_end(pools) - datetime.timedelta(days=rng.randint(0, 700))
    start = end - datetime.timedelta(days=days)
    return Draw(
        f"{start:%Y-%m-%d}..{end:%Y-%m-%d} ({days} days)",
        lambda: report_selectors.sales_by_category(start=start, end=end),
        role=dbcontext.MANAGER,
    )


def draw_qp09(rng: random.Random, pools: Pools) -> Draw:
    shopper = rng.choice(pools.shoppers)
    code = rng.choice(pools.promotion_codes)
    return Draw(
        f"user={shopper.user.pk} code={code}",
        lambda: order_services.checkout_quote(
            address_id=shopper.address_id, shipping_code=pools.shipping_code, promotion_code=code
        ),
        user_id=shopper.user.pk,
    )


def draw_qp10(rng: random.Random, pools: Pools) -> Draw:
    shopper = rng.choice(pools.shoppers)
    return Draw(
        f"user={shopper.user.pk} ({'heavy' if shopper.heavy else 'light'})",
        lambda: catalog_selectors.wishlist(user=shopper.user),
        user_id=shopper.user.pk,
    )


DRAWERS: dict[str, Callable[[random.Random, Pools], Draw]] = {
    "QP-01": draw_qp01,
    "QP-02": draw_qp02,
    "QP-03": draw_qp03,
    "QP-04": draw_qp04,
    "QP-05": draw_qp05,
    "QP-06": draw_qp06,
    "QP-07": draw_qp07,
    "QP-08": draw_qp08,
    "QP-09": draw_qp09,
    "QP-10": draw_qp10,
}


def unavailable(pattern: str, pools: Pools) -> str | None:
    """Why a pattern cannot be drawn on this data set, or None."""
    needs_shoppers = {"QP-03", "QP-04", "QP-05", "QP-09", "QP-10"}
    if pattern in needs_shoppers and not pools.shoppers:
        return "no customers with an address in data set"
    if pattern in {"QP-01", "QP-02"} and not pools.slugs:
        return "no listed products in data set"
    if pattern == "QP-06" and not pools.sellers:
        return "no sellers in data set"
    return None
