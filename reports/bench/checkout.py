"""The checkout-throughput benchmark (``manage.py bench_checkout``, issue 6).

Place-order throughput with N concurrent clients, each a separate OS process (the
``spawn`` context: its own interpreter, ``django.setup()`` and database connection, so
the GIL caps nothing), in two scenarios:

- ``distinct``: every client buys its own variant, stocked for the client's whole count
  limit, so clients never wait for one another's row locks and nothing is refused;
- ``hot``: every client buys the same variant, stocked for fewer units than the clients
  would buy in the time limit, so checkouts queue on its row lock, it sells out and the
  late buyers are refused by order_place (SW001, out of stock).

Each client loops, as one signed-in shopper would, in the shopper's request identity
(``commerce_customer`` with ``app.user_id``, RLS on; ``set_user_context(for_request=True)``
at the start of each iteration and ``clear_user_context()`` at its end, as the request
middleware does): one INSERT of the next order's cart line (quantity 1) and then
``orders.services.order_place`` (the ``order_place()`` routine the checkout view calls,
its own committed transaction), until the time limit or its count limit. The payment saga
(``order_pay``: authorize, record, capture, record) is **not** included unless
``with_payment`` is set: the benchmark compares one place-order transaction with one
pgbench transaction. Only committed orders are counted.

The run creates what it needs with the owner login in committed transactions and leaves
it behind, because orders are immutable and audited: a seller ``Bench seller <run id>``,
its products and variants (SKUs ``BENCH-<run id>-...``), shoppers
``bench-<run id>-<n>@bench.shopwave.example`` with an address, a saved test card (4242…)
and a cart, and the orders they place. Run it against a bench database only.

After each scenario the oversell check compares, per variant, the units sold (committed
order lines, orders not cancelled/refunded/payment_failed) with initial - final stock,
requires final stock ≥ 0, and checks that the orders the clients counted are the orders
the database holds.

pgbench's builtin tpcb-like workload runs on a scratch database created (``pgbench -i``)
and dropped by the run, over the same socket, at the same client counts.

This module imports no models at import time: spawned clients import it before
``django.setup()``.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import queue
import re
import secrets
import shutil
import string
import subprocess
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from reports.bench.machine import speed_line

SCENARIOS = ("distinct", "hot")
DEFAULT_CLIENTS = (8, 32)
DEFAULT_SECONDS = 10.0
DEFAULT_MAX_ORDERS = 50_000  # per scenario, shared out between its clients
MAX_CLIENTS = 64
MAX_SECONDS = 120.0
THROUGHPUT_GOAL = 0.70  # distinct-variant orders/s >= 70 % of pgbench tpcb-like TPS
ERRORS_BEFORE_GIVING_UP = 50  # per client: a client that only fails stops early
START_DELAY_S = 0.25  # clients start together, this long after the last one is ready
PGBENCH_SCALE = 10
BENCH_CARD = "4242424242424242"  # the simulated processor approves it
BENCH_PRICE = Decimal("10.00")
LOOPBACK_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
# Orders in these statuses gave their stock back (payment_failed, cancel, refund triggers).
RELEASED_STATUSES = ("cancelled", "refunded", "payment_failed")
_TPS = re.compile(r"^tps = ([0-9]+(?:\.[0-9]+)?) \(without initial connection time\)", re.MULTILINE)
_DB_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT")


class BenchError(Exception):
    """The benchmark could not run (set-up, clients or pgbench failed)."""


# --- What a client is told and what it reports --------------------------------------------


@dataclass(frozen=True)
class ClientTask:
    user_id: int
    address_id: int
    card_id: int
    variant_id: int
    shipping_code: str
    seconds: float
    max_orders: int
    with_payment: bool = False
    stop_when_sold_out: bool = False


@dataclass
class ClientResult:
    orders: int = 0  # committed orders
    units: int = 0
    refusals: int = 0  # out of stock, at the cart or at order_place
    deadlocks: int = 0  # SQLSTATE 40P01
    errors: int = 0  # anything else (lock timeouts, busy, unexpected exceptions)
    error_samples: list[str] = field(default_factory=list)
    started: float = 0.0  # time.monotonic(), comparable between processes on one machine
    ended: float = 0.0
    stopped_by: str = ""  # time | count | sold out | errors
    place_ms: list[float] = field(default_factory=list)  # each committed order_place call
    cart_ms_total: float = 0.0  # time refilling the cart, all iterations
    iterations: int = 0
    client_cpu_s: float = 0.0  # this process's CPU time during the run
    server_cpu_s: float | None = None  # its backend's CPU time (from /proc), None if unknown


def sqlstate_of(exc: BaseException) -> str:
    """The SQLSTATE anywhere in the exception's cause/context chain, or ''."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        state = getattr(current, "sqlstate", None)
        if state:
            return str(state)
        current = current.__cause__ or current.__context__
    return ""


