"""Time each pattern's draws in its request role; EXPLAIN the slowest draw of each.

The whole run is one transaction on the owner login, rolled back at the end, so the
data set is left exactly as it was: the fixtures (carts, cards, wishlists, promotions)
and every order QP-04 places vanish with it. Each draw runs in a savepoint (a failing
draw cannot abort the run; a writing draw is rolled back after timing) with the role and
identity a real request has, set with ``set_user_context(..., for_request=True)`` and
cleared after the draw. Only the call itself is timed (``time.perf_counter``).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction

from catalog.datagen import SCALES
from reports.bench import draws
from reports.bench.draws import PATTERNS, Draw, PatternSpec, Pools
from shopwave import dbcontext

TIME_LIMIT_S = 120.0  # per pattern, whatever --draws says
WARMUP_DRAWS = 10  # per pattern, not counted: connection and catalog caches, plan cache


@dataclass
class PatternResult:
    spec: PatternSpec
    timings_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""
    stopped_at_limit: bool = False
    slowest: Draw | None = None
    slowest_ms: float = 0.0
    notes: list[str] = field(default_factory=list)
    explain_path: Path | None = None

    def percentile(self, q: float) -> float | None:
        """Nearest-rank percentile (q in 0..100) of the timings, in ms."""
        if not self.timings_ms:
            return None
        ordered = sorted(self.timings_ms)
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1]

    @property
    def meets_goal(self) -> bool | None:
        p95 = self.percentile(95)
        return None if p95 is None else p95 <= self.spec.goal_ms


@dataclass
class BenchRun:
    counts: dict[str, int]
    scale: str
    seed: int
    draws: int
    results: list[PatternResult]
    seconds: float
    cache: str = ""


def detect_scale(counts: dict[str, int]) -> str:
    """The generator scale whose product count is nearest (by ratio) to the loaded one."""
    products = counts.get("products", 0)
    if products <= 0:
        return "empty"
    name, spec = min(SCALES.items(), key=lambda kv: abs(math.log(products / kv[1].products)))
    if abs(math.log(products / spec.products)) > math.log(1.5):
        return f"custom (nearest: {name})"
    return name


def _timed(draw: Draw) -> float:
    dbcontext.set_user_context(role=draw.role, user_id=draw.user_id, seller_id=draw.seller_id, for_request=True)
    try:
        with transaction.atomic():
            start = time.perf_counter()
            draw.run()
            elapsed = time.perf_counter() - start
            if draw.write:
                transaction.set_rollback(True)
    finally:
        dbcontext.clear_user_context()
    return elapsed * 1000


def run_pattern(
    spec: PatternSpec,
    pools: Pools,
    *,
    n: int,
    seed: int,
    time_limit: float = TIME_LIMIT_S,
    warmup: int = WARMUP_DRAWS,
) -> PatternResult:
    result = PatternResult(spec, notes=list(pools.notes.get(spec.id, [])))
    reason = draws.unavailable(spec.id, pools)
    if reason:
        result.notes.append(f"skipped: {reason}")
        return result
    drawer: Callable[[random.Random, Pools], Draw] = draws.DRAWERS[spec.id]
    rng = random.Random(f"{seed}:{spec.id}")  # noqa: S311 -- reproducible draws, not security
    for _ in range(min(warmup, n)):
        try:
            _timed(drawer(rng, pools))
        except Exception:  # noqa: S112 -- counted below, when the measured draws fail the same way
            continue
    deadline = time.perf_counter() + time_limit
    for _ in range(n):
        if time.perf_counter() > deadline:
            result.stopped_at_limit = True
            result.notes.append(f"stopped at the {time_limit:.0f} s limit")
            break
        draw = drawer(rng, pools)
        try:
            ms = _timed(draw)
        except Exception as exc:
            result.errors += 1
            result.first_error = result.first_error or f"{type(exc).__name__}: {exc}".splitlines()[0]
            continue
        result.timings_ms.append(ms)
        if ms >= result.slowest_ms:
            result.slowest, result.slowest_ms = draw, ms
    if result.errors:
        result.notes.append(f"{result.errors} draw(s) failed, first: {result.first_error}")
    return result


def explain_slowest(result: PatternResult, directory: Path) -> Path | None:
    """Re-run the slowest draw capturing its SELECTs, then EXPLAIN (ANALYZE, BUFFERS) each
    in the same role and identity, each in a savepoint rolled back afterwards."""
    draw = result.slowest
    if draw is None:
        return None
    captured: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not many and sql.lstrip().upper().startswith(("SELECT", "WITH")):
            captured.append((sql, params))
        return execute(sql, params, many, context)

    sections: list[str] = []
    dbcontext.set_user_context(role=draw.role, user_id=draw.user_id, seller_id=draw.seller_id, for_request=True)
    try:
        with transaction.atomic():
            with connection.execute_wrapper(capture):
                draw.run()
            transaction.set_rollback(True)
        for number, (sql, params) in enumerate(captured, start=1):
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    plan = "\n".join(str(row[0]) for row in cursor.fetchall())
                    transaction.set_rollback(True)
            except DatabaseError as exc:
                # A refusal the timed run caught (e.g. a promotion this shopper has used up:
                # order_place raises it) is raised again when EXPLAIN ANALYZE executes it.
                plan = f"(EXPLAIN ANALYZE raised {type(exc).__name__}: {str(exc).splitlines()[0]})"
            sections.append(
                f"-- statement {number} of {len(captured)}\n{sql.strip()}\n-- params: {params!r}\n\n{plan}\n"
            )
    finally:
        dbcontext.clear_user_context()
    header = (
        f"{result.spec.id} {result.spec.title}\n"
        f"slowest draw: {draw.label} ({result.slowest_ms:.2f} ms when timed)\n"
        f"role {draw.role}, app.user_id {draw.user_id}, app.seller_id {draw.seller_id}\n"
        f"{len(captured)} statement(s) captured on re-run; EXPLAIN (ANALYZE, BUFFERS) of each follows.\n"
    )
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{result.spec.id}.txt"
    path.write_text(header + "\n" + "\n".join(sections), encoding="utf-8")
    result.explain_path = path
    return path


# A production server serving these pages has the catalog and the indexes the shopper
# pages walk in memory; a freshly loaded bench database has almost nothing cached. With
# pg_prewarm installed, the run first loads these into shared buffers (reported).
PREWARM_SQL = """
SELECT count(*), coalesce(sum(pg_prewarm(c.oid)), 0) * current_setting('block_size')::bigint
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace
   AND c.relkind IN ('r', 'i', 'm')
   AND (   c.relname LIKE ANY (ARRAY['catalog\\_%%', 'accounts\\_seller%%', 'orders\\_cart%%', 'orders\\_shipping%%',
                                   'orders\\_tax%%', 'promotions\\_promotion%%', 'reports\\_%%'])
        OR c.relname IN ('orders_order_pkey', 'orders_order_history_idx')
        OR c.oid IN (SELECT i.indexrelid FROM pg_index i
                      WHERE i.indrelid = 'orders_order_item'::regclass AND i.indnatts = 1
                        AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                            WHERE attrelid = 'orders_order_item'::regclass
                                              AND attname = 'order_id')))
