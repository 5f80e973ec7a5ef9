"""Refreshing the analytics views, over several connections when there are cores for it.

`reports_refresh_analytics()` (reports 0004) refreshes the six views one after another
in one session, and each REFRESH is one query on one core: 6.7 minutes at full scale,
the largest step of a full load and of the hourly job. No view reads another (a test
checks it against pg_depend), so `refresh_views(jobs=N)` runs the function's per-view
step for each view in N threads, each on its own connection, the longest views first:
the same statements (CONCURRENTLY once a view is populated, so readers are never
blocked), the same locks (each view's own), the same rows. Inside a transaction, or
with one job, it calls the SQL function itself: other connections would not see the
transaction's rows. Other refreshes can share the pool (`also`): refresh_analytics gives
it the search's frequent-word lists, which read no view.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.db import connection

# Longest first, by their CONCURRENTLY refresh times at full scale (session 5: 79, 68,
# 64, 44, 28 and 0.2 s); the set must be exactly the views reports_refresh_analytics()
# refreshes (tested).
VIEWS = (
    "reports_seller_monthly_sales",
    "reports_category_daily_sales",
    "reports_daily_sales",
    "reports_product_performance",
    "reports_customer_ltv",
    "reports_variant_velocity",
)

Refreshed = tuple[str, float, int]  # view, seconds, rows


def refresh_view(view: str, *, concurrently: bool = True) -> Refreshed:
    """One view, as reports_refresh_analytics() does it, on this thread's connection.

    Without `concurrently` (a bulk load, before anyone reads the views) a populated view
    is refreshed plainly too: the new rows are written as they are instead of diffed
    against the old ones, under a lock that blocks its readers meanwhile (medium scale:
    category daily sales 25.7 -> 10.4 s, the six views 50 -> 29 s of work)."""
    if view not in VIEWS:
        raise ValueError(f"not an analytics view: {view!r}")
    quoted = connection.ops.quote_name(view)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relispopulated FROM pg_class WHERE oid = %s::regclass", [f"public.{view}"])
        populated = bool(cursor.fetchone()[0]) and concurrently
        started = time.monotonic()
        cursor.execute(f"REFRESH MATERIALIZED VIEW {'CONCURRENTLY ' if populated else ''}public.{quoted}")
        seconds = time.monotonic() - started
        cursor.execute(f"SELECT count(*) FROM public.{quoted}")
        rows = int(cursor.fetchone()[0])
    return view, seconds, rows


# A refresh that is not a view's (the search's frequent-word lists, refresh_analytics): a
# callable that runs it on the calling thread's connection and returns (name, seconds, rows).
Task = Callable[[], Refreshed]


def _in_own_connection(job: Task) -> Refreshed:
    try:
        return job()
    finally:
        connection.close()  # this worker thread's own connection


def refresh_views(jobs: int = 2, *, concurrently: bool = True, also: Sequence[Task] = ()) -> list[Refreshed]:
    """Refresh every analytics view, and run the `also` tasks; `jobs` connections at a
    time outside a transaction (there, `concurrently` as refresh_view's), the `also`
    tasks first (give the longest first: the pool takes them in order). Inside a
    transaction, or with one job, the views in one session (reports_refresh_analytics()),
    then the tasks. Returns the views' results, then the tasks'."""
    if jobs <= 1 or connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT view_name, seconds, row_count FROM reports_refresh_analytics()")
            views = [(str(v), float(s), int(n)) for v, s, n in cursor.fetchall()]
        return views + [task() for task in also]
    work: list[Task] = list(also)
    work += [partial(refresh_view, view, concurrently=concurrently) for view in VIEWS]
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="refresh") as pool:
        done = list(pool.map(_in_own_connection, work))
    return done[len(also) :] + done[: len(also)]
