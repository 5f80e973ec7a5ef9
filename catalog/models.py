"""The catalog: a category tree, products with variants and images, reviews, wishlists.

Derived values are kept by PostgreSQL triggers (migrations 0002 onwards), so admin
edits, bulk SQL and imports stay consistent:
- Category.path / depth            materialized path, re-pathed with the subtree on a move
- Product.search_vector            name (A) > brand (B) > names of its categories and their
                                   ancestors below the top level (C) > description (D)
- Product.price                    lowest active variant price (stock state is read from
                                   the variants: keeping it on the product would make checkouts
                                   lock product rows in an order that can deadlock)
- Product.rating_sum / rating_count  published reviews only (delta updates, never recounts)
- Product.is_listed                active product of an active seller
- updated_at columns
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now, Round

from accounts.models import Seller, User


class Category(models.Model):
    # DO_NOTHING: the database's ON DELETE NO ACTION refuses to delete a category that
    # still has children (the admin offers deletion only for empty leaves).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="children",
        help_text="Leave empty for a top-level category.",
        db_index=False,  # catalog_category_sibling_idx (parent, position) serves it
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order among its siblings.")
    # Maintained by the database: '/1/7/42/' (ids from the root), and 0 for top level.
    path = models.TextField(editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        db_table = "catalog_category"
        ordering = ["path"]
        verbose_name_plural = "categories"
        indexes = [
            models.Index(fields=["path"], name="catalog_category_path_idx", opclasses=["text_pattern_ops"]),
            models.Index(fields=["parent", "position"], name="catalog_category_sibling_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    # NO ACTION in the database: sellers with products are deactivated, not deleted.
    seller = models.ForeignKey(Seller, on_delete=models.DO_NOTHING, related_name="products", db_index=False)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, db_index=False)
    description = models.TextField(blank=True)
    brand = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(max_length=3, default="USD")
    cost = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), help_text="What the seller pays per unit."
    )
    categories = models.ManyToManyField(Category, through="ProductCategory", related_name="products")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Maintained by the database (read-only here).
    price = models.DecimalField(
        max_digits=12, decimal_places=2, editable=False, null=True, help_text="Lowest active variant price."
    )
    is_listed = models.BooleanField(editable=False, default=False)
    rating_sum = models.PositiveIntegerField(editable=False, default=0)
    rating_count = models.PositiveIntegerField(editable=False, default=0)
    rating_avg = models.GeneratedField(
        expression=models.Case(
            models.When(rating_count__gt=0, then=Round(F("rating_sum") * Decimal("1.0") / F("rating_count"), 2)),
            default=None,
            output_field=models.DecimalField(max_digits=3, decimal_places=2),
        ),
        output_field=models.DecimalField(max_digits=3, decimal_places=2),
        db_persist=True,
    )
    # Published reviews per star rating (1..5), kept with rating_sum/count by the same
    # trigger, so the product page's histogram is a read of the product row.
    stars_1 = models.PositiveIntegerField(editable=False, default=0)
    stars_2 = models.PositiveIntegerField(editable=False, default=0)
    stars_3 = models.PositiveIntegerField(editable=False, default=0)
    stars_4 = models.PositiveIntegerField(editable=False, default=0)
    stars_5 = models.PositiveIntegerField(editable=False, default=0)
    units_sold = models.PositiveIntegerField(editable=False, default=0, help_text="Kept by the orders app.")
    search_vector = SearchVectorField(editable=False, null=True)
    # Stamped by a trigger whenever search_vector changes or the product becomes listed:
    # searches rank such products live instead of trusting a precomputed list (SearchTerm).
    search_changed_at = models.DateTimeField(editable=False, db_default=Now())

    class Meta:
        db_table = "catalog_product"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="catalog_product_slug_key"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "active", "archived"]), name="catalog_product_status"
            ),
            models.CheckConstraint(condition=Q(cost__gte=0), name="catalog_product_cost_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_product_price_not_negative"),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"), name="catalog_product_currency_iso"),
            models.CheckConstraint(
                condition=Q(rating_sum__lte=F("rating_count") * 5), name="catalog_product_rating_sum"
            ),
            models.CheckConstraint(
                condition=Q(rating_count=F("stars_1") + F("stars_2") + F("stars_3") + F("stars_4") + F("stars_5"))
                & Q(
                    rating_sum=F("stars_1") + 2 * F("stars_2") + 3 * F("stars_3") + 4 * F("stars_4") + 5 * F("stars_5")
                ),
                name="catalog_product_star_counts",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="catalog_product_search_idx"),
            models.Index(fields=["search_changed_at"], name="catalog_product_searched_idx"),
            GinIndex(name="catalog_product_name_trgm_idx", fields=["name"], opclasses=["gin_trgm_ops"]),
            models.Index(fields=["seller", "status"], name="catalog_product_seller_idx"),
            models.Index(fields=["price", "id"], name="catalog_product_price_idx", condition=Q(is_listed=True)),
            models.Index(fields=["-created_at", "-id"], name="catalog_product_newest_idx", condition=Q(is_listed=True)),
            models.Index(
                fields=["-units_sold", "id"], name="catalog_product_bestseller_idx", condition=Q(is_listed=True)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductCategory(models.Model):
    product = models.ForeignKey(Product, on_delete=models.DB_CASCADE, db_index=False)
    category = models.ForeignKey(Category, on_delete=models.DB_CASCADE, db_index=False)

    class Meta:
        db_table = "catalog_product_category"
        constraints = [models.UniqueConstraint(fields=["product", "category"], name="catalog_product_category_unique")]
        indexes = [models.Index(fields=["category", "product"], name="catalog_product_category_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.category_id}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.DB_CASCADE, related_name="images", db_index=False)
    url = models.CharField(max_length=500, help_text="Path or URL of the image.")
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "catalog_product_image"
        ordering = ["product", "position", "id"]
        indexes = [models.Index(fields=["product", "position"], name="catalog_image_order_idx")]

    def __str__(self) -> str:
        return self.alt_text or self.url


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.DB_CASCADE, related_name="variants", db_index=False)
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=120, help_text="e.g. 'Black / 128 GB'")
    attributes = models.JSONField(default=dict, blank=True, help_text='e.g. {"colour": "black", "storage": "128 GB"}')
    price = models.DecimalField(max_digits=12, decimal_places=2)
    stock = models.IntegerField(default=0)
    low_stock_threshold = models.PositiveIntegerField(default=5)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "catalog_variant"
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sku"], name="catalog_variant_sku_key"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="catalog_variant_stock_not_negative"),
            models.CheckConstraint(condition=Q(price__gte=0), name="catalog_variant_price_not_negative"),
            models.CheckConstraint(condition=~Q(sku=""), name="catalog_variant_sku_not_empty"),
        ]
        indexes = [
            GinIndex(fields=["attributes"], name="catalog_variant_attributes_idx"),
            models.Index(fields=["product", "position"], name="catalog_variant_order_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} ({self.name})"

    @property
    def stock_state(self) -> str:
        if not self.is_active or self.stock <= 0:
            return "out_of_stock"
        if self.stock <= self.low_stock_threshold:
            return "low_stock"
        return "in_stock"


class Review(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting moderation"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"

    product = models.ForeignKey(Product, on_delete=models.DB_CASCADE, related_name="reviews", db_index=False)
    user = models.ForeignKey(User, on_delete=models.DB_CASCADE, related_name="reviews")
    # Shown with the review: accounts are private (RLS), so the name is copied at writing
    # time by the database (first word of the reviewer's full name, or "A shopper").
    author_name = models.CharField(max_length=60, blank=True, editable=False)
    rating = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=150)
    body = models.TextField(max_length=5000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    is_verified_purchase = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        db_table = "catalog_review"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="catalog_review_one_per_shopper"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="catalog_review_rating_1_5"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "published", "rejected"]), name="catalog_review_status"
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "-created_at", "-id"],
                name="catalog_review_published_idx",
                condition=Q(status="published"),
            ),
            models.Index(fields=["status", "created_at"], name="catalog_review_moderation_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.title}"


class WishlistItem(models.Model):
    user = models.ForeignKey(User, on_delete=models.DB_CASCADE, related_name="wishlist_items", db_index=False)
    product = models.ForeignKey(Product, on_delete=models.DB_CASCADE, related_name="wishlisted_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "catalog_wishlist_item"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="catalog_wishlist_item_unique")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="catalog_wishlist_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"


class CategoryListing(models.Model):
    """One row per listed product and per category whose subtree holds it, with the
    product's sort keys: each category page is one ordered index range scan. Maintained
    entirely by the database (catalog/migrations/0013); never written from Python. The
    model exists so Django knows the table (test database flushes, admin-free)."""

    pk = models.CompositePrimaryKey("category_id", "product_id")
    category_id = models.BigIntegerField()
    product_id = models.BigIntegerField(db_column="id")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField()
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, null=True)
    rating_count = models.IntegerField()
    units_sold = models.IntegerField()

    class Meta:
        db_table = "catalog_category_listing"

    def __str__(self) -> str:
        return f"product {self.product_id} in category {self.category_id}"


class CategorySearch(models.Model):
    """One row per listed product and per category whose subtree holds it (the category
    listing's rows) with the product's search vector, under one GIN index on (category,
    words): a search within a category intersects the two inside the index. Maintained
    entirely by the database (catalog/migrations/0021); never written from Python."""

    pk = models.CompositePrimaryKey("product_id", "category_id")
    product_id = models.BigIntegerField(db_column="id")
    category_id = models.BigIntegerField()
    search_vector = SearchVectorField(null=True)

    class Meta:
        db_table = "catalog_category_search"

    def __str__(self) -> str:
        return f"words of product {self.product_id} in category {self.category_id}"


class SearchTerm(models.Model):
    """A frequent search word (its tsquery; the column's type is tsquery) with how many
    listed products it matches and its best `top_ids` in search order with their ranks.
    Computed by catalog_search_terms_refresh() (catalog/migrations/0016), read by the
    search (catalog/selectors.py); never written from Python."""

    query = models.TextField(primary_key=True)
    matches = models.IntegerField()
    top_ids = ArrayField(models.BigIntegerField())
    top_ranks = ArrayField(models.FloatField())
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "catalog_search_term"

    def __str__(self) -> str:
        return f"{self.query} ({self.matches} matches)"


class SearchTermOrder(models.Model):
    """A frequent word's first priced matches in one of the other sort orders (newest,
    price_asc, price_desc, rating) with their sort keys when computed, parallel to
    `top_ids`; `truncated` when the word has priced matches beyond them. Computed with the
    relevance lists by catalog_search_terms_refresh() (catalog/migrations/0022), read by
    the search; never written from Python."""

    pk = models.CompositePrimaryKey("query", "sort")
    query = models.TextField()
    sort = models.TextField()
    truncated = models.BooleanField()
    top_ids = ArrayField(models.BigIntegerField())
    top_prices = ArrayField(models.DecimalField(max_digits=12, decimal_places=2), null=True)
    top_times = ArrayField(models.DateTimeField(), null=True)
    top_ratings = ArrayField(models.DecimalField(max_digits=3, decimal_places=2), null=True)
    top_rating_counts = ArrayField(models.IntegerField(), null=True)

    class Meta:
        db_table = "catalog_search_term_order"

    def __str__(self) -> str:
        return f"{self.query} by {self.sort} ({len(self.top_ids)} products)"


class SearchFacetBand(models.Model):
    """The price bands the search's facet counts are kept by (one row): `lowers[b]` is the
    lowest price of band b, from the listed prices' percentiles at the last refresh
    (catalog/migrations/0023); never written from Python."""

    id = models.BooleanField(primary_key=True, default=True)
    lowers = ArrayField(models.DecimalField(max_digits=12, decimal_places=2))
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "catalog_search_facet_band"

    def __str__(self) -> str:
        return f"{len(self.lowers)} price bands"


class SearchTermFacet(models.Model):
    """How many priced listed products a frequent word matched in a top-level or
    second-level category at the last refresh, cumulated over the price bands: `cum[b]`
    counts those in bands 1..b (catalog/migrations/0023), `cum_in_stock[b]` those of them
    that were in stock (0024); never written from Python."""

    pk = models.CompositePrimaryKey("query", "category_id")
    query = models.TextField()
    category_id = models.BigIntegerField()
    cum = ArrayField(models.IntegerField())
    cum_in_stock = ArrayField(models.IntegerField())

    class Meta:
        db_table = "catalog_search_term_facet"

    def __str__(self) -> str:
        return f"{self.query} in category {self.category_id}: {self.cum[-1]}"


class SearchWord(models.Model):
    """A word of listed products' names and brands and how many products use it: the
    vocabulary typo correction chooses from (catalog/migrations/0018). Written only by
    catalog_search_terms_refresh()."""

    word = models.TextField(primary_key=True)
    products = models.IntegerField()

    class Meta:
        db_table = "catalog_search_word"

    def __str__(self) -> str:
        return self.word


class SearchTermCategory(models.Model):
    """How many listed products a frequent word matched in a category and its subcategories
    at the last refresh (catalog/migrations/0025): a search within a category chooses its
    path by it; never written from Python."""

    pk = models.CompositePrimaryKey("query", "category_id")
    query = models.TextField()
    category_id = models.BigIntegerField()
    matches = models.IntegerField()

    class Meta:
        db_table = "catalog_search_term_category"

    def __str__(self) -> str:
        return f"{self.query} in category {self.category_id}: {self.matches}"
