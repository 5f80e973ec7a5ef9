from django.contrib import admin
from django.db.models import Q, QuerySet

from orders.models import Order
from promotions.models import Promotion, Redemption
from shopwave.admin import LargeTableAdmin, ReadOnlyModelAdmin


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "kind",
        "value",
        "scope",
        "starts_at",
        "ends_at",
        "is_active",
        "uses_count",
        "max_uses",
        "per_customer_limit",
    ]
    list_filter = ["is_active", "kind", "scope"]
    search_fields = ["code", "description"]
    autocomplete_fields = ["categories", "products"]
    readonly_fields = ["uses_count", "created_at"]
    date_hierarchy = "starts_at"


@admin.register(Redemption)
class RedemptionAdmin(LargeTableAdmin, ReadOnlyModelAdmin):
    list_display = ["created_at", "promotion", "order", "user", "amount"]
    list_select_related = ["promotion", "order", "user"]
    search_fields = ["promotion__code", "order__number", "user__email"]
    search_help_text = "An exact promotion code, order number or customer email."
    ordering = ["-id"]  # newest first along the primary key (800 k rows at full scale)
    sortable_by = ()

    email_lookup = "user__email"

    def search(self, queryset: QuerySet, term: str) -> QuerySet:
        # Both resolved to ids first, so each side is one index (promotion, order) of the table.
        promotions = list(Promotion.objects.filter(code__iexact=term).values_list("pk", flat=True))
        orders = list(Order.objects.filter(number=term.upper()).values_list("pk", flat=True))
        return queryset.filter(Q(promotion__in=promotions) | Q(order__in=orders))
