"""The data generator (catalog.datagen) and the integrity checks (catalog.integrity).

Each generation runs inside a savepoint that is rolled back, so one test can generate
several data sets into the same empty catalog and compare them.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, transaction
from django.utils.text import slugify

from catalog import datagen
from catalog.datagen import LOADED_TABLES, SCALES, TOPS, DataGenError, build_tree, generate
from catalog.integrity import check_catalog
from tests.conftest import sql

pytestmark = pytest.mark.django_db

# Everything generated, without ids (sequences are not rolled back) and without the
# values the triggers stamp with now() (product.updated_at), one line per row.
CONTENT_FINGERPRINT = """
SELECT md5(string_agg(line, E'\\n' ORDER BY line)), count(*) FROM (
    SELECT concat_ws('|', 'category', c.slug, c.name, c.description, c.position, c.depth, p.slug)
      FROM catalog_category c LEFT JOIN catalog_category p ON p.id = c.parent_id
    UNION ALL
    SELECT concat_ws('|', 'seller', slug, company_name, contact_name, contact_email, contact_phone, description,
                     commission_rate, payout_account_token, is_active, created_at)
      FROM accounts_seller
    UNION ALL
    SELECT concat_ws('|', 'user', email, full_name, is_active, is_staff, is_superuser, date_joined, last_login)
      FROM accounts_user
    UNION ALL
    SELECT concat_ws('|', 'member', s.slug, u.email, m.role, m.created_at)
      FROM accounts_seller_member m JOIN accounts_seller s ON s.id = m.seller_id
      JOIN accounts_user u ON u.id = m.user_id
    UNION ALL
    SELECT concat_ws('|', 'address', u.email, a.label, a.full_name, a.line1, a.line2, a.city, a.region, a.postal_code,
                     a.country, a.phone, a.is_default, a.created_at)
      FROM accounts_address a JOIN accounts_user u ON u.id = a.user_id
    UNION ALL
    SELECT concat_ws('|', 'product', p.slug, p.name, p.brand, p.description, p.status, p.currency, p.cost,
                     p.created_at, s.slug)
      FROM catalog_product p JOIN accounts_seller s ON s.id = p.seller_id
    UNION ALL
    SELECT concat_ws('|', 'link', p.slug, c.slug)
      FROM catalog_product_category pc JOIN catalog_product p ON p.id = pc.product_id
      JOIN catalog_category c ON c.id = pc.category_id
    UNION ALL
    SELECT concat_ws('|', 'image', p.slug, i.url, i.alt_text, i.position)
      FROM catalog_product_image i JOIN catalog_product p ON p.id = i.product_id
    UNION ALL
    SELECT concat_ws('|', 'variant', v.sku, p.slug, v.name, v.attributes::text, v.price, v.stock,
                     v.low_stock_threshold, v.is_active, v.position, v.updated_at)
      FROM catalog_variant v JOIN catalog_product p ON p.id = v.product_id
    UNION ALL
    SELECT concat_ws('|', 'review', p.slug, u.email, r.author_name, r.rating, r.title, r.body, r.status,
                     r.is_verified_purchase, r.created_at, r.moderated_at)
      FROM catalog_review r JOIN catalog_product p ON p.id = r.product_id JOIN accounts_user u ON u.id = r.user_id
) AS t(line)
"""
# The values the triggers maintain (or the bulk load computes).
DERIVED_FINGERPRINT = """
SELECT md5(string_agg(concat_ws('|', slug, price, is_listed, rating_sum, rating_count, rating_avg,
                                search_vector::text), E'\\n' ORDER BY slug))
  FROM catalog_product
"""


def fingerprints() -> tuple[str, str]:
    [(content, rows)] = sql(CONTENT_FINGERPRINT)
    assert rows > 0
    [(derived,)] = sql(DERIVED_FINGERPRINT)
    return content, derived


def generate_and_roll_back(**kwargs: Any) -> dict[str, Any]:
    """Generate in a savepoint, take the fingerprints and the checks' verdict, roll back."""
    with transaction.atomic():
        counts = generate(**kwargs)
        content, derived = fingerprints()
        problems = check_catalog()
        transaction.set_rollback(True)
    assert sql("SELECT count(*) FROM catalog_product") == [(0,)]
    return {"counts": counts, "content": content, "derived": derived, "problems": problems}