"""


def prewarm() -> str:
    """Load the catalog, the analytics views and the order indexes into shared buffers with
    pg_prewarm, if the extension is installed; returns a line for the report."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_prewarm'")
        if cursor.fetchone() is None:
            return "cold start: pg_prewarm is not installed (CREATE EXTENSION pg_prewarm, as a superuser)"
        started = time.perf_counter()
        cursor.execute(PREWARM_SQL)
        relations, size = cursor.fetchone()
    return (
        f"warm start: {relations} relations ({size / 2**20:,.0f} MB: catalog, sellers, carts, promotions,"
        f" analytics views, the order history and order-line indexes) loaded with pg_prewarm"
        f" in {time.perf_counter() - started:.0f} s"
    )


def run_bench(
    *,
    n: int,
    patterns: list[str],
    seed: int,
    explain_dir: Path | None,
    time_limit: float = TIME_LIMIT_S,
    progress: Callable[[str], object] | None = None,
    warm: bool = True,
) -> BenchRun:
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    results: list[PatternResult] = []
    cache = prewarm() if warm else "cold start (--no-prewarm)"
    say(cache)
    with transaction.atomic():
        counts = draws.row_counts()
        scale = detect_scale(counts)
        say(f"detected scale: {scale} ({', '.join(f'{k} {v:,}' for k, v in counts.items())})")
        pools = draws.build_pools(random.Random(seed), counts)  # noqa: S311
        say(f"fixtures ready: {len(pools.shoppers)} shoppers with cart, card and wishlist")
        for pattern in patterns:
            result = run_pattern(PATTERNS[pattern], pools, n=n, seed=seed, time_limit=time_limit)
            if explain_dir is not None:
                try:
                    explain_slowest(result, explain_dir)
                except Exception as exc:
                    result.notes.append(f"EXPLAIN failed: {type(exc).__name__}: {exc}".splitlines()[0])
            p95 = result.percentile(95)
            say(
                f"{pattern}: {len(result.timings_ms)} draws, p95 "
                + (f"{p95:.2f} ms" if p95 is not None else "-")
                + f" (goal {result.spec.goal_ms:g} ms)"
            )
            results.append(result)
        transaction.set_rollback(True)  # the data set is left exactly as it was
    return BenchRun(counts, scale, seed, n, results, time.perf_counter() - started, cache)
