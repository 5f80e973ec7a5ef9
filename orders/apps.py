from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from orders.signals import merge_cart_at_login

        user_logged_in.connect(merge_cart_at_login, dispatch_uid="orders.merge_cart_at_login")