def classify(exc: BaseException) -> str:
    """'refusal' (out of stock), 'deadlock' (40P01) or 'error'."""
    from orders.services import OrderError

    state = sqlstate_of(exc)
    if state == "40P01":
        return "deadlock"
    if (isinstance(exc, OrderError) and exc.code == "out_of_stock") or state == "SW001":
        return "refusal"
    return "error"


def _describe(exc: BaseException) -> str:
    state = sqlstate_of(exc)
    text = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    return f"{text} (SQLSTATE {state})" if state else text


# --- The client process ---------------------------------------------------------------------


def _client_main(index: int, settings_module: str, db: dict[str, Any], inbox: Any, outbox: Any) -> None:
    """A client process: set Django up on the given database, then run tasks until told to stop."""
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
        import django

        django.setup()
        from django.db import connections
        from django.test.utils import override_settings

        # The parent's database (under pytest, the test database), not the environment's.
        for target in (settings.DATABASES["default"], connections["default"].settings_dict):
            target.update(db)
            target.setdefault("OPTIONS", {})["application_name"] = "shopwave-bench-checkout"
        # Production-like: no query log; order emails (only with payment) rendered, not sent.
        override_settings(
            DEBUG=False, MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}
        ).enable()
        connections["default"].ensure_connection()
    except Exception:
        outbox.put(("failed", index, traceback.format_exc(limit=5)))
        return
    outbox.put(("up", index, None))
    while True:
        message = inbox.get()
        if message[0] != "prepare":
            break  # "stop"
        task: ClientTask = message[1]
        try:
            state = _prepare(task)
        except Exception:
            outbox.put(("failed", index, traceback.format_exc(limit=5)))
            continue
        outbox.put(("ready", index, None))
        go = inbox.get()
        if go[0] == "go":
            outbox.put(("done", index, _run_client(task, state, float(go[1]))))
        elif go[0] == "stop":
            break
    connections.close_all()


@dataclass
class _ClientState:
    user: Any
    cart: Any


def _prepare(task: ClientTask) -> _ClientState:
    """Load the shopper and the shopper's cart in the shopper's identity; empty the cart."""
    from django.contrib.sessions.backends.signed_cookies import SessionStore

    from accounts.models import User
    from orders import services
    from orders.models import CartItem
    from shopwave import dbcontext

    dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=task.user_id, for_request=True)
    try:
        user = User.objects.get(pk=task.user_id)
        cart = services.cart_for(user=user, session=SessionStore(), create=True)
        assert cart is not None
        CartItem.objects.filter(cart=cart).delete()
    finally:
        dbcontext.clear_user_context()
    return _ClientState(user, cart)


def _one_order(
    task: ClientTask, state: _ClientState, result: ClientResult | None = None
) -> tuple[bool, BaseException | None]:
    """One shopper's iteration: add a line, place the order (and pay, if asked). Returns
    (order committed, the exception that went wrong or None); _SoldOutError: the hot variant
    is gone. Adds the time spent refilling the cart and in a committed order_place to ``result``."""
    from catalog.models import Variant
    from orders import services
    from orders.models import CartItem
    from shopwave import dbcontext

    placed = False
    problem: BaseException | None = None
    try:
        dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=task.user_id, for_request=True)
        try:
            begin = time.perf_counter()
            try:
                # The next order's cart line, in one statement (in the shopper's identity, so
                # RLS checks it): refilling the cart is not what is measured, placing is.
                # The page's cart_add (variant lookup, row lock, stock check) would add 4-5
                # ORM round trips per order; the stock is checked where it matters, by
                # order_place under the variant's row lock.
                with connection.cursor() as cursor:
                    cursor.execute(REFILL_SQL, [state.cart.pk, task.variant_id])
            finally:
                placing = time.perf_counter()
                if result is not None:
                    result.cart_ms_total += (placing - begin) * 1000
            order = services.order_place(
                address_id=task.address_id,
                shipping_code=task.shipping_code,
                payment_method_id=task.card_id,
                promotion_code="",
                idempotency_key=uuid.uuid4(),
            )
            placed = True  # committed: order_place runs in its own transaction
            if result is not None:
                result.place_ms.append((time.perf_counter() - placing) * 1000)
            if task.with_payment:
                services.order_pay(order=order)
        except Exception as exc:
            problem = exc
            try:  # a refused line stays in the cart: take it out, as the shopper would
                CartItem.objects.filter(cart=state.cart).delete()
                if (
                    task.stop_when_sold_out
                    and classify(exc) == "refusal"
                    and Variant.objects.filter(pk=task.variant_id).values_list("stock", flat=True).first() == 0
                ):
                    problem = _SoldOutError(exc)
            except DatabaseError:
                connection.close()
        finally:
            dbcontext.clear_user_context()
    except DatabaseError as exc:  # the identity could not be set or cleared: never reuse this connection
        connection.close()
        problem = problem or exc
    return placed, problem


