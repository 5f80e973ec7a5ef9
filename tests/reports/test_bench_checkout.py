"""manage.py bench_checkout: a tiny run with real client processes against the test
database (both scenarios), the oversell check and the counts adding up; pgbench on a
scratch database; the pieces that need no database. No wall-clock assertions."""

from __future__ import annotations

import os
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from catalog.models import Variant
from orders.models import Order, OrderItem
from orders.services import OrderError
from reports.bench import checkout
from tests.reports.test_bench import SPEED_LINE

ROW = re.compile(r"^\| (distinct variants|hot variant \(stock [\d,]+\)) \| (\d+) \| ([\d,]+) \|.*$", re.MULTILINE)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_tiny_run_places_orders_in_both_scenarios_without_overselling(tmp_path: Path) -> None:
    orders_before = Order.objects.count()
    output = tmp_path / "BENCH.md"
    out = StringIO()
    call_command(
        "bench_checkout",
        "--yes",
        "--clients",
        "2",
        "--seconds",
        "2",
        "--max-orders",
        "400",
        "--hot-stock",
        "3",
        "--skip-pgbench",
        "--output",
        str(output),
        stdout=out,
    )
    text = output.read_text(encoding="utf-8")
    assert "<!-- bench:checkout start -->" in text and "<!-- bench:checkout end -->" in text
    assert "pgbench: skipped (--skip-pgbench)" in text
    assert re.search(SPEED_LINE, text), "the report says how fast the machine was"
    rows = [_cells(m.group(0)) for m in ROW.finditer(text)]
    assert [r[0] for r in rows] == ["distinct variants", "hot variant (stock 3)"], text
    distinct, hot = rows
    # scenario | clients | orders | seconds | orders/s | pgbench TPS | ratio | goal met | refusals | deadlocks
    # | errors | oversell check
    assert distinct[1] == hot[1] == "2"
    assert int(distinct[2].replace(",", "")) > 0
    assert hot[2] == "3"  # exactly the stock, never more
    assert distinct[8] == "0" and int(hot[8]) >= 2  # each hot client stops at its sold-out refusal
    assert [distinct[9], distinct[10], hot[9], hot[10]] == ["0", "0", "0", "0"]
    assert distinct[11].startswith("ok: sold ") and hot[11] == "ok: sold 3 = 3 - 0"
    assert distinct[7] == "- (no pgbench)" and hot[7] == "yes"

    # The database agrees with what the clients counted.
    distinct_orders = int(distinct[2].replace(",", ""))
    assert Order.objects.count() - orders_before == distinct_orders + 3
    bench_variants = Variant.objects.filter(sku__startswith="BENCH-")
    assert bench_variants.count() == 3  # two distinct, one hot
    # The hot variant is the one stocked 3 (its SKU names the scenario); a distinct client
    # may sell its whole stock (its count limit) in the time, so stock 0 does not tell them apart.
    hot_variant = bench_variants.get(sku__regex=r"-H\d+-")
    assert hot_variant.stock == 0
    assert sum(OrderItem.objects.filter(variant=hot_variant).values_list("quantity", flat=True)) == 3
    for variant in bench_variants.exclude(pk=hot_variant.pk):
        sold = sum(OrderItem.objects.filter(variant=variant).values_list("quantity", flat=True))
        assert variant.stock == 200 - sold  # per-client count limit = 400 / 2 clients = initial stock
    assert set(Order.objects.filter(items__variant__in=bench_variants).values_list("status", flat=True)) == {
        "pending_payment"  # the payment step is not part of the default run
    }
    assert "order_place p50" in text


def test_refuses_without_yes() -> None:
    with pytest.raises(CommandError, match="bench database"):
        call_command("bench_checkout", "--skip-pgbench", stdout=StringIO())


@pytest.mark.django_db(transaction=True)
def test_pgbench_on_a_scratch_database_reports_tps_and_drops_it() -> None:
    binary = checkout.find_pgbench()
    if binary is None:
        pytest.skip("pgbench is not installed")
    bench = checkout.Pgbench(binary, checkout.database_settings(), checkout.new_run_id())
    try:
        bench.create(scale=1)
        assert bench.tps(clients=2, seconds=1) > 0
    finally:
        bench.drop()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [bench.database])
        assert cursor.fetchone()[0] == 0


