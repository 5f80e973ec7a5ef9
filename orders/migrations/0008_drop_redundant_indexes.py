"""Drop indexes nothing needs (1.2 GB at full scale, and index writes on every order):
foreign keys' own indexes where a composite or a named index covers the column (cart
item cart: one_row_per_variant; order user: history_idx and the idempotency pair; order
line product and variant: exact copies of orders_item_product_idx/variant_idx; line
seller: seller_idx; payout seller: once_per_month), and the `_like` pattern indexes of
the unique order number and payment idempotency key (see shopwave.migration_ops)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from shopwave.migration_ops import fk_without_index, unique_constraint_without_like_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_drop_redundant_indexes"),
        ("catalog", "0019_drop_redundant_indexes"),
        ("orders", "0007_seller_scope"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        fk_without_index(
            model_name="cartitem",
            table="orders_cart_item",
            name="cart",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.DB_CASCADE, related_name="items", to="orders.cart"
            ),
            index="orders_cart_item_cart_id_7c567e32",
        ),
        fk_without_index(
            model_name="order",
            table="orders_order",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="orders",
                to=settings.AUTH_USER_MODEL,
            ),
            index="orders_order_user_id_e9b59eb1",
        ),
        fk_without_index(
            model_name="orderitem",
            table="orders_order_item",
            name="product",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="catalog.product"
            ),
            index="orders_order_item_product_id_0a8cdb98",
        ),
        fk_without_index(
            model_name="orderitem",
            table="orders_order_item",
            name="seller",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="order_items",
                to="accounts.seller",
            ),
            index="orders_order_item_seller_id_119b4d5d",
        ),
        fk_without_index(
            model_name="orderitem",
            table="orders_order_item",
            name="variant",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="catalog.variant"
            ),
            index="orders_order_item_variant_id_8834528a",
        ),
        fk_without_index(
            model_name="sellerpayout",
            table="orders_seller_payout",
            name="seller",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="payouts",
                to="accounts.seller",
            ),
            index="orders_seller_payout_seller_id_235ea1bc",
        ),
        unique_constraint_without_like_index(
            model_name="order",
            table="orders_order",
            field_name="number",
            field=models.CharField(editable=False, max_length=20),
            constraint_name="orders_order_number_key",
            like_index="orders_order_number_abc9e0f2_like",
        ),
        unique_constraint_without_like_index(
            model_name="paymenttransaction",
            table="orders_payment_transaction",
            field_name="idempotency_key",
            field=models.CharField(max_length=80),
            constraint_name="orders_payment_transaction_idempotency_key_key",
            like_index="orders_payment_transaction_idempotency_key_6dadc6ea_like",
        ),
    ]