REFILL_SQL = """
INSERT INTO orders_cart_item (cart_id, variant_id, quantity, created_at, updated_at)
VALUES (%s, %s, 1, now(), now())
ON CONFLICT (cart_id, variant_id) DO UPDATE SET quantity = 1, updated_at = now()
"""


class _SoldOutError(Exception):
    """A refusal after which the hot variant's stock was seen at zero."""

    def __init__(self, refusal: BaseException) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


def _backend_cpu() -> tuple[int, float] | None:
    """(backend pid, its CPU seconds so far) from /proc: the server is on this machine."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = int(cursor.fetchone()[0])
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, DatabaseError):
        return None


def _run_client(task: ClientTask, state: _ClientState, start_at: float) -> ClientResult:
    result = ClientResult()
    server_before = _backend_cpu()
    while (wait := start_at - time.monotonic()) > 0:
        time.sleep(min(wait, 0.05))
    cpu_before = time.process_time()
    result.started = time.monotonic()
    deadline = start_at + task.seconds
    while True:
        if result.orders >= task.max_orders:
            result.stopped_by = "count"
            break
        if time.monotonic() >= deadline:
            result.stopped_by = "time"
            break
        placed, outcome = _one_order(task, state, result)
        result.iterations += 1
        if placed:
            result.orders += 1
            result.units += 1
        if outcome is None:
            continue
        if isinstance(outcome, _SoldOutError):
            result.refusals += 1
            result.stopped_by = "sold out"
            break
        kind = classify(outcome)
        if kind == "refusal":
            result.refusals += 1
            continue
        if kind == "deadlock":
            result.deadlocks += 1
        else:
            result.errors += 1
        if len(result.error_samples) < 3:
            result.error_samples.append(_describe(outcome))
        if result.deadlocks + result.errors >= ERRORS_BEFORE_GIVING_UP:
            result.stopped_by = "errors"
            break
    result.ended = time.monotonic()
    result.client_cpu_s = time.process_time() - cpu_before
    server_after = _backend_cpu()
    if server_before and server_after and server_before[0] == server_after[0]:
        result.server_cpu_s = server_after[1] - server_before[1]  # includes its own two pid queries
    return result


# --- The pool of client processes (in the command's process) --------------------------------


def database_settings() -> dict[str, Any]:
    """What a client needs to reach the database this process uses (the test database under
    pytest): passed to the children in memory, never printed."""
    return {key: connection.settings_dict.get(key) or "" for key in _DB_KEYS}


def check_loopback(db: dict[str, Any]) -> None:
    host = str(db.get("HOST") or "")
    if not (host.startswith("/") or host in LOOPBACK_HOSTS):
        raise BenchError(
            f"the database host {host!r} is not this machine: the benchmark targets a Unix socket or loopback only"
        )


class ClientPool:
    """``size`` client processes, each with its own connection, reused by every scenario."""

    def __init__(self, size: int, db: dict[str, Any], *, start_timeout: float = 180.0) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.outbox: Any = ctx.Queue()
        self.inboxes: list[Any] = [ctx.Queue() for _ in range(size)]
        module = os.environ.get("DJANGO_SETTINGS_MODULE", "shopwave.settings")
        self.processes = [
            ctx.Process(
                target=_client_main,
                args=(i, module, db, self.inboxes[i], self.outbox),
                name=f"bench-checkout-client-{i}",
                daemon=True,
            )
            for i in range(size)
        ]
        for process in self.processes:
            process.start()
        try:
            self._collect("up", range(size), start_timeout)
        except BaseException:
            self.close()
            raise

    def _collect(self, kind: str, indices: Sequence[int] | range, timeout: float) -> dict[int, Any]:
        wanted = set(indices)
        got: dict[int, Any] = {}
        deadline = time.monotonic() + timeout
        while wanted - set(got):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError(f"{len(wanted - set(got))} client(s) did not report {kind!r} in {timeout:.0f} s")
            try:
                what, index, payload = self.outbox.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                dead = [i for i in wanted - set(got) if not self.processes[i].is_alive()]
                if dead:
                    raise BenchError(f"client process(es) {dead} exited before reporting {kind!r}") from None
                continue
            if what == "failed":
                raise BenchError(f"client {index} failed:\n{payload}")
            if what == kind and index in wanted:
                got[index] = payload
        return got

    def run(self, tasks: Sequence[ClientTask]) -> list[ClientResult]:
        """Prepare len(tasks) clients, start them at one instant, wait for their results."""
        indices = range(len(tasks))
        for i, task in zip(indices, tasks, strict=True):
            self.inboxes[i].put(("prepare", task))
        try:
            self._collect("ready", indices, 120.0)
        except BenchError:
            self.close()
            raise
        start_at = time.monotonic() + START_DELAY_S
        for i in indices:
            self.inboxes[i].put(("go", start_at))
        limit = max(t.seconds for t in tasks) + START_DELAY_S + 120.0  # a stuck client cannot hang the run
        try:
            done = self._collect("done", indices, limit)
        except BenchError:
            self.close()
            raise
        return [done[i] for i in indices]

    def close(self) -> None:
        for inbox in self.inboxes:
            with contextlib.suppress(OSError, ValueError):
                inbox.put(("stop",))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


# --- Set-up with the owner login (committed, left behind) ----------------------------------


def new_run_id() -> str:
    """e.g. '20260512t140312-kqzd': no digit run long enough to look like a card number
    (the database refuses those in names and addresses)."""
    letters = "".join(secrets.choice(string.ascii_lowercase) for _ in range(4))
    return datetime.now(UTC).strftime("%Y%m%dt%H%M%S") + "-" + letters


@dataclass(frozen=True)
class BenchShopper:
    user_id: int
    address_id: int
    card_id: int


@dataclass
class Fixture:
    run_id: str
    seller_id: int
    shipping_code: str
    shoppers: list[BenchShopper]
    notes: list[str] = field(default_factory=list)


def create_fixture(run_id: str, shoppers: int) -> Fixture:
    """The bench seller and ``shoppers`` shoppers with an address, a saved card and a cart."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Address, PaymentMethod, Seller, User
    from orders.models import Cart, ShippingMethod
    from processor import tokenize

    notes: list[str] = []
    year = timezone.now().year + 5
    card = tokenize(number=BENCH_CARD, exp_month=12, exp_year=year, cvc="123")
    with transaction.atomic():
        shipping = ShippingMethod.objects.filter(is_active=True).order_by("position", "price", "id").first()
        if shipping is None:
            shipping = ShippingMethod.objects.create(
                code="bench-standard", name="Standard (bench)", price=Decimal("4.99"), free_over=Decimal("50.00")
            )
            notes.append("no active shipping method: created 'bench-standard'")
        seller = Seller.objects.create(
            company_name=f"Bench seller {run_id}",
            slug=f"bench-seller-{run_id}",
            contact_email="bench@bench.shopwave.example",
            description="Created by manage.py bench_checkout; its products and orders are benchmark data.",
        )
        users = User.objects.bulk_create(
            User(
                email=f"bench-{run_id}-{i}@bench.shopwave.example",
                full_name=f"Bench shopper {run_id} {i}",
                password=make_password(None),
            )
            for i in range(shoppers)
        )
        addresses = Address.objects.bulk_create(
            Address(
                user=user,
                label="Bench",
                full_name=user.full_name,
                line1="1 Benchmark Way",
                city="Portland",
                region="ME",
                postal_code="04101",
                country="US",
                is_default=True,
            )
            for user in users
        )
        cards = PaymentMethod.objects.bulk_create(
            PaymentMethod(
                user=user,
                processor_token=card.token,
                brand=card.brand,
                last4=card.last4,
                exp_month=12,
                exp_year=year,
                cardholder_name=user.full_name,
                is_default=True,
            )
            for user in users
        )
        Cart.objects.bulk_create(Cart(user=user, token=uuid.uuid4()) for user in users)
    return Fixture(
        run_id,
        seller.pk,
        shipping.code,
        [BenchShopper(u.pk, a.pk, c.pk) for u, a, c in zip(users, addresses, cards, strict=True)],
        notes,
    )