def test_demo_volumes_and_integrity() -> None:
    counts = generate(scale="demo", seed=42)

    assert counts["categories"] == 42
    assert sql("SELECT max(depth) FROM catalog_category") == [(2,)]
    assert counts["sellers"] == counts["seller_users"] == counts["seller_members"] == 12
    assert counts["customers"] == 80
    assert 80 < counts["addresses"] < 160
    assert counts["products"] == counts["images"] == 240
    assert 240 <= counts["product_categories"] < 320
    assert 450 < counts["variants"] < 750
    assert 480 <= counts["reviews"] <= 500
    for table, n in [("accounts_seller", 12), ("catalog_product", 240), ("catalog_review", counts["reviews"])]:
        assert sql(f"SELECT count(*) FROM {table}") == [(n,)]
    assert check_catalog() == []


def test_demo_data_look_real() -> None:
    generate(scale="demo", seed=42)

    # Headphones are called headphones, and search finds them, typo included.
    names = [name for (name,) in sql(
        "SELECT p.name FROM catalog_product p JOIN catalog_product_category pc ON pc.product_id = p.id"
        " JOIN catalog_category c ON c.id = pc.category_id WHERE c.slug = 'headphones'"
    )]  # fmt: skip
    assert names and all("Headphones" in name for name in names)
    # Some are cross-listed in the parent category as well.
    [(cross_listed,)] = sql("SELECT count(*) FROM catalog_product_category pc JOIN catalog_category c"
                            " ON c.id = pc.category_id WHERE c.depth = 1")  # fmt: skip
    assert cross_listed > 10
    found = sql("SELECT count(*) FROM catalog_product WHERE search_vector @@ plainto_tsquery('english', 'headphones')")
    assert found[0][0] >= len(names)
    # word_similarity (pg_trgm's <% operator, GIN-indexable): the typo against the best-matching word
    fuzzy = sql("SELECT name FROM catalog_product WHERE 'hedphones' <%% name")
    assert fuzzy and all("Headphones" in name for (name,) in fuzzy)

    # Money is numeric with two decimals; cost 45-70 % of the list price.
    assert sql("SELECT count(*) FROM catalog_variant WHERE price <= 0 OR scale(price) <> 2") == [(0,)]
    [(low, high)] = sql("SELECT min(cost / price), max(cost / price) FROM catalog_product WHERE price IS NOT NULL")
    assert low > 0.40 and high < 0.75
    # Stock 0-200, some sold out; unique SKUs (also a constraint).
    [(lowest, highest, sold_out, total)] = sql(
        "SELECT min(stock), max(stock), count(*) FILTER (WHERE stock = 0), count(*) FROM catalog_variant"
    )
    assert lowest == 0 and highest <= 200 and 0.02 < sold_out / total < 0.2
    # Mostly active products, at least one inactive seller whose products are unlisted.
    [(active, unlisted)] = sql(
        "SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE NOT is_listed) FROM catalog_product"
    )
    assert active > 200 and unlisted > 0
    assert sql("SELECT count(*) FROM accounts_seller WHERE NOT is_active")[0][0] >= 1
    # Emails: lower case, on reserved example domains, never the demo logins' domain.
    emails = [email for (email,) in sql("SELECT email FROM accounts_user")]
    assert all(re.fullmatch(r"[a-z0-9._-]+@([a-z0-9-]+\.)?example\.(com|net|org)", e) for e in emails), emails[:5]
    # Every address has a real ISO country (also a constraint), mostly the US.
    [(us, addresses)] = sql("SELECT count(*) FILTER (WHERE country = 'US'), count(*) FROM accounts_address")
    assert us / addresses > 0.5
    # Reviews: skewed positive, most published, one per shopper and product (a constraint).
    [(five, one, published, reviews)] = sql(
        "SELECT count(*) FILTER (WHERE rating = 5), count(*) FILTER (WHERE rating = 1),"
        " count(*) FILTER (WHERE status = 'published'), count(*) FROM catalog_review"
    )
    assert five > 2 * one and 0.75 < published / reviews < 0.95
    # Popular products get most reviews (power law).
    [(top_share,)] = sql(
        "SELECT sum(n) FILTER (WHERE rank <= 24)::float / sum(n) FROM"
        " (SELECT count(*) AS n, row_number() OVER (ORDER BY count(*) DESC) AS rank"
        "    FROM catalog_review GROUP BY product_id) t"
    )
    assert top_share > 0.25
    # Images point at the icon of the product's top-level category, which exists.
    urls = {url for (url,) in sql("SELECT DISTINCT url FROM catalog_product_image")}
    assert urls == {f"/static/img/products/{top.slug}.svg" for top in TOPS[:6]}


def test_the_same_seed_gives_the_same_data() -> None:
    first = generate_and_roll_back(scale="demo", seed=42)
    second = generate_and_roll_back(scale="demo", seed=42)
    assert first["problems"] == second["problems"] == []
    assert (first["content"], first["derived"]) == (second["content"], second["derived"])


