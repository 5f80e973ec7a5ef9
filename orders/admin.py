from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.html import format_html

from audit.links import audit_history_url
from orders import services
from orders.models import (
    Order,
    OrderItem,
    OrderStatusHistory,
    PaymentTransaction,
    SellerPayout,
    ShippingMethod,
    TaxRate,
)
from shopwave.admin import LargeTableAdmin, ReadOnlyModelAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = readonly_fields = (
        "product_name",
        "variant_name",
        "sku",
        "seller",
        "unit_price",
        "quantity",
        "line_total",
        "discount",
    )


class StatusHistoryInline(ReadOnlyInline):
    model = OrderStatusHistory
    fields = readonly_fields = ("changed_at", "from_status", "to_status", "db_role", "app_user_id")


class PaymentInline(ReadOnlyInline):
    model = PaymentTransaction
    fields = readonly_fields = ("created_at", "kind", "status", "amount", "processor_reference", "error_code")


class ShippingMethodFilter(admin.SimpleListFilter):
    """The shipping methods from their own table: Django's default filter for a plain
    column lists its distinct values, a scan of every order."""

    title = "shipping method"
    parameter_name = "shipping_method_code"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return list(ShippingMethod.objects.order_by("position", "price").values_list("code", "name"))

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        return queryset.filter(shipping_method_code=self.value()) if self.value() else queryset


@admin.register(Order)
class OrderAdmin(LargeTableAdmin):
    # Millions of orders: newest first along orders_order_placed_idx (status filter:
    # orders_order_status_idx), date filters are ranges on the same index, no date
    # hierarchy (its year/month links read every order's date), an exact search.
    list_display = ["number", "user", "status", "total", "currency", "placed_at", "tracking_number"]
    list_filter = ["status", "placed_at", ShippingMethodFilter]
    list_select_related = ["user"]
    search_fields = ["number", "user__email"]
    search_help_text = "An exact order number (SW-2026-00001234) or a customer's email address."
    sortable_by = ["placed_at"]
    inlines = [OrderItemInline, StatusHistoryInline, PaymentInline]
    actions = ["mark_processing", "mark_shipped", "mark_delivered", "cancel", "refund"]
    readonly_fields = [*(f.name for f in Order._meta.fields if f.name != "tracking_number"), "audit_history"]
    fieldsets = [
        (None, {"fields": ["number", "user", "status", "placed_at", "updated_at", "tracking_number", "audit_history"]}),
        (
            "Money",
            {"fields": ["currency", "subtotal", "discount", "promotion_code", "shipping", "tax", "tax_rate", "total"]},
        ),
        (
            "Shipping",
            {
                "fields": [
                    "ship_name",
                    "ship_line1",
                    "ship_line2",
                    "ship_city",
                    "ship_region",
                    "ship_postal_code",
                    "ship_country",
                    "shipping_method_code",
                    "shipping_method_name",
                ]
            },
        ),
        ("Payment", {"fields": ["payment_method", "card_brand", "card_last4"]}),
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    # Exact matches along unique indexes (orders_order_number_key; the email's, then the
    # customer's orders by orders_order_history_idx): a substring search would read all
    # 10 M orders (70 s at full scale).
    email_lookup = "user__email"

    def search(self, queryset: QuerySet, term: str) -> QuerySet:
        return queryset.filter(number=term.upper())

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        # Only the tracking number is editable here; statuses move through the actions.
        Order.objects.filter(pk=obj.pk).update(tracking_number=obj.tracking_number)

    def _move(self, request, queryset, status: str) -> None:  # type: ignore[no-untyped-def]
        done, failed = 0, []
        for order in queryset.order_by("id"):
            try:
                services.order_set_status(order=order, status=status)
                done += 1
            except services.OrderError as exc:
                failed.append(exc.message)
        if done:
            self.message_user(request, f"{done} order(s) now {status}.", messages.SUCCESS)
        for message in failed[:10]:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Mark as processing")
    def mark_processing(self, request, queryset):  # type: ignore[no-untyped-def]
        self._move(request, queryset, "processing")

    @admin.action(description="Mark as shipped (set the tracking number on each order first)")
    def mark_shipped(self, request, queryset):  # type: ignore[no-untyped-def]
        self._move(request, queryset, "shipped")

    @admin.action(description="Mark as delivered")
    def mark_delivered(self, request, queryset):  # type: ignore[no-untyped-def]
        self._move(request, queryset, "delivered")

    @admin.action(description="Cancel (refunds a captured payment)")
    def cancel(self, request, queryset):  # type: ignore[no-untyped-def]
        self._move(request, queryset, "cancelled")

    @admin.action(description="Refund")
    def refund(self, request, queryset):  # type: ignore[no-untyped-def]
        self._move(request, queryset, "refunded")

    @admin.display(description="Audit history")
    def audit_history(self, obj):  # type: ignore[no-untyped-def]
        if obj is None or not obj.pk:
            return "—"
        return format_html('<a href="{}">History in the audit log</a>', audit_history_url("orders_order", obj.number))


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(LargeTableAdmin, ReadOnlyModelAdmin):
    list_display = ["created_at", "order", "kind", "status", "amount", "currency", "processor_reference"]
    list_filter = ["kind", "status"]
    search_fields = ["order__number"]
    search_help_text = "An exact order number: its payments, refunds and declines."
    list_select_related = ["order"]
    ordering = ["-id"]  # newest first along the primary key (ids follow creation time)
    sortable_by = ()

    def search(self, queryset: QuerySet, term: str) -> QuerySet:
        return queryset.filter(order__number=term.upper())


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "price", "free_over", "min_days", "max_days", "is_active", "position"]
    list_editable = ["is_active", "position"]


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "region", "rate", "valid_from", "valid_until"]
    list_filter = ["country"]
    search_fields = ["name", "region"]


@admin.register(SellerPayout)
class SellerPayoutAdmin(admin.ModelAdmin):
    list_display = ["period", "seller", "lines", "gross", "commission", "net", "currency", "status"]
    list_filter = ["status", "period"]
    list_select_related = ["seller"]
    search_fields = ["seller__company_name"]
    actions = ["mark_paid"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields if f.name != "status"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        SellerPayout.objects.filter(pk=obj.pk).update(status=obj.status)

    @admin.action(description="Mark as paid")
    def mark_paid(self, request, queryset):  # type: ignore[no-untyped-def]
        count = queryset.filter(status="pending").update(status="paid")
        self.message_user(request, f"{count} payout(s) marked paid.")