def create_variants(fixture: Fixture, label: str, stocks: Sequence[int]) -> list[int]:
    """One listed product with one variant per stock figure; returns the variant ids."""
    from django.db import transaction

    from catalog.models import Product, Variant

    run = fixture.run_id
    with transaction.atomic():  # product and variant in one transaction: a deferred trigger checks
        products = Product.objects.bulk_create(
            Product(
                seller_id=fixture.seller_id,
                name=f"Bench product {run} {label} {i}",
                slug=f"bench-{run}-{label}-{i}",
                brand="Bench",
                description="Benchmark data (manage.py bench_checkout).",
                status=Product.Status.ACTIVE,
            )
            for i in range(len(stocks))
        )
        variants = Variant.objects.bulk_create(
            Variant(
                product=product,
                sku=f"BENCH-{run}-{label}-{i}".upper(),
                name="Bench",
                price=BENCH_PRICE,
                stock=stock,
                low_stock_threshold=0,
            )
            for i, (product, stock) in enumerate(zip(products, stocks, strict=True))
        )
    return [v.pk for v in variants]


# --- The oversell check ---------------------------------------------------------------------


@dataclass
class StockCheck:
    initial: int
    final: int
    sold: int  # units on committed order lines that still hold their stock
    orders_in_db: int
    orders_counted: int  # what the clients counted
    units_counted: int
    negative: list[int]  # variants with final stock < 0 (the CHECK makes this impossible)
    mismatched: list[int]  # variants where sold != initial - final

    @property
    def ok(self) -> bool:
        return (
            not self.negative
            and not self.mismatched
            and self.sold == self.initial - self.final
            and self.orders_in_db == self.orders_counted
            and self.sold == self.units_counted
        )

    def describe(self) -> str:
        text = f"sold {self.sold:,} = {self.initial:,} - {self.final:,}"
        if self.ok:
            return f"ok: {text}"
        problems = []
        if self.sold != self.initial - self.final or self.mismatched:
            problems.append(f"sold {self.sold:,} ≠ initial - final {self.initial - self.final:,}")
        if self.negative:
            problems.append(f"negative stock on {len(self.negative)} variant(s)")
        if self.orders_in_db != self.orders_counted or self.sold != self.units_counted:
            problems.append(
                f"clients counted {self.orders_counted:,} orders / {self.units_counted:,} units,"
                f" database holds {self.orders_in_db:,} / {self.sold:,}"
            )
        return "**FAIL**: " + "; ".join(problems)


