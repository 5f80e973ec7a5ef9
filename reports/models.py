"""Analytics kept by PostgreSQL: materialized views (reports/migrations/0001) refreshed
CONCURRENTLY by one SQL function, reports_refresh_analytics(), and by
`manage.py refresh_analytics`. Counted orders are the ones that hold a sale: paid,
processing, shipped, delivered (not pending, failed, cancelled or refunded)."""

from __future__ import annotations

from django.db import models


class DailySales(models.Model):
    day = models.DateField(primary_key=True)
    orders = models.IntegerField()
    units = models.IntegerField()
    subtotal = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=14, decimal_places=2)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, help_text="Goods net of discounts.")
    shipping = models.DecimalField(max_digits=14, decimal_places=2)
    tax = models.DecimalField(max_digits=14, decimal_places=2)
    customers = models.IntegerField()

    class Meta:
        managed = False
        db_table = "reports_daily_sales"
        ordering = ["-day"]
        verbose_name_plural = "daily sales"

    def __str__(self) -> str:
        return f"{self.day}: {self.orders} orders"


class ProductPerformance(models.Model):
    product = models.OneToOneField("catalog.Product", primary_key=True, on_delete=models.DO_NOTHING, related_name="+")
    orders = models.IntegerField()
    units = models.IntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    first_sold_on = models.DateField()
    last_sold_on = models.DateField()

    class Meta:
        managed = False
        db_table = "reports_product_performance"

    def __str__(self) -> str:
        return f"product {self.pk}: {self.units} units"


class CustomerLifetimeValue(models.Model):
    user = models.OneToOneField("accounts.User", primary_key=True, on_delete=models.DO_NOTHING, related_name="+")
    orders = models.IntegerField()
    revenue = models.DecimalField(max_digits=14, decimal_places=2)
    average_order = models.DecimalField(max_digits=14, decimal_places=2)
    first_order_on = models.DateField()
    last_order_on = models.DateField()
    # NTILE(4) by lifetime revenue, highest first, computed at refresh (reports 0006).
    revenue_quartile = models.SmallIntegerField()

    class Meta:
        managed = False
        db_table = "reports_customer_ltv"

    def __str__(self) -> str:
        return f"customer {self.pk}: {self.revenue}"
