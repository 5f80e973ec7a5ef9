"""The back office at scale: the admin's big lists, filters and searches, timed.

Each request goes through the whole Django stack in this process (django.test.Client:
middleware, session, the staff identity `commerce_manager` under RLS, the changelist
and its template), as a temporary superuser created inside one transaction that is
rolled back at the end, so the run leaves nothing behind. The parameters come from the
data set (a recent and an old order, that order's customer, a frequent word of product
names, a SKU, a reviewer), so they find rows at every scale. Each request runs
`repeats` times: the first is reported apart (cold caches of this process), the rest
give the median and the maximum. The budget is ShopWave's own (the case study sets none
for admin lists): one second for a staff page.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from reports.bench.machine import speed_line

BUDGET_MS = 1000.0
DEFAULT_REPEATS = 5

_CAPPED = re.compile(r"More than [\d,]+ [^:<]+")
_COUNT = re.compile(r"([\d,]+ [a-z][a-z ]*?)\s*(?:<a |</nav>)")


@dataclass
class AdminCheck:
    label: str
    path: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.path + ("?" + urlencode(self.params) if self.params else "")


@dataclass
class AdminResult:
    check: AdminCheck
    status: int
    shown: str
    first_ms: float
    timings_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms) if self.timings_ms else self.first_ms

    @property
    def max_ms(self) -> float:
        return max([self.first_ms, *self.timings_ms])

    @property
    def within_budget(self) -> bool:
        return self.status == 200 and self.max_ms <= BUDGET_MS


class BenchError(Exception):
    pass


def _one(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        row = cursor.fetchone()
    return row[0] if row else None


def sample_parameters() -> dict[str, str]:
    """Values that exist in this data set (read as the owner, before any request)."""
    newest = _one("SELECT number FROM orders_order ORDER BY id DESC LIMIT 1")
    if newest is None:
        raise BenchError("the database has no orders: load a data set first (manage.py generate_data)")
    middle_id = _one("SELECT (min(id) + max(id)) / 2 FROM orders_order")
    old_number = _one("SELECT number FROM orders_order WHERE id >= %s ORDER BY id LIMIT 1", [middle_id])
    email = _one(
        "SELECT u.email FROM orders_order o JOIN accounts_user u ON u.id = o.user_id WHERE o.number = %s",
        [old_number],
    )
    last_day = _one("SELECT max(placed_at)::date FROM orders_order")
    word = _one(
        "SELECT w FROM (SELECT lower(split_part(name, ' ', 2)) AS w FROM catalog_product"
        " ORDER BY id LIMIT 2000) s WHERE length(w) >= 4 GROUP BY w ORDER BY count(*) DESC, w LIMIT 1"
    )
    capped = _one("SELECT count(*) FROM (SELECT 1 FROM orders_order LIMIT 1000) s")
    sku = _one("SELECT sku FROM catalog_variant ORDER BY id DESC LIMIT 1")
    reviewer = _one(
        "SELECT u.email FROM catalog_review r JOIN accounts_user u ON u.id = r.user_id ORDER BY r.id DESC LIMIT 1"
    )
    return {
        "newest": str(newest),
        "last_page": str(max(1, -(-int(capped) // 100))),  # list_per_page 100, at most 1,000 rows counted
        "old": str(old_number),
        "email": str(email),
        "day": str(last_day),
        "word": str(word or "a"),
        "sku": str(sku or ""),
        "reviewer": str(reviewer or ""),
    }


def checks(p: dict[str, str]) -> list[AdminCheck]:
    orders, payments = "/admin/orders/order/", "/admin/orders/paymenttransaction/"
    products, variants, reviews = "/admin/catalog/product/", "/admin/catalog/variant/", "/admin/catalog/review/"
    return [
        AdminCheck("orders, newest first", orders),
        AdminCheck("orders, the last page a capped count offers", orders, {"p": p["last_page"]}),
        AdminCheck("orders, status payment failed", orders, {"status__exact": "payment_failed"}),
        AdminCheck(
            "orders, placed on the data set's last day", orders, {"placed_at__gte": p["day"] + " 00:00:00+00:00"}
        ),
        AdminCheck("orders, express shipping", orders, {"shipping_method_code": "express"}),
        AdminCheck("orders, search: newest order number", orders, {"q": p["newest"]}),
        AdminCheck("orders, search: an old order number, lower case", orders, {"q": p["old"].lower()}),
        AdminCheck("orders, search: that customer's email", orders, {"q": p["email"]}),
        AdminCheck("order detail (lines, history, payments)", orders + "{old_id}/change/"),
        AdminCheck("payments, newest first", payments),
        AdminCheck("payments, status declined", payments, {"status__exact": "declined"}),
        AdminCheck("payments, search: an order number", payments, {"q": p["old"]}),
        AdminCheck("products, newest first", products),
        AdminCheck(f"products, search: '{p['word']}'", products, {"q": p["word"]}),
        AdminCheck("products, search: a SKU", products, {"q": p["sku"]}),
        AdminCheck("variants, newest first", variants),
        AdminCheck(f"variants, search: '{p['word']}'", variants, {"q": p["word"]}),
        AdminCheck("reviews, newest first", reviews),
        AdminCheck("reviews, moderation queue (pending)", reviews, {"status__exact": "pending"}),
        AdminCheck(f"reviews, search: '{p['word']}'", reviews, {"q": p["word"]}),
        AdminCheck("reviews, search: a reviewer's email", reviews, {"q": p["reviewer"]}),
        AdminCheck("reviews, search: a word no product has", reviews, {"q": "qwxzy"}),
        AdminCheck("customers, by email", "/admin/accounts/user/"),
        AdminCheck("customers, search: 'smith' (substring)", "/admin/accounts/user/", {"q": "smith"}),
        AdminCheck("customers, search: a substring nobody has", "/admin/accounts/user/", {"q": "qwxzy"}),
    ]


def _shown(body: str) -> str:
    capped = _CAPPED.search(body)
    if capped:
        return capped.group(0).strip()
    match = _COUNT.search(body)
    return match.group(1).strip() if match else ""


def run_bench(*, repeats: int = DEFAULT_REPEATS, progress: Callable[[str], None] = print) -> list[AdminResult]:
    from accounts.models import User

    results: list[AdminResult] = []
    with transaction.atomic(), override_settings(ALLOWED_HOSTS=["testserver"]):
        params = sample_parameters()
        old_id = _one("SELECT id FROM orders_order WHERE number = %s", [params["old"]])
        staff = User.objects.create_superuser(email="bench-admin@bench.shopwave.example", password=None)
        client = Client()
        client.force_login(staff)
        for check in checks(params):
            if "{old_id}" in check.path:
                check.path = check.path.format(old_id=old_id)
            timings: list[float] = []
            status, shown = 0, ""
            for attempt in range(repeats):
                started = time.perf_counter()
                response = client.get(check.url)
                elapsed = (time.perf_counter() - started) * 1000
                status = response.status_code
                if attempt == 0:
                    shown = _shown(response.content.decode())
                timings.append(elapsed)
            result = AdminResult(check, status, shown, timings[0], timings[1:])
            results.append(result)
            progress(f"{result.median_ms:8.1f} ms (first {result.first_ms:7.1f})  {status}  {check.label}")
        transaction.set_rollback(True)
    return results


def render(results: list[AdminResult], env: dict[str, str], repeats: int) -> str:
    met = sum(r.within_budget for r in results)
    lines = [
        "## Back office at full scale: admin lists, filters and searches",
        "",
        "Written by `manage.py bench_admin` (reports/bench/admin.py). Each request goes through the whole"
        " Django stack in one process (`django.test.Client`: middleware, session, the staff identity"
        " `commerce_manager` under row-level security, the changelist and its template) as a temporary"
        " superuser in a transaction rolled back at the end. Parameters come from the data set (a recent and"
        " an old order, that order's customer, a frequent word of product names, a SKU, a reviewer)."
        f" Each request runs {repeats} times: *first* is the first run, median and max cover all runs."
        f" Budget (ShopWave's own; the case study sets none for admin lists): every run ≤ {BUDGET_MS:g} ms.",
        "",
        f"- date: {env['date']}",
        f"- machine: {env['machine']}",
        speed_line(env),
        f"- database: {env['postgres']}; size {env['database size']}",
        f"- commit: {env['commit']}",
        f"- within budget: {met} of {len(results)}",
        "",
        "| request | URL | shown | first ms | median ms | max ms | within budget |",
        "| --- | --- | --- | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        verdict = "yes" if r.within_budget else f"**no** (HTTP {r.status})" if r.status != 200 else "**no**"
        url = r.check.url.replace("|", "%7C")
        lines.append(
            f"| {r.check.label} | `{url}` | {r.shown or '-'} | {r.first_ms:.0f} | {r.median_ms:.0f}"
            f" | {r.max_ms:.0f} | {verdict} |"
        )
    return "\n".join(lines) + "\n"