def stock_check(initial: dict[int, int], results: Sequence[ClientResult]) -> StockCheck:
    ids = sorted(initial)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, stock FROM catalog_variant WHERE id = ANY(%s)", [ids])
        final = {int(r[0]): int(r[1]) for r in cursor.fetchall()}
        cursor.execute(
            "SELECT i.variant_id, sum(i.quantity) FROM orders_order_item i JOIN orders_order o ON o.id = i.order_id"
            " WHERE i.variant_id = ANY(%s) AND o.status <> ALL(%s) GROUP BY i.variant_id",
            [ids, list(RELEASED_STATUSES)],
        )
        sold = {int(r[0]): int(r[1]) for r in cursor.fetchall()}
        cursor.execute(
            "SELECT count(DISTINCT i.order_id) FROM orders_order_item i JOIN orders_order o ON o.id = i.order_id"
            " WHERE i.variant_id = ANY(%s) AND o.status <> ALL(%s)",
            [ids, list(RELEASED_STATUSES)],
        )
        orders = int(cursor.fetchone()[0])
    return StockCheck(
        initial=sum(initial.values()),
        final=sum(final.get(i, 0) for i in ids),
        sold=sum(sold.values()),
        orders_in_db=orders,
        orders_counted=sum(r.orders for r in results),
        units_counted=sum(r.units for r in results),
        negative=[i for i in ids if final.get(i, 0) < 0],
        mismatched=[i for i in ids if sold.get(i, 0) != initial[i] - final.get(i, 0)],
    )


# --- pgbench ----------------------------------------------------------------------------------


