"""Analytics views: exact numbers on a hand-built data set, equal to the live query after
a refresh, and refreshable while the shop takes orders."""

from __future__ import annotations

import threading
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connections

from orders import services
from reports.models import CustomerLifetimeValue, DailySales, ProductPerformance
from tests.conftest import sql
from tests.orders.conftest import acting_as_shopper, make_shopper

VIEWS = [
    "reports_daily_sales",
    "reports_product_performance",
    "reports_customer_ltv",
    "reports_category_daily_sales",
    "reports_variant_velocity",
]


def differences(view: str) -> int:
    """Rows in the view but not in a fresh run of its definition, and the other way round."""
    [(definition,)] = sql("SELECT definition FROM pg_matviews WHERE matviewname = %s", [view])
    query = definition.rstrip().rstrip(";")
    [(count,)] = sql(
        f"SELECT (SELECT count(*) FROM (SELECT * FROM {view} EXCEPT ALL ({query})) a)"
        f" + (SELECT count(*) FROM (({query}) EXCEPT ALL SELECT * FROM {view}) b)"
    )
    return count


def paid_order(shopper, *lines):  # type: ignore[no-untyped-def]
    shopper.fill_cart(*lines)
    order = shopper.place()
    with acting_as_shopper(shopper.user):
        services.order_pay(order=order)
    return order


@pytest.mark.django_db
def test_exact_numbers_and_exclusions(shop, capsys):  # type: ignore[no-untyped-def]
    a, b = make_shopper(), make_shopper()
    paid_order(a, (shop["aur"], 2))  # 39.98
    paid_order(a, (shop["peb"], 1))  # 7.50
    paid_order(b, (shop["aur"], 1), (shop["peb"], 2))  # 19.99 + 15.00
    cancelled = paid_order(b, (shop["peb"], 1))
    with acting_as_shopper(b.user):
        services.order_cancel(order=cancelled)
    b.fill_cart((shop["aur"], 1))
    b.place()  # pending: not a sale
    call_command("refresh_analytics")
    assert "refreshed reports_daily_sales" in capsys.readouterr().out
    [day] = DailySales.objects.all()
    assert (day.orders, day.units, day.revenue, day.customers) == (3, 6, Decimal("82.47"), 2)
    perf = {p.product_id: (p.orders, p.units, p.revenue) for p in ProductPerformance.objects.all()}
    assert perf == {shop["headphones"].pk: (2, 3, Decimal("59.97")), shop["speaker"].pk: (2, 3, Decimal("22.50"))}
    ltv = {c.user_id: (c.orders, c.revenue, c.average_order) for c in CustomerLifetimeValue.objects.all()}
    assert ltv == {
        a.user.pk: (2, Decimal("47.48"), Decimal("23.74")),
        b.user.pk: (1, Decimal("34.99"), Decimal("34.99")),
    }
    for view in VIEWS:
        assert differences(view) == 0, view
    paid_order(a, (shop["peb"], 1))
    assert differences("reports_daily_sales") > 0  # stale until the next refresh
    call_command("refresh_analytics")
    assert all(differences(v) == 0 for v in VIEWS)


# reports_daily_sales before reports 0007: each counted order's units summed by a
# LATERAL lookup of its lines, one per order (9.4 M at full scale).
DAILY_SALES_PER_ORDER_LOOKUP = """
SELECT (o.placed_at AT TIME ZONE 'UTC')::date, count(*)::integer, sum(l.units)::integer, sum(o.subtotal),
       sum(o.discount), sum(o.subtotal - o.discount), sum(o.shipping), sum(o.tax), count(DISTINCT o.user_id)::integer
  FROM orders_order o
  JOIN LATERAL (SELECT sum(i.quantity) AS units FROM orders_order_item i WHERE i.order_id = o.id) l ON true
 WHERE o.status IN ('paid', 'processing', 'shipped', 'delivered')
 GROUP BY 1
"""


@pytest.mark.django_db
def test_daily_sales_sum_the_lines_per_order_in_one_pass_with_the_same_rows(shop):  # type: ignore[no-untyped-def]
    a, b = make_shopper(), make_shopper()
    paid_order(a, (shop["aur"], 3), (shop["peb"], 2))
    paid_order(b, (shop["peb"], 1))
    cancelled = paid_order(b, (shop["aur"], 1))
    with acting_as_shopper(b.user):
        services.order_cancel(order=cancelled)
    call_command("refresh_analytics")
    [(definition,)] = sql("SELECT definition FROM pg_matviews WHERE matviewname = 'reports_daily_sales'")
    assert "LATERAL" not in definition.upper()
    view = sql("SELECT * FROM reports_daily_sales")
    assert sorted(view) == sorted(sql(DAILY_SALES_PER_ORDER_LOOKUP))
    assert [(units, orders) for _day, orders, units, *_rest in view] == [(6, 2)]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_refresh_runs_while_checkouts_go_on(shop):  # type: ignore[no-untyped-def]
    sql("UPDATE catalog_variant SET stock = 1000")
    shoppers = [make_shopper() for _ in range(6)]
    stop = threading.Event()
    errors: list[BaseException] = []
    placed = [0]

    def buyer(shopper):  # type: ignore[no-untyped-def]
        try:
            while not stop.is_set():
                shopper.fill_cart((shop["peb"], 1))
                with acting_as_shopper(shopper.user):
                    order = services.order_place(
                        address_id=shopper.address.pk,
                        shipping_code="standard",
                        payment_method_id=shopper.card.pk,
                        promotion_code="",
                        idempotency_key=uuid.uuid4(),
                    )
                    services.order_pay(order=order)
                placed[0] += 1
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buyer, args=(s,)) for s in shoppers]
    for t in threads:
        t.start()
    try:
        for _ in range(5):
            call_command("refresh_analytics")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    assert placed[0] > 0
    call_command("refresh_analytics")
    assert all(differences(v) == 0 for v in VIEWS)


