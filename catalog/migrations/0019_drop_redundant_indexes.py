"""Drop indexes nothing needs: a foreign key's own index where a composite index starts
with the same column (category parent: sibling_idx; product seller: seller_idx; product
category links: the unique pair and category_idx; image, variant: their order indexes;
review: one_per_shopper; wishlist user: wishlist_user_idx), and the `_like` pattern
indexes of the unique product slug and SKU (see shopwave.migration_ops)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from shopwave.migration_ops import fk_without_index, unique_constraint_without_like_index


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_drop_redundant_indexes"),
        ("catalog", "0018_search_words"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        fk_without_index(
            model_name="category",
            table="catalog_category",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="Leave empty for a top-level category.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="children",
                to="catalog.category",
            ),
            index="catalog_category_parent_id_f61bd017",
        ),
        fk_without_index(
            model_name="product",
            table="catalog_product",
            name="seller",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="products",
                to="accounts.seller",
            ),
            index="catalog_product_seller_id_5ed88bb1",
        ),
        fk_without_index(
            model_name="productcategory",
            table="catalog_product_category",
            name="category",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.DB_CASCADE, to="catalog.category"
            ),
            index="catalog_product_category_category_id_36658222",
        ),
        fk_without_index(
            model_name="productcategory",
            table="catalog_product_category",
            name="product",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.DB_CASCADE, to="catalog.product"
            ),
            index="catalog_product_category_product_id_92ec8111",
        ),
        fk_without_index(
            model_name="productimage",
            table="catalog_product_image",
            name="product",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DB_CASCADE,
                related_name="images",
                to="catalog.product",
            ),
            index="catalog_product_image_product_id_b42bcc4b",
        ),
        fk_without_index(
            model_name="review",
            table="catalog_review",
            name="product",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DB_CASCADE,
                related_name="reviews",
                to="catalog.product",
            ),
            index="catalog_review_product_id_e494243b",
        ),
        fk_without_index(
            model_name="variant",
            table="catalog_variant",
            name="product",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DB_CASCADE,
                related_name="variants",
                to="catalog.product",
            ),
            index="catalog_variant_product_id_8a21d193",
        ),
        fk_without_index(
            model_name="wishlistitem",
            table="catalog_wishlist_item",
            name="user",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.DB_CASCADE,
                related_name="wishlist_items",
                to=settings.AUTH_USER_MODEL,
            ),
            index="catalog_wishlist_item_user_id_42292f9e",
        ),
        unique_constraint_without_like_index(
            model_name="product",
            table="catalog_product",
            field_name="slug",
            field=models.SlugField(db_index=False, max_length=220),
            constraint_name="catalog_product_slug_key",
            like_index="catalog_product_slug_f37848b0_like",
        ),
        unique_constraint_without_like_index(
            model_name="variant",
            table="catalog_variant",
            field_name="sku",
            field=models.CharField(max_length=64, verbose_name="SKU"),
            constraint_name="catalog_variant_sku_key",
            like_index="catalog_variant_sku_92777037_like",
        ),
    ]