@pytest.mark.django_db(transaction=True)
def test_the_scratch_database_is_dropped_once_a_session_it_may_not_end_is_gone() -> None:
    # An autovacuum worker on pgbench's fresh tables made DROP ... WITH (FORCE) fail with
    # insufficient_privilege; here the web login's session stands in for it.
    import threading
    from urllib.parse import unquote

    import environ
    import psycopg

    bench = checkout.Pgbench(Path("pgbench"), checkout.database_settings(), checkout.new_run_id())
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{bench.database}"')
    bench.created = True
    web = environ.Env.db_url_config(os.environ["WEB_DATABASE_URL"])
    other = psycopg.connect(
        dbname=bench.database,
        user=web["USER"],
        password=web["PASSWORD"],
        host=unquote(web["HOST"] or ""),
        port=web["PORT"] or None,
    )
    try:
        with pytest.raises(DatabaseError, match="must be a member of the role"):
            bench.drop(attempts=1)
        assert bench.created
        threading.Timer(1.0, other.close).start()
        bench.drop()
    finally:
        other.close()
        bench.drop()
    assert not bench.created
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [bench.database])
        assert cursor.fetchone()[0] == 0


def test_parse_tps_takes_the_figure_without_connection_time() -> None:
    output = (
        "number of transactions actually processed: 16321\n"
        "latency average = 4.901 ms\n"
        "initial connection time = 12.345 ms\n"
        "tps = 1632.281476 (without initial connection time)\n"
    )
    assert checkout.parse_tps(output) == pytest.approx(1632.281476)
    with pytest.raises(checkout.BenchError):
        checkout.parse_tps("pgbench: error: connection failed")


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _wrapped(sqlstate: str) -> DatabaseError:
    try:
        try:
            raise _PgError(sqlstate)
        except _PgError as inner:
            raise DatabaseError("wrapped") from inner
    except DatabaseError as exc:
        return exc


def test_outcomes_are_classified_by_sqlstate() -> None:
    assert checkout.classify(_wrapped("40P01")) == "deadlock"
    assert checkout.classify(_wrapped("SW001")) == "refusal"
    assert checkout.classify(_wrapped("55P03")) == "error"
    refused = OrderError("out_of_stock", "gone")
    assert checkout.classify(refused) == "refusal"
    busy = OrderError("busy", "try again")
    busy.__cause__ = _wrapped("40P01")
    assert checkout.classify(busy) == "deadlock"
    assert checkout.classify(RuntimeError("boom")) == "error"


def test_stock_check_flags_oversell_and_counts_that_do_not_add_up() -> None:
    fine = checkout.StockCheck(10, 4, 6, 6, 6, 6, [], [])
    assert fine.ok and fine.describe() == "ok: sold 6 = 10 - 4"
    oversold = checkout.StockCheck(10, 0, 12, 12, 12, 12, [], [1])
    assert not oversold.ok and oversold.describe().startswith("**FAIL**")
    miscounted = checkout.StockCheck(10, 4, 6, 6, 7, 7, [], [])
    assert not miscounted.ok and "clients counted 7" in miscounted.describe()


def test_only_loopback_databases_are_benchmarked() -> None:
    checkout.check_loopback({"HOST": "/run/postgresql"})
    checkout.check_loopback({"HOST": "127.0.0.1"})
    with pytest.raises(checkout.BenchError, match="loopback"):
        checkout.check_loopback({"HOST": "db.example.com"})


def test_hot_stock_is_below_what_the_clients_buy() -> None:
    options = checkout.BenchOptions(clients=(8,), max_orders=10_000)
    assert checkout.hot_stock_for(options, 8, None) == 200
    explicit = checkout.BenchOptions(clients=(8,), hot_stock=50)
    assert checkout.hot_stock_for(explicit, 8, None) == 50