def test_another_seed_gives_other_data() -> None:
    first = generate_and_roll_back(scale="demo", seed=42)
    other = generate_and_roll_back(scale="demo", seed=43)
    assert first["content"] != other["content"]
    assert other["problems"] == []


def test_bulk_load_computes_what_the_triggers_compute() -> None:
    """The bulk mode (triggers off, derived values computed set-based) gives the very same
    rows, derived values included, as loading with every trigger on."""
    with_triggers = generate_and_roll_back(scale="demo", seed=7, bulk=False)
    bulk = generate_and_roll_back(scale="demo", seed=7, bulk=True)
    assert bulk["problems"] == []
    assert bulk["content"] == with_triggers["content"]
    assert bulk["derived"] == with_triggers["derived"]


def test_bulk_load_re_enables_the_triggers() -> None:
    generate(scale="demo", seed=1, bulk=True)
    disabled = sql(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
        " WHERE NOT tgisinternal AND tgenabled = 'D' AND tgrelid::regclass::text = ANY(%s)",
        [list(LOADED_TABLES)],
    )
    assert disabled == []
    assert check_catalog() == []


def test_a_failed_bulk_load_leaves_nothing_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(datagen, "SQL_REVIEWS", "SELECT 1 / 0")  # the last step fails
    with pytest.raises(DataError, match="division by zero"):
        generate(scale="demo", seed=1, bulk=True)
    for table in LOADED_TABLES:
        assert sql(f"SELECT count(*) FROM {table}") == [(0,)], table
    assert sql("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'") == [(0,)]
    # ... and the next run works.
    monkeypatch.undo()
    assert generate(scale="demo", seed=1)["reviews"] > 0


CORRUPTIONS = {
    "rating": (
        [
            # Consistent with itself (the CHECK ties the counters together), not with the reviews.
            "UPDATE catalog_product SET rating_count = rating_count + 1, rating_sum = rating_sum + 5,"
            " stars_5 = stars_5 + 1 WHERE id = %(product)s"
        ],
        "rating_sum/rating_count/stars_1..5 differ from the published reviews",
    ),
    "price": (
        ["UPDATE catalog_product SET price = price + 1 WHERE id = %(product)s"],
        "product.price differs from the lowest active variant price",
    ),
    "search vector": (
        ["UPDATE catalog_product SET search_vector = to_tsvector('english', 'stale') WHERE id = %(product)s"],
        "product.search_vector differs",
    ),
    "listing": (
        [
            "ALTER TABLE catalog_product DISABLE TRIGGER catalog_product_set_listed",
            "UPDATE catalog_product SET is_listed = NOT is_listed WHERE id = %(product)s",
        ],
        "product.is_listed differs",
    ),
    "missing variant": (
        [
            # as a bulk load with its triggers disabled could (the test's teardown runs the deferred check)
            "ALTER TABLE catalog_variant DISABLE TRIGGER catalog_variant_keeps_product_sold",
            "DELETE FROM catalog_variant WHERE product_id = %(product)s",
        ],
        "products have no variant",
    ),
    "category path": (
        ["UPDATE catalog_category SET path = '/0/', depth = 0 WHERE id = %(category)s"],
        "category.path/depth differ",
    ),
    "category cycle": (
        [
            "ALTER TABLE catalog_category DISABLE TRIGGER USER",
            "UPDATE catalog_category SET parent_id = %(category)s WHERE id = %(top)s",
        ],
        "categories do not lead up to a top-level category",
    ),
}


@pytest.mark.parametrize("corruption", list(CORRUPTIONS))
def test_check_catalog_reports_corruption(corruption: str) -> None:
    generate(scale="demo", seed=42)
    assert check_catalog() == []
    # A product nobody ordered: order lines keep their variants (a foreign key).
    [(product,)] = sql(
        "SELECT min(id) FROM catalog_product p WHERE rating_count > 0 AND price IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM orders_order_item i WHERE i.product_id = p.id)"
    )
    [(top, category)] = sql(
        "SELECT c.parent_id, c.id FROM catalog_category c JOIN catalog_category p ON p.id = c.parent_id"
        " WHERE p.parent_id IS NULL ORDER BY c.id LIMIT 1"
    )
    statements, expected = CORRUPTIONS[corruption]
    for statement in statements:
        sql(statement, {"product": product, "category": category, "top": top})  # type: ignore[arg-type]  # a dict works

    problems = check_catalog()
    assert any(expected in p for p in problems), problems
    key = top if corruption == "category cycle" else category if corruption.startswith("category") else product
    assert any(re.search(rf"\b{key}\b", p) for p in problems), problems


