"""The bulk load's order tables over several connections (orders.datagen.insert_orders_in_parallel).

Outside a transaction only, as the command runs it: these tests commit (transaction=True).
"""

from __future__ import annotations

import io

import pytest
from django.db import connection, transaction

from catalog.datagen import ANALYZED_TABLES, CATALOG_REBUILT_TABLES, CATEGORY_LIST_TABLES, DataGenError, generate
from orders import datagen as orders_datagen
from orders.datagen import ORDER_TABLES, REBUILT_TABLES, STAGING_SCHEMA
from reports.refresh import VIEWS
from tests.catalog.test_datagen import fingerprints
from tests.conftest import sql
from tests.orders.test_datagen_orders import ORDER_FINGERPRINT, SCHEMA_OF_ORDER_TABLES, failed_checks

pytestmark = pytest.mark.django_db(transaction=True)

# The four tables the streams write, by the order's number relative to the first order's
# (ids and numbers come from sequences, which a rollback does not reset).
LINES_FINGERPRINT = """
WITH o AS (SELECT id, split_part(number, '-', 3)::bigint - min(split_part(number, '-', 3)::bigint) OVER () AS n
             FROM orders_order)
SELECT (SELECT md5(string_agg(concat_ws('|', o.n, i.sku, i.product_name, i.unit_price, i.quantity, i.line_total,
                                        i.discount, i.commission_rate), E'\\n' ORDER BY o.n, i.sku, i.line_total))
          FROM orders_order_item i JOIN o ON o.id = i.order_id),
       (SELECT md5(string_agg(concat_ws('|', o.n, h.from_status, h.to_status, h.changed_at), E'\\n'
                              ORDER BY o.n, h.changed_at, h.to_status))
          FROM orders_order_status_history h JOIN o ON o.id = h.order_id),
       (SELECT md5(string_agg(concat_ws('|', o.n, p.kind, p.status, p.amount, p.error_code, p.created_at), E'\\n'
                              ORDER BY o.n, p.created_at, p.kind))
          FROM orders_payment_transaction p JOIN o ON o.id = p.order_id),
       (SELECT md5(string_agg(concat_ws('|', o.n, r.amount, r.created_at), E'\\n' ORDER BY o.n))
          FROM promotions_redemption r JOIN o ON o.id = r.order_id)
"""


def loaded() -> tuple[object, ...]:
    return (*sql(ORDER_FINGERPRINT)[0], *sql(LINES_FINGERPRINT)[0], *fingerprints())


# Tables whose keys and indexes a bulk load drops and re-creates.
REBUILT = [[*REBUILT_TABLES, *CATALOG_REBUILT_TABLES, *CATEGORY_LIST_TABLES]] * 2


