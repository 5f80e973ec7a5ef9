from __future__ import annotations

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html

from accounts.models import Seller, SellerMember
from audit.links import audit_history_url
from catalog import services
from catalog.models import Category, Product, ProductCategory, ProductImage, Review, Variant


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


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
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
    search_fields = ["name", "brand", "slug", "variants__sku"]
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
    show_full_result_count = False
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

    @admin.display(description="Audit history")
    def audit_history(self, obj):  # type: ignore[no-untyped-def]
        if obj is None or not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">History in the audit log</a>', audit_history_url("catalog_product", str(obj.pk))
        )


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "product", "name", "price", "stock", "low_stock_threshold", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["product"]
    search_fields = ["sku", "product__name"]
    autocomplete_fields = ["product"]
    show_full_result_count = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "product", "user", "rating", "status", "is_verified_purchase", "created_at"]
    list_filter = ["status", "rating", "is_verified_purchase"]
    list_select_related = ["product", "user"]
    search_fields = ["title", "body", "product__name", "user__email"]
    autocomplete_fields = ["product", "user"]
    readonly_fields = ["is_verified_purchase", "created_at", "updated_at", "moderated_at"]
    actions = ["publish", "reject"]
    show_full_result_count = False

    @admin.action(description="Publish the selected reviews")
    def publish(self, request, queryset):  # type: ignore[no-untyped-def]
        count = services.review_moderate(review_ids=list(queryset.values_list("pk", flat=True)), status="published")
        self.message_user(request, f"Published {count} review(s).", messages.SUCCESS)

    @admin.action(description="Reject the selected reviews")
    def reject(self, request, queryset):  # type: ignore[no-untyped-def]
        count = services.review_moderate(review_ids=list(queryset.values_list("pk", flat=True)), status="rejected")
        self.message_user(request, f"Rejected {count} review(s).", messages.SUCCESS)