def test_check_catalog_reports_a_missing_audit_partition() -> None:
    assert check_catalog() == []
    [(partition, month)] = sql(
        "SELECT 'audit_log_y' || to_char(m, 'YYYY') || 'm' || to_char(m, 'MM'), to_char(m, 'YYYY-MM')"
        "  FROM (SELECT date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month' AS m) AS t"
    )
    sql(f"DROP TABLE {partition}")  # rolled back with the test
    problems = check_catalog()
    assert any("audit_log has no partition" in p and month in p for p in problems), problems


def test_check_integrity_command() -> None:
    generate(scale="demo", seed=42)
    out = io.StringIO()
    call_command("check_integrity", stdout=out)
    assert "catalog: product prices" in out.getvalue() and "FAIL" not in out.getvalue()

    sql(
        "UPDATE catalog_product SET rating_count = rating_count + 1, rating_sum = rating_sum + 5,"
        " stars_5 = stars_5 + 1 WHERE id = (SELECT min(id) FROM catalog_product)"
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"rating_sum/rating_count/stars_1\.\.5 differ"):
        call_command("check_integrity", stdout=out)
    assert "FAIL" in out.getvalue()


def test_generate_data_command_reports_progress() -> None:
    out = io.StringIO()
    call_command("generate_data", "--scale", "demo", "--seed", "5", "--check", stdout=out)
    text = out.getvalue()
    for table in ("catalog_product", "catalog_variant", "catalog_review", "accounts_user (customers)"):
        assert table in text
    assert "rows/s" in text and "database size" in text and "integrity checks: OK" in text


def test_refuses_a_catalog_that_has_data() -> None:
    generate(scale="demo", seed=42)
    users = sql("SELECT count(*) FROM accounts_user")
    with pytest.raises(DataGenError, match="already has data"):
        generate(scale="demo", seed=43)
    with pytest.raises(CommandError, match="already has data"):
        call_command("generate_data", "--scale", "demo", stdout=io.StringIO())
    assert sql("SELECT count(*) FROM accounts_user") == users


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": "huge"}, "unknown scale"),
        ({"scale": "demo", "seed": -1}, "seed"),
        ({"scale": "demo", "seed": 2**31}, "seed"),
        ({"scale": "demo", "jobs": 0}, "jobs"),
        ({"scale": "demo", "jobs": 17}, "jobs"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(DataGenError, match=message):
        generate(**kwargs)
    assert sql("SELECT count(*) FROM accounts_user") == [(0,)]


@pytest.mark.parametrize(
    "argv",
    [["--scale", "huge"], ["--scale", "demo", "--seed", "-1"], ["--seed", "1"], ["--scale", "demo", "--jobs", "0"]],
)
def test_command_rejects_bad_arguments(argv: list[str]) -> None:
    with pytest.raises(CommandError):
        call_command("generate_data", *argv, stdout=io.StringIO())


def test_category_tree_shapes() -> None:
    expected = {"demo": (42, 3), "small": (170, 3), "medium": (1000, 4), "full": (1000, 4)}
    for scale, (count, levels) in expected.items():
        tree = build_tree(SCALES[scale])
        assert len(tree.categories) == count
        assert max(row["depth"] for row in tree.categories) == levels - 1
        assert len({row["slug"] for row in tree.categories}) == count
        assert all(leaf["sib_count"] >= 2 for leaf in tree.leaves)


def test_vocabulary_reads_well() -> None:
    """A qualifier never repeats the adjective or noun it is combined with ("Pro Pro Headphones")."""
    for top in TOPS:
        adjectives = {slugify(a) for a in top.adjectives}
        for sub in top.subs:
            for qualifier in sub.qualifiers:
                assert slugify(qualifier) not in adjectives, (top.name, qualifier)
                for leaf in sub.leaves:
                    assert qualifier.lower() not in leaf.noun.lower(), (qualifier, leaf.noun)


@pytest.mark.slow
def test_small_scale() -> None:
    counts = generate(scale="small", seed=42)
    assert counts["categories"] == 170
    assert counts["customers"] == 10_000
    assert counts["sellers"] == 50
    assert counts["products"] == 5_000
    assert 10_000 < counts["variants"] < 15_000
    assert 19_000 < counts["reviews"] <= 20_000
    assert check_catalog() == []
    # Ratings skew positive: about 5:45 % 4:30 % 3:12 % 2:6 % 1:7 %.
    shares = dict(sql("SELECT rating, count(*)::float / sum(count(*)) OVER () FROM catalog_review GROUP BY rating"))
    assert 0.35 < shares[5] < 0.55 and 0.22 < shares[4] < 0.38 and shares[1] < 0.12