def assert_schema_whole(before: set[tuple[object, ...]]) -> None:
    tables = REBUILT
    assert set(sql(SCHEMA_OF_ORDER_TABLES, tables)) == before
    assert sql("SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == [(0,)]
    assert sql("SELECT count(*) FROM pg_index WHERE NOT (indisvalid AND indisready AND indislive)") == [(0,)]
    assert sql(
        "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'"
        " AND tgrelid::regclass::text = ANY(%s)",
        [list(ORDER_TABLES)],
    ) == [(0,)]
    assert sql("SELECT count(*) FROM pg_namespace WHERE nspname = %s", [STAGING_SCHEMA]) == [(0,)]


# The search's facet counts and counts per category (catalog 0023-0025), which read the
# lists and the category listing.
FACETS_FINGERPRINT = """
SELECT count(*),
       md5(string_agg(concat_ws('|', f.query::text, c.slug, f.cum::text, f.cum_in_stock::text), E'\\n'
                      ORDER BY f.query::text, c.slug)),
       (SELECT md5(string_agg(concat_ws('|', w.query::text, k.slug, w.matches), E'\\n' ORDER BY w.query::text, k.slug))
          FROM catalog_search_term_category w JOIN catalog_category k ON k.id = w.category_id)
  FROM catalog_search_term_facet f JOIN catalog_category c ON c.id = f.category_id
"""


def test_the_parallel_load_writes_what_the_one_transaction_load_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    from catalog import datagen as catalog_datagen

    # The demo's words are far from frequent (2,000 matches): list the ones in 20 products,
    # so that the lists and their facet counts have rows to compare.
    key, table, _ = catalog_datagen.LIST_REBUILDS["term lists"]
    monkeypatch.setitem(
        catalog_datagen.LIST_REBUILDS,
        "term lists",
        (key, table, "SELECT catalog_search_terms_refresh(20, 2000, false)"),
    )
    before = set(sql(SCHEMA_OF_ORDER_TABLES, REBUILT))
    with transaction.atomic():  # inside a transaction: one transaction, whatever `jobs` says
        one = generate(scale="demo", seed=9, bulk=True, jobs=2)
        expected = loaded()
        facets = sql(FACETS_FINGERPRINT)
        transaction.set_rollback(True)
    assert sql("SELECT count(*) FROM orders_order") == [(0,)]
    assert facets[0][0] > 0

    counts = generate(scale="demo", seed=9, bulk=True, jobs=2)

    assert counts == one
    assert loaded() == expected
    # Counted after the listing was rebuilt beside the lists: what counting now gives.
    assert sql(FACETS_FINGERPRINT) == facets
    sql("SELECT catalog_search_facets_refresh()")
    assert sql(FACETS_FINGERPRINT) == facets
    assert_schema_whole(before)
    assert failed_checks() == []


def test_a_failed_stream_leaves_the_order_tables_empty_and_their_schema_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = set(sql(SCHEMA_OF_ORDER_TABLES, REBUILT))
    # The other stream (orders, payments) commits; this one fails after its first insert.
    monkeypatch.setitem(orders_datagen.STREAM_INSERTS, "orders_order_status_history", "SELECT 1 / 0")

    with pytest.raises(DataGenError, match=r"failed while inserting the orders \(division by zero.*fresh one"):
        generate(scale="demo", seed=9, bulk=True, jobs=2)

    for table in REBUILT_TABLES:
        assert sql(f"SELECT count(*) FROM {table}") == [(0,)], table
    assert_schema_whole(before)
    # What the first transaction committed stays, as the error says.
    assert sql("SELECT count(*) FROM catalog_product") == [(240,)]


def fail_rebuild(monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    """Make catalog.datagen._rebuild_list fail (division by zero) for the `failing` kind."""
    from catalog import datagen as catalog_datagen

    rebuild_list = catalog_datagen._rebuild_list

    def rebuild(cursor, kind, log, **options):  # type: ignore[no-untyped-def]
        if kind == failing:
            cursor.execute("SELECT 1 / 0")
        return rebuild_list(cursor, kind, log, **options)

    monkeypatch.setattr(catalog_datagen, "_rebuild_list", rebuild)


def test_a_failed_step_after_the_inserts_is_named_and_the_others_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    fail_rebuild(monkeypatch, "term lists")

    with pytest.raises(
        DataGenError,
        match=r"orders were committed.*the search lists: division by zero\. .*fresh one",
    ) as failure:
        generate(scale="demo", seed=9, bulk=True, jobs=2)

    assert "the keys of" not in str(failure.value)
    # The other steps finished: every key validated (the category tables' re-added ones
    # too), the category listing and its search index rebuilt.
    assert sql("SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == [(0,)]
    assert sql("SELECT count(*) > 0 FROM catalog_category_listing") == [(True,)]
    assert sql("SELECT count(*) FROM catalog_category_search") == sql("SELECT count(*) FROM catalog_category_listing")
    assert sql("SELECT count(*) FROM catalog_search_term") == [(0,)]
    assert sql("SELECT count(*) > 0 FROM orders_order") == [(True,)]


def test_the_facets_are_not_counted_when_the_listing_was_not_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    from catalog import datagen as catalog_datagen

    before = set(sql(SCHEMA_OF_ORDER_TABLES, [list(CATEGORY_LIST_TABLES)] * 2))
    fail_rebuild(monkeypatch, "listing")
    key, table, _ = catalog_datagen.LIST_REBUILDS["term lists"]  # words in 20 products get lists
    monkeypatch.setitem(
        catalog_datagen.LIST_REBUILDS,
        "term lists",
        (key, table, "SELECT catalog_search_terms_refresh(20, 2000, false)"),
    )

    with pytest.raises(DataGenError, match=r"the category listing and its search index: division by zero") as failure:
        generate(scale="demo", seed=9, bulk=True, jobs=2)

    assert "facet" not in str(failure.value)
    # The lists were committed; the counts, which read the listing, were never started.
    assert sql("SELECT count(*) > 0 FROM catalog_search_term") == [(True,)]
    assert sql("SELECT count(*) FROM catalog_search_term_facet") == [(0,)]
    assert sql("SELECT count(*) FROM catalog_category_listing") == [(0,)]
    # The category tables' keys and indexes, which the load's first transaction dropped, are back.
    assert set(sql(SCHEMA_OF_ORDER_TABLES, [list(CATEGORY_LIST_TABLES)] * 2)) == before


def test_after_the_inserts_each_table_is_vacuumed_before_its_keys_are_checked_and_the_views_last() -> None:
    out = io.StringIO()
    generate(scale="demo", seed=9, bulk=True, jobs=2, out=out)

    lines = out.getvalue().splitlines()

    def at(text: str) -> int:
        (index,) = [i for i, line in enumerate(lines) if line.strip().startswith(text)]
        return index

    for table in (
        "orders_order_item",
        "orders_order_status_history",
        "orders_payment_transaction",
        "promotions_redemption",
        "promotions_usage",
        "orders_order",
    ):
        checked = next(i for i, line in enumerate(lines) if f"keys of {table} validated" in line)
        assert at(f"vacuum (analyze) {table} ") < checked, table
        assert at("vacuum (analyze) orders_order ") < checked, table  # the orders they refer to
    last_vacuum = max(i for i, line in enumerate(lines) if "vacuum (analyze)" in line)
    views = [i for i, line in enumerate(lines) if line.strip().startswith("reports_")]
    assert len(views) == len(VIEWS)
    assert min(views) > last_vacuum
    # Every table analyzed, every view populated.
    assert sql(
        "SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(%s) AND last_vacuum IS NOT NULL"
        " AND last_analyze IS NOT NULL",
        [list(ANALYZED_TABLES)],
    ) == [(len(ANALYZED_TABLES),)]
    assert sql("SELECT count(*) FROM pg_matviews WHERE NOT ispopulated AND matviewname LIKE 'reports_%%'") == [(0,)]
    assert failed_checks() == []


def _record(cursor: object, name: str, ran: list[str], fail: bool = False) -> dict[str, int]:
    ran.append(name)
    if fail:
        raise RuntimeError(f"{name} broke")
    return {name: 1}


def test_the_steps_after_the_inserts_wait_for_what_they_need_and_skip_what_needs_a_failure() -> None:
    from catalog.datagen import _run_steps, _Step

    ran: list[str] = []
    counts: dict[str, int] = {}
    steps = [
        _Step("c", _record, ("c", ran), frozenset({"b"})),  # preferred, but waits for b
        _Step("a", _record, ("a", ran, True)),
        _Step("b", _record, ("b", ran)),
        _Step("d", _record, ("d", ran), frozenset({"a"})),  # a fails: d never starts,
        _Step("e", _record, ("e", ran), frozenset({"d", "b"})),  # nor e, which needs d
        _Step("f", _record, ("f", ran), frozenset({"b", "c"})),
    ]

    failed = _run_steps(steps, 2, counts)

    assert failed == ["a: a broke"]
    assert sorted(ran) == ["a", "b", "c", "f"]
    assert ran.index("c") > ran.index("b") and ran.index("f") > ran.index("c")
    assert counts == {"b": 1, "c": 1, "f": 1}


def test_every_rebuilt_table_is_inserted_and_indexed_by_one_stream() -> None:
    # After the streams nothing builds indexes: a table in none would be left without them.
    in_streams = [table for tables in orders_datagen.STREAMS for table in tables]
    assert sorted(in_streams) == sorted(REBUILT_TABLES)
    assert set(orders_datagen.STREAM_INSERTS) == set(REBUILT_TABLES)


def test_the_shared_staging_tables_are_left_alone_by_autovacuum() -> None:
    # Committed for the order streams to read, they were vacuumed and analyzed by
    # autovacuum beside those streams: minutes of two workers for tables dropped after.
    from catalog.datagen import _Log, _Runner

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {STAGING_SCHEMA}")
        runner = _Runner(cursor, _Log(None), {}, shared=frozenset({"gen_probe"}))
        runner.run("CREATE TEMP TABLE gen_probe ON COMMIT DROP AS SELECT 1 AS x")
        cursor.execute(
            "SELECT c.relpersistence, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = 'gen_probe'",
            [STAGING_SCHEMA],
        )
        staged = cursor.fetchall()
        transaction.set_rollback(True)
    assert staged == [("u", ["autovacuum_enabled=false"])]


def test_each_stream_builds_its_indexes_with_the_sort_memory_set_for_it() -> None:
    # At full scale 1 GB sent the lines' and orders' index sorts to disk (see STREAM_SORT_MEMORY);
    # the other core runs the other stream, so no parallel workers.
    from catalog.datagen import _Log

    with transaction.atomic(), connection.cursor() as cursor:
        orders_datagen._load_session(cursor, _Log(None), {})
        cursor.execute(
            "SELECT current_setting('maintenance_work_mem'), current_setting('max_parallel_maintenance_workers')"
        )
        settings = cursor.fetchone()
        transaction.set_rollback(True)
    assert settings == (orders_datagen.STREAM_SORT_MEMORY, "0")
