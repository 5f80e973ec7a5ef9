from django.urls import path

from orders import seller_views

app_name = "sellers"

urlpatterns = [
    path("", seller_views.dashboard, name="dashboard"),
    path("products/", seller_views.products, name="products"),
    path("variants/<int:variant_id>/stock/", seller_views.variant_stock, name="variant_stock"),
    path("orders/", seller_views.order_lines, name="order_lines"),
    path("payouts/", seller_views.payouts, name="payouts"),
]
