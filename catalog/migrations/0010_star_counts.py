"""Per-star review counters on the product row (the product page's histogram, QP-02).

catalog_review_update_rating() keeps stars_1..stars_5 with rating_sum/rating_count by the
same delta update on the locked product row; a CHECK ties the three together (count = sum
of the stars, sum = the stars weighted), so a counter can never drift from the others.
Existing rows are backfilled from the published reviews before the CHECK is added.
"""

import django.db.models.expressions
from django.db import migrations, models

RATING_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_review_update_rating() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    old_counts boolean := TG_OP <> 'INSERT' AND OLD.status = 'published';
    new_counts boolean := TG_OP <> 'DELETE' AND NEW.status = 'published';
BEGIN
    IF TG_OP = 'UPDATE' AND old_counts AND new_counts
       AND OLD.product_id = NEW.product_id AND OLD.rating = NEW.rating THEN
        RETURN NULL;
    END IF;
    IF old_counts THEN
        UPDATE public.catalog_product
           SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1,
               stars_1 = stars_1 - (OLD.rating = 1)::int, stars_2 = stars_2 - (OLD.rating = 2)::int,
               stars_3 = stars_3 - (OLD.rating = 3)::int, stars_4 = stars_4 - (OLD.rating = 4)::int,
               stars_5 = stars_5 - (OLD.rating = 5)::int
         WHERE id = OLD.product_id;
    END IF;
    IF new_counts THEN
        UPDATE public.catalog_product
           SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1,
               stars_1 = stars_1 + (NEW.rating = 1)::int, stars_2 = stars_2 + (NEW.rating = 2)::int,
               stars_3 = stars_3 + (NEW.rating = 3)::int, stars_4 = stars_4 + (NEW.rating = 4)::int,
               stars_5 = stars_5 + (NEW.rating = 5)::int
         WHERE id = NEW.product_id;
    END IF;
    RETURN NULL;
END
$$;
"""

# Backfill without touching updated_at (the counters are not an edit of the product).
BACKFILL = """
ALTER TABLE catalog_product DISABLE TRIGGER touch_updated_at;
UPDATE catalog_product p
   SET stars_1 = r.s1, stars_2 = r.s2, stars_3 = r.s3, stars_4 = r.s4, stars_5 = r.s5
  FROM (SELECT product_id,
               count(*) FILTER (WHERE rating = 1) AS s1, count(*) FILTER (WHERE rating = 2) AS s2,
               count(*) FILTER (WHERE rating = 3) AS s3, count(*) FILTER (WHERE rating = 4) AS s4,
               count(*) FILTER (WHERE rating = 5) AS s5
          FROM catalog_review WHERE status = 'published' GROUP BY product_id) r
 WHERE r.product_id = p.id;
ALTER TABLE catalog_product ENABLE TRIGGER touch_updated_at;
"""

PREVIOUS_RATING_FUNCTION = """
CREATE OR REPLACE FUNCTION catalog_review_update_rating() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    old_counts boolean := TG_OP <> 'INSERT' AND OLD.status = 'published';
    new_counts boolean := TG_OP <> 'DELETE' AND NEW.status = 'published';
BEGIN
    IF TG_OP = 'UPDATE' AND old_counts AND new_counts
       AND OLD.product_id = NEW.product_id AND OLD.rating = NEW.rating THEN
        RETURN NULL;
    END IF;
    IF old_counts THEN
        UPDATE public.catalog_product
           SET rating_sum = rating_sum - OLD.rating, rating_count = rating_count - 1
         WHERE id = OLD.product_id;
    END IF;
    IF new_counts THEN
        UPDATE public.catalog_product
           SET rating_sum = rating_sum + NEW.rating, rating_count = rating_count + 1
         WHERE id = NEW.product_id;
    END IF;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_staff_group_context"),
        ("catalog", "0009_search_matches"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="stars_1",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="product",
            name="stars_2",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="product",
            name="stars_3",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="product",
            name="stars_4",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="product",
            name="stars_5",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunSQL(RATING_FUNCTION + BACKFILL, PREVIOUS_RATING_FUNCTION),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "rating_count",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        models.F("stars_1"), "+", models.F("stars_2")
                                    ),
                                    "+",
                                    models.F("stars_3"),
                                ),
                                "+",
                                models.F("stars_4"),
                            ),
                            "+",
                            models.F("stars_5"),
                        ),
                    ),
                    (
                        "rating_sum",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        models.F("stars_1"),
                                        "+",
                                        django.db.models.expressions.CombinedExpression(
                                            models.Value(2), "*", models.F("stars_2")
                                        ),
                                    ),
                                    "+",
                                    django.db.models.expressions.CombinedExpression(
                                        models.Value(3), "*", models.F("stars_3")
                                    ),
                                ),
                                "+",
                                django.db.models.expressions.CombinedExpression(
                                    models.Value(4), "*", models.F("stars_4")
                                ),
                            ),
                            "+",
                            django.db.models.expressions.CombinedExpression(models.Value(5), "*", models.F("stars_5")),
                        ),
                    ),
                ),
                name="catalog_product_star_counts",
            ),
        ),
    ]