def find_pgbench() -> Path | None:
    """pgbench of the server's major version if installed, else pg_config's, else PATH's."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/pgbench"), Path(f"/usr/pgsql-{major}/bin/pgbench")]
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            done = subprocess.run(  # noqa: S603 -- fixed argument list, no shell
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                candidates.append(Path(done.stdout.strip()) / "pgbench")
        except (OSError, subprocess.SubprocessError):
            pass
    found = shutil.which("pgbench")
    if found:
        candidates.append(Path(found))
    return next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


def parse_tps(output: str) -> float:
    match = _TPS.search(output)
    if match is None:
        raise BenchError("pgbench printed no 'tps = ... (without initial connection time)' line")
    return float(match.group(1))


# Tries of Pgbench.drop(), half a second apart (an autovacuum worker's ANALYZE of pgbench's
# tables at the bench's scale takes well under a second).
DROP_ATTEMPTS = 20


class Pgbench:
    """pgbench on a scratch database that this object creates and drops (as the owner
    login, which has CREATEDB), over the same socket as the shop. The password goes to the
    child in PGPASSWORD only."""

    def __init__(self, binary: Path, db: dict[str, Any], run_id: str) -> None:
        self.binary = binary
        self.db = db
        self.database = "shopwave_pgbench_" + re.sub(r"[^a-z0-9]", "_", run_id.lower())
        self.created = False

    def _args(self) -> list[str]:
        args = ["-U", str(self.db["USER"])]
        if self.db.get("HOST"):
            args += ["-h", str(self.db["HOST"])]
        if self.db.get("PORT"):
            args += ["-p", str(self.db["PORT"])]
        return args

    def _run(self, args: list[str], timeout: float) -> str:
        env = {**os.environ, "PGAPPNAME": "shopwave-bench-pgbench"}
        if self.db.get("PASSWORD"):
            env["PGPASSWORD"] = str(self.db["PASSWORD"])
        try:
            done = subprocess.run(  # noqa: S603 -- fixed argument list, no shell
                [str(self.binary), *args, *self._args(), self.database],
                capture_output=True,
                text=True,
                env=env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(f"pgbench {' '.join(args)} did not finish in {timeout:.0f} s") from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise BenchError(f"pgbench {' '.join(args)} failed: {' / '.join(tail)}")
        return done.stdout + done.stderr

    def create(self, scale: int) -> float:
        """Create the scratch database and ``pgbench -i -s scale`` it; returns seconds."""
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{self.database}"')
        self.created = True
        self._run(["-i", "-q", "-s", str(scale)], timeout=600)
        return time.perf_counter() - started

    def tps(self, clients: int, seconds: float) -> float:
        """Builtin tpcb-like, ``clients`` clients, 2 threads (fewer if fewer clients)."""
        args = ["-b", "tpcb-like", "-c", str(clients), "-j", str(min(2, clients)), "-T", str(max(1, round(seconds)))]
        return parse_tps(self._run(args, timeout=seconds + 120))

    def drop(self, attempts: int = DROP_ATTEMPTS) -> None:
        """Drop the scratch database. WITH (FORCE) ends the sessions of this login (pgbench's
        own); a session of a role this login may not signal, above all an autovacuum worker
        analyzing pgbench's fresh tables, makes the drop fail with insufficient_privilege
        instead: retried, half a second apart, until that session is gone."""
        if not self.created:
            return
        for attempt in range(1, attempts + 1):
            try:
                with connection.cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            except DatabaseError as exc:
                if getattr(exc.__cause__, "sqlstate", None) != "42501" or attempt == attempts:
                    raise
                time.sleep(0.5)
            else:
                break
        self.created = False


# --- The run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchOptions:
    clients: tuple[int, ...] = DEFAULT_CLIENTS
    scenarios: tuple[str, ...] = SCENARIOS
    seconds: float = DEFAULT_SECONDS
    max_orders: int = DEFAULT_MAX_ORDERS
    hot_stock: int = 0  # 0: automatic (see hot_stock_for)
    with_payment: bool = False
    pgbench: bool = True
    pgbench_scale: int = PGBENCH_SCALE
    pgbench_seconds: float | None = None  # default: seconds


@dataclass
class ScenarioResult:
    scenario: str
    clients: int
    results: list[ClientResult]
    check: StockCheck
    stock_each: int  # per variant
    pgbench_tps: float | None = None

    @property
    def orders(self) -> int:
        return sum(r.orders for r in self.results)

    @property
    def seconds(self) -> float:
        started = [r.started for r in self.results if r.started]
        ended = [r.ended for r in self.results if r.ended]
        return max(ended) - min(started) if started and ended else 0.0

    @property
    def orders_per_s(self) -> float:
        return self.orders / self.seconds if self.seconds > 0 else 0.0

    @property
    def refusals(self) -> int:
        return sum(r.refusals for r in self.results)

    @property
    def deadlocks(self) -> int:
        return sum(r.deadlocks for r in self.results)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.results)

    @property
    def ratio(self) -> float | None:
        return self.orders_per_s / self.pgbench_tps if self.pgbench_tps else None

    @property
    def correct(self) -> bool:
        """No oversell, counts add up, no deadlocks, no errors; refusals only where expected."""
        expected_refusals = self.scenario == "hot"
        return (
            self.check.ok
            and self.deadlocks == 0
            and self.errors == 0
            and (expected_refusals or self.refusals == 0)
            and self.orders > 0
        )

    @property
    def meets_goal(self) -> bool | None:
        """Distinct: correct and ≥ 70 % of pgbench TPS (None without pgbench); hot: correct."""
        if not self.correct:
            return False
        if self.scenario == "hot":
            return True
        ratio = self.ratio
        return None if ratio is None else ratio >= THROUGHPUT_GOAL

    @property
    def stopped_by(self) -> str:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r.stopped_by] = counts.get(r.stopped_by, 0) + 1
        return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))

    def place_percentile(self, q: float) -> float | None:
        """Nearest-rank percentile of the committed order_place calls, in ms."""
        timings = sorted(ms for r in self.results for ms in r.place_ms)
        if not timings:
            return None
        return timings[max(1, math.ceil(q / 100 * len(timings))) - 1]

    @property
    def cart_ms_mean(self) -> float | None:
        iterations = sum(r.iterations for r in self.results)
        return sum(r.cart_ms_total for r in self.results) / iterations if iterations else None

    @property
    def cpu_ms_per_order(self) -> tuple[float, float | None] | None:
        """(client processes', their server backends') CPU ms per committed order."""
        if not self.orders:
            return None
        client = sum(r.client_cpu_s for r in self.results) * 1000 / self.orders
        servers = [r.server_cpu_s for r in self.results]
        server = None if any(x is None for x in servers) else sum(x or 0.0 for x in servers) * 1000 / self.orders
        return client, server

    def profile(self) -> str:
        parts = []
        p50, p95 = self.place_percentile(50), self.place_percentile(95)
        if p50 is not None and p95 is not None:
            parts.append(f"order_place p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        if self.cart_ms_mean is not None:
            parts.append(f"cart refill mean {self.cart_ms_mean:.1f} ms")
        cpu = self.cpu_ms_per_order
        if cpu is not None:
            server = f"{cpu[1]:.1f}" if cpu[1] is not None else "?"
            parts.append(f"CPU per order: clients {cpu[0]:.1f} ms, their server backends {server} ms")
        return "; ".join(parts)

    @property
    def error_samples(self) -> list[str]:
        seen: list[str] = []
        for r in self.results:
            seen += [s for s in r.error_samples if s not in seen]
        return seen[:5]


@dataclass
class BenchRun:
    run_id: str
    options: BenchOptions
    scenarios: list[ScenarioResult]
    pgbench: dict[int, float]
    pgbench_note: str
    seconds: float
    notes: list[str]

    @property
    def correct(self) -> bool:
        return all(s.correct for s in self.scenarios)


def per_client_limit(options: BenchOptions, clients: int) -> int:
    return max(1, math.ceil(options.max_orders / clients))


def hot_stock_for(options: BenchOptions, clients: int, distinct: ScenarioResult | None) -> int:
    """Fewer units than the clients would buy in the time limit, so the variant sells out:
    explicit, or a third of what the distinct scenario sold with as many clients (at least
    two per client), or 25 per client when that scenario did not run."""
    cap = per_client_limit(options, clients) * clients
    if options.hot_stock > 0:
        return min(options.hot_stock, cap)
    if distinct is not None and distinct.orders > 0:
        return min(max(2 * clients, distinct.orders // 3), cap)
    return min(25 * clients, cap)


def run_scenario(
    pool: ClientPool, fixture: Fixture, options: BenchOptions, scenario: str, clients: int, stock_each: int
) -> ScenarioResult:
    limit = per_client_limit(options, clients)
    if scenario == "distinct":
        variants = create_variants(fixture, f"d{clients}", [stock_each] * clients)
        picks = variants
    else:
        variants = create_variants(fixture, f"h{clients}", [stock_each])
        picks = variants * clients
    tasks = [
        ClientTask(
            user_id=shopper.user_id,
            address_id=shopper.address_id,
            card_id=shopper.card_id,
            variant_id=variant_id,
            shipping_code=fixture.shipping_code,
            seconds=options.seconds,
            max_orders=limit,
            with_payment=options.with_payment,
            stop_when_sold_out=scenario == "hot",
        )
        for shopper, variant_id in zip(fixture.shoppers, picks, strict=False)
    ]
    results = pool.run(tasks)
    check = stock_check(dict.fromkeys(variants, stock_each), results)
    return ScenarioResult(scenario, clients, results, check, stock_each)


def run_bench(options: BenchOptions, *, progress: Callable[[str], object] | None = None) -> BenchRun:
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    db = database_settings()
    check_loopback(db)
    _check_connections(max(options.clients), options.pgbench)
    run_id = new_run_id()
    fixture = create_fixture(run_id, max(options.clients))
    say(f"run {run_id}: bench seller, {len(fixture.shoppers)} shoppers with address, card and cart created")
    pgbench: Pgbench | None = None
    pgbench_note = "skipped (--skip-pgbench)"
    if options.pgbench:
        binary = find_pgbench()
        if binary is None:
            pgbench_note = "skipped: pgbench not found (install the PostgreSQL server package)"
            say(pgbench_note)
        else:
            pgbench = Pgbench(binary, db, run_id)
    tps: dict[int, float] = {}
    scenarios: list[ScenarioResult] = []
    pool: ClientPool | None = None
    try:
        if pgbench is not None:
            say(f"pgbench -i -s {options.pgbench_scale} into scratch database {pgbench.database} ...")
            took = pgbench.create(options.pgbench_scale)
            pgbench_note = (
                f"`{pgbench.binary}`, builtin tpcb-like, scale {options.pgbench_scale} (initialized in {took:.0f} s)"
                f" on scratch database `{pgbench.database}` (created and dropped by the run), -j 2,"
                f" {max(1, round(options.pgbench_seconds or options.seconds))} s per client count"
            )
        say(f"starting {max(options.clients)} client processes ...")
        pool = ClientPool(max(options.clients), db)
        for clients in options.clients:
            if pgbench is not None:
                tps[clients] = pgbench.tps(clients, options.pgbench_seconds or options.seconds)
                say(f"pgbench tpcb-like, {clients} clients: {tps[clients]:.0f} TPS")
            distinct: ScenarioResult | None = None
            for scenario in options.scenarios:
                if scenario == "distinct":
                    stock = per_client_limit(options, clients)
                else:
                    stock = hot_stock_for(options, clients, distinct)
                result = run_scenario(pool, fixture, options, scenario, clients, stock)
                result.pgbench_tps = tps.get(clients)
                if scenario == "distinct":
                    distinct = result
                scenarios.append(result)
                say(
                    f"{scenario}, {clients} clients: {result.orders} orders in {result.seconds:.1f} s"
                    f" = {result.orders_per_s:.0f}/s; refusals {result.refusals}, deadlocks {result.deadlocks},"
                    f" errors {result.errors}; {result.check.describe()}"
                )
    finally:
        if pool is not None:
            pool.close()
        if pgbench is not None:
            pgbench.drop()
    return BenchRun(run_id, options, scenarios, tps, pgbench_note, time.perf_counter() - started, fixture.notes)


def _check_connections(clients: int, with_pgbench: bool) -> None:
    """Refuse early when the server cannot take the clients (and pgbench's) connections."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int"
            " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')"
        )
        free = int(cursor.fetchone()[0])
    needed = clients + (clients + 1 if with_pgbench else 0) + 2
    if free < needed:
        raise BenchError(f"the server has {free} free connections; {clients} clients need {needed}")


