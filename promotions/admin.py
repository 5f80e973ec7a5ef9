from django.contrib import admin

from promotions.models import Promotion, Redemption
from shopwave.admin import ReadOnlyModelAdmin


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
class RedemptionAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "promotion", "order", "user", "amount"]
    list_select_related = ["promotion", "order", "user"]
    search_fields = ["promotion__code", "order__number", "user__email"]
