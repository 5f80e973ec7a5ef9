"""Read-only admin pages over the analytics views (for managers and analysts)."""

from __future__ import annotations

from django.contrib import admin

from reports.models import CustomerLifetimeValue, DailySales, ProductPerformance
from shopwave.admin import ReadOnlyModelAdmin


class AnalyticsAdmin(ReadOnlyModelAdmin):
    list_per_page = 50


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
