"""Read-only admin pages over the analytics views (for managers and analysts)."""

from __future__ import annotations

from django.contrib import admin

from reports.models import CustomerLifetimeValue, DailySales, ProductPerformance


class AnalyticsAdmin(admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(DailySales)
class DailySalesAdmin(AnalyticsAdmin):
    list_display = ["day", "orders", "units", "revenue", "discount", "shipping", "tax", "customers"]


@admin.register(ProductPerformance)
class ProductPerformanceAdmin(AnalyticsAdmin):
    list_display = ["product_id", "orders", "units", "revenue", "first_sold_on", "last_sold_on"]
    ordering = ["-revenue"]


@admin.register(CustomerLifetimeValue)
class CustomerLifetimeValueAdmin(AnalyticsAdmin):
    # Customer ids only: analysts' database role cannot read accounts (by design).
    list_display = ["user_id", "orders", "revenue", "average_order", "first_order_on", "last_order_on"]
    ordering = ["-revenue"]