# --- The report -----------------------------------------------------------------------------------


def _goal_cell(s: ScenarioResult) -> str:
    if not s.correct:
        return "**no** (correctness)"
    if s.scenario == "hot":
        return "yes"
    ratio = s.ratio
    if ratio is None:
        return "- (no pgbench)"
    return "yes" if ratio >= THROUGHPUT_GOAL else f"**no** ({ratio:.2f} < {THROUGHPUT_GOAL:.2f})"


def table(run: BenchRun) -> str:
    lines = [
        "| scenario | clients | orders | seconds | orders/s | pgbench TPS | ratio | goal met | refusals"
        " | deadlocks | errors | oversell check |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |",
    ]
    for s in run.scenarios:
        name = "distinct variants" if s.scenario == "distinct" else f"hot variant (stock {s.stock_each:,})"
        tps = f"{s.pgbench_tps:,.0f}" if s.pgbench_tps else "-"
        ratio = f"{s.ratio:.2f}" if s.ratio is not None else "-"
        lines.append(
            f"| {name} | {s.clients} | {s.orders:,} | {s.seconds:.1f} | {s.orders_per_s:,.0f} | {tps} | {ratio}"
            f" | {_goal_cell(s)} | {s.refusals:,} | {s.deadlocks} | {s.errors} | {s.check.describe()} |"
        )
    return "\n".join(lines)


