from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, F, Lookup, Q, QuerySet, Value
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from accounts.models import Seller, SellerMember
from audit.links import audit_history_url
from catalog import services
from catalog.models import Category, Product, ProductCategory, ProductImage, Review, Variant
from shopwave.admin import LargeTableAdmin, ilike_contains


class SellerMemberInline(admin.TabularInline):
    model = SellerMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Seller)
class SellerAdmin(admin.ModelAdmin):
    list_display = ["company_name", "contact_email", "commission_rate", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["company_name", "contact_email", "slug"]
    prepopulated_fields = {"slug": ["company_name"]}
    inlines = [SellerMemberInline]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # deactivate instead: products and orders refer to sellers


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "slug", "position", "path"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    list_per_page = 200

    @admin.display(description="Category", ordering="path")
    def indented_name(self, obj: Category) -> str:
        return format_html('<span class="category-depth-{}">{}{}</span>', obj.depth, "— " * obj.depth, obj.name)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is None:
            return super().has_delete_permission(request)
        in_use = Category.objects.filter(parent=obj).exists() or ProductCategory.objects.filter(category=obj).exists()
        return not in_use and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if change and "parent" in form.changed_data:
            try:
                services.category_move(category=obj, new_parent=obj.parent)
            except services.CatalogError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
        super().save_model(request, obj, form, change)


class RequireOneVariant(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        alive = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if not alive:
            from django.core.exceptions import ValidationError

            raise ValidationError("A product needs at least one variant.")


class VariantInline(admin.TabularInline):
    model = Variant
    formset = RequireOneVariant
    extra = 0
    min_num = 1
    fields = ["sku", "name", "attributes", "price", "stock", "low_stock_threshold", "is_active", "position"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 0
    fields = ["url", "alt_text", "position"]


class ProductCategoryInline(admin.TabularInline):
    model = ProductCategory
    extra = 0
    autocomplete_fields = ["category"]
    verbose_name = "category"
    verbose_name_plural = "categories"


class AnyOf(Lookup):
    """`column = ANY(array)`: one parameter however many values (an IN list is one
    placeholder per value), and the planner sees the array and estimates from it."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


# Rows of other tables "of the products a product search finds" take the products' ids as
# one array (AnyOf) up to this many products: the planner then sees how many there are and
# walks the table's newest rows for a frequent word (tens of thousands of products) or
# reads each product's rows for a rare one. A subquery instead was estimated at ~50
# products whatever the word, so a frequent word read and sorted every row of its 30 k
# products (1.0-1.3 s for reviews at full scale). Past the limit (a word in most product
# names) the subquery is cheaper than shipping the ids.
PRODUCT_IDS_LIMIT = 100_000


def of_products_found(queryset: QuerySet, term: str, field: str = "product_id") -> QuerySet:
    """The rows of `queryset` whose `field` is a product that product_search(term) finds."""
    products = Product.objects.filter(product_search(term)).values_list("pk", flat=True)
    ids = list(products[: PRODUCT_IDS_LIMIT + 1])
    if len(ids) > PRODUCT_IDS_LIMIT:
        return queryset.filter(**{f"{field}__in": products})
    return queryset.filter(AnyOf(F(field), Value(ids, output_field=ArrayField(BigIntegerField()))))


def product_search(term: str) -> Q:
    """A product by part of its name (catalog_product_name_trgm_idx), its slug or one of
    its SKUs (both unique): indexed alternatives the planner ORs as bitmaps. A substring
    search over brand, slug and SKUs read all 500 k products and 1.25 M variants (4 s)."""
    by_sku = list(Variant.objects.filter(sku__in={term, term.upper()}).values_list("product_id", flat=True))
    return ilike_contains("name", term) | Q(slug=term.lower()) | Q(pk__in=by_sku)


@admin.register(Product)
class ProductAdmin(LargeTableAdmin):
    list_display = [
        "name",
        "seller",
        "brand",
        "status",
        "is_listed",
        "price",
        "rating_avg",
        "rating_count",
        "units_sold",
        "updated_at",
    ]
    list_filter = ["status", "is_listed", "created_at"]
    list_select_related = ["seller"]
    search_fields = ["name", "slug", "variants__sku"]
    search_help_text = "Part of the product's name, its exact slug or the exact SKU of one of its variants."
    ordering = ["-id"]  # newest first along the primary key; by name only within a search
    sortable_by = ["name", "price", "units_sold", "rating_count"]
    autocomplete_fields = ["seller"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "price",
        "is_listed",
        "rating_avg",
        "rating_count",
        "units_sold",
        "created_at",
        "updated_at",
        "audit_history",
    ]
    inlines = [VariantInline, ProductImageInline, ProductCategoryInline]
    fieldsets = [
        (None, {"fields": ["seller", "name", "slug", "brand", "status", "description"]}),
        ("Money", {"fields": ["currency", "cost", "price"]}),
        (
            "Kept by the database",
            {"fields": ["is_listed", "rating_avg", "rating_count", "units_sold", "created_at", "updated_at"]},
        ),
    ]

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # archive instead: orders keep referring to products

    def search(self, queryset: QuerySet, term: str) -> QuerySet:
        return queryset.filter(product_search(term))

    @admin.display(description="Audit history")
    def audit_history(self, obj):  # type: ignore[no-untyped-def]
        if obj is None or not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">History in the audit log</a>', audit_history_url("catalog_product", str(obj.pk))
        )


@admin.register(Variant)
class VariantAdmin(LargeTableAdmin):
    list_display = ["sku", "product", "name", "price", "stock", "low_stock_threshold", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["product"]
    search_fields = ["sku", "product__name"]
    search_help_text = "An exact SKU, or part of the product's name."
    ordering = ["-id"]
    sortable_by = ()
    autocomplete_fields = ["product"]

    def search(self, queryset: QuerySet, term: str) -> QuerySet:
        # An exact SKU wins; otherwise the variants of the products a product search finds.
        by_sku = queryset.filter(sku__in={term, term.upper()})
        if by_sku.exists():
            return by_sku
        return of_products_found(queryset, term)


class RatingFilter(admin.SimpleListFilter):
    """1-5 stars, without Django's default for a plain column (SELECT DISTINCT rating over
    every review: 0.24 s at full scale, on each page of the list)."""

    title = "rating"
    parameter_name = "rating"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [(str(n), "★" * n) for n in range(5, 0, -1)]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        value = self.value()
        return queryset.filter(rating=int(value)) if value in {"1", "2", "3", "4", "5"} else queryset


@admin.register(Review)
class ReviewAdmin(LargeTableAdmin):
    list_display = ["title", "product", "user", "rating", "status", "is_verified_purchase", "created_at"]
    list_filter = ["status", RatingFilter, "is_verified_purchase"]
    list_select_related = ["product", "user"]
    search_fields = ["product__name", "user__email"]
    search_help_text = "A reviewer's exact email, or part of the product's name, its slug or a SKU."
    ordering = ["-id"]  # newest first along the primary key (the moderation queue: filter by status)
    sortable_by = ()
    autocomplete_fields = ["product", "user"]
    readonly_fields = ["is_verified_purchase", "created_at", "updated_at", "moderated_at"]
    actions = ["publish", "reject"]

    # Substring search over 2 M titles and bodies took 7 s at full scale: exact email,
    # or the reviews of the products a product search finds.
    email_lookup = "user__email"

    def search(self, queryset: QuerySet, term: str) -> QuerySet:
        return of_products_found(queryset, term)

    @admin.action(description="Publish the selected reviews")
    def publish(self, request, queryset):  # type: ignore[no-untyped-def]
        count = services.review_moderate(review_ids=list(queryset.values_list("pk", flat=True)), status="published")
        self.message_user(request, f"Published {count} review(s).", messages.SUCCESS)

    @admin.action(description="Reject the selected reviews")
    def reject(self, request, queryset):  # type: ignore[no-untyped-def]
        count = services.review_moderate(review_ids=list(queryset.values_list("pk", flat=True)), status="rejected")
        self.message_user(request, f"Rejected {count} review(s).", messages.SUCCESS)
