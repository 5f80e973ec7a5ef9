from django.contrib import admin

from promotions.models import Promotion, Redemption


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
class RedemptionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "promotion", "order", "user", "amount"]
    list_select_related = ["promotion", "order", "user"]
    search_fields = ["promotion__code", "order__number", "user__email"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