def render(run: BenchRun, env: dict[str, str]) -> str:
    opts = run.options
    payment = (
        "included: each order is followed by `order_pay` (authorize, record, capture, record; simulated"
        " processor; emails rendered, not sent)"
        if opts.with_payment
        else "not included: an order counts when `order_place` commits (status `pending_payment`); pass"
        " `--with-payment` to add the payment saga"
    )
    notes: list[str] = []
    for s in run.scenarios:
        extra = f"{s.profile()}; clients stopped by: {s.stopped_by}"
        if s.error_samples:
            extra += "; first errors: " + "; ".join(x.replace("|", "/") for x in s.error_samples)
        notes.append(f"- {s.scenario}, {s.clients} clients: {extra}.")
    notes += [f"- {note}." for note in run.notes]
    return "\n".join(
        [
            "## Checkout throughput: placing orders under concurrency",
            "",
            "Written by `manage.py bench_checkout` (reports/bench/checkout.py). Each client is a separate OS process"
            " with its own connection (owner login, switched into the shopper's request identity: role"
            " `commerce_customer`, `app.user_id`, RLS on — as the web request does). A client loops: one INSERT"
            " of the next order's cart line (one unit; not the page's `cart_add`, whose ORM lookups are not what"
            " is measured), then `order_place` (the `order_place()` routine the checkout view calls, one committed"
            " transaction), until the time or count limit. *distinct variants*: each client buys its own variant,"
            " stocked for its whole count limit. *hot variant*: all clients buy one variant stocked for fewer units"
            " than they would buy in the time limit (default: a third of what the distinct run sold); a client stops"
            " when it is refused and sees the stock at zero, so seconds is the time to sell out. Orders/s = committed"
            " orders ÷ (last client's end - first client's start). pgbench TPS is `tps = … (without initial"
            " connection time)` of builtin tpcb-like at the same client count, on the same cluster in the same run."
            f" Goal: distinct ≥ {THROUGHPUT_GOAL:.0%} of pgbench TPS; every scenario: no oversell, no deadlocks,"
            " no errors, refusals only on the hot variant.",
            "",
            f"- date: {env['date']}",
            f"- machine: {env['machine']}",
            speed_line(env),
            f"- database: {env['postgres']}; size {env['database size']}",
            f"- commit: {env['commit']}",
            f"- limits: {opts.seconds:g} s and {opts.max_orders:,} orders per scenario (shared by its clients);"
            f" run took {run.seconds:.0f} s",
            f"- payment step: {payment}",
            f"- pgbench: {run.pgbench_note}",
            f"- left behind (orders are immutable and audited): seller `Bench seller {run.run_id}`, its products"
            f" (SKUs `BENCH-{run.run_id.upper()}-…`), shoppers `bench-{run.run_id}-<n>@bench.shopwave.example`"
            " and their orders — run this on a bench database only",
            "",
            table(run),
            "",
            "Oversell check: per variant, units on committed order lines (orders not cancelled, refunded or"
            " payment_failed) = initial - final stock, final stock ≥ 0, and the orders and units the clients counted"
            " are the ones the database holds. Refusals: out-of-stock at the cart or at `order_place` (SW001)."
            " Deadlocks: SQLSTATE 40P01. Errors: anything else (including lock timeouts, 55P03).",
            "",
            *notes,
            "",
        ]
    )