@pytest.mark.django_db
def test_the_parallel_refresh_knows_every_view_and_no_view_reads_another():  # type: ignore[no-untyped-def]
    # reports/refresh.py refreshes the views on several connections at once: only right
    # if its list is the whole set and none of them reads another.
    from reports import refresh

    matviews = {name for (name,) in sql("SELECT matviewname FROM pg_matviews WHERE schemaname = 'public'")}
    assert set(refresh.VIEWS) == matviews
    [(source,)] = sql("SELECT prosrc FROM pg_proc WHERE proname = 'reports_refresh_analytics'")
    assert all(f"'{view}'" in source for view in refresh.VIEWS)
    reads_another = sql(
        "SELECT DISTINCT v.relname, d.relname FROM pg_depend dep"
        " JOIN pg_rewrite r ON r.oid = dep.objid JOIN pg_class v ON v.oid = r.ev_class"
        " JOIN pg_class d ON d.oid = dep.refobjid"
        " WHERE v.relkind = 'm' AND d.relkind = 'm' AND d.oid <> v.oid"
    )
    assert reads_another == []


@pytest.mark.django_db
def test_refresh_analytics_jobs_option(capsys):  # type: ignore[no-untyped-def]
    from django.core.management import CommandError

    call_command("refresh_analytics", "--jobs", "1")
    assert "with 1 job(s)" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--jobs"):
        call_command("refresh_analytics", "--jobs", "0")


@pytest.mark.django_db
def test_a_plain_refresh_writes_the_view_anew_and_a_concurrent_one_diffs_it_in_place():  # type: ignore[no-untyped-def]
    # A bulk load refreshes plainly (refresh_views(concurrently=False)): the rows are
    # written to a new file, instead of diffed against the old ones (CONCURRENTLY, which
    # keeps the file so that readers are never blocked).
    from reports import refresh

    view = "reports_daily_sales"

    def relfilenode() -> int:
        return int(sql("SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", [view])[0][0])

    refresh.refresh_view(view)  # populated from here on
    before = relfilenode()
    refresh.refresh_view(view)
    assert relfilenode() == before
    refresh.refresh_view(view, concurrently=False)
    assert relfilenode() != before
    assert differences(view) == 0


def _backend() -> tuple[str, float, int]:
    """A refresh task that tells which thread and connection ran it."""
    [(pid,)] = sql("SELECT pg_backend_pid()")
    return threading.current_thread().name, 0.0, pid


@pytest.mark.django_db(transaction=True)
def test_the_search_lists_refresh_in_the_views_pool_on_their_own_connection(capsys):  # type: ignore[no-untyped-def]
    # refresh_analytics gives the search's lists (its longest step at full scale) to the
    # views' pool (first: submitted before the views), instead of after every view on one
    # connection.
    from reports import refresh

    [(mine,)] = sql("SELECT pg_backend_pid()")
    *views, (thread, _seconds, pid) = refresh.refresh_views(jobs=2, also=[_backend])
    assert [view for view, *_ in views] == list(refresh.VIEWS)
    assert thread.startswith("refresh") and pid != mine
    started: list[str] = []
    real = refresh.refresh_view
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(refresh, "refresh_view", lambda view, **kw: started.append(view) or real(view, **kw))
        call_command("refresh_analytics", "--jobs", "1")  # one session: the views, then the lists
        assert started == [] and "refreshed catalog_search_term" in capsys.readouterr().out.splitlines()[-2]
        call_command("refresh_analytics")
    out = capsys.readouterr().out
    assert "refreshed catalog_search_term" in out and "with 2 job(s)" in out
    assert sorted(started) == sorted(refresh.VIEWS)


@pytest.mark.django_db
def test_inside_a_transaction_the_tasks_run_after_the_views_in_this_session():  # type: ignore[no-untyped-def]
    from reports import refresh

    [(mine,)] = sql("SELECT pg_backend_pid()")
    *views, (thread, _seconds, pid) = refresh.refresh_views(jobs=2, also=[_backend])
    assert sorted(view for view, *_ in views) == sorted(refresh.VIEWS)
    assert (thread, pid) == (threading.current_thread().name, mine)
