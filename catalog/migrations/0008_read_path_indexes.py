"""Read-path tuning from the first benchmark (BENCHMARKS.md, medium scale).

- QP-07 (top rated): an index in the order the page sorts, for listed products with enough
  reviews, so a category's best are read in order instead of sorting every candidate.
- QP-02 (product page): the storefront's review policy no longer joins catalog_product
  (the planner turned that EXISTS into a scan of every listed product id on each query).
  Published reviews are public; the product page only asks for reviews of a listed product.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS catalog_product_top_rated_idx
    ON catalog_product (rating_avg DESC, rating_count DESC, id)
    WHERE is_listed AND price IS NOT NULL AND rating_count >= 3;
DROP POLICY IF EXISTS review_published ON catalog_review;
CREATE POLICY review_published ON catalog_review FOR SELECT
    TO commerce_customer, commerce_readonly, commerce_seller
    USING (status = 'published');
"""

REVERSE = """
DROP POLICY IF EXISTS review_published ON catalog_review;
CREATE POLICY review_published ON catalog_review FOR SELECT
    TO commerce_customer, commerce_readonly, commerce_seller
    USING (status = 'published' AND EXISTS (SELECT 1 FROM catalog_product p WHERE p.id = product_id));
DROP INDEX IF EXISTS catalog_product_top_rated_idx;
"""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_seller_scope_own_products")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
