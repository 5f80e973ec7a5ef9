"""How fast this machine is right now, for the benchmark reports' headers.

No model imports: the checkout benchmark's client processes import its module (which
uses speed_line) before Django's apps are loaded.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import connection

# The machine speed probe (machine_speed): small, fixed amounts of work, each timed a few times.
SPEED_STEPS = 1_000_000
SPEED_TRIES = 3
SPEED_ROUND_TRIPS = 200


def _best_ms(work: Callable[[], object], tries: int = SPEED_TRIES) -> float:
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def machine_speed() -> str:
    """How fast this machine is at the moment of the report: a pure-Python loop (this
    process's CPU), a count done by PostgreSQL (the server's CPU) and the mean round trip
    of `SELECT 1`. On a shared virtual machine the same code has measured up to 2x apart
    from one hour to the next (BENCHMARKS.md); these three figures let two reports say
    whether their machines were alike. Lower is faster."""
    python_ms = _best_ms(lambda: sum(i * i for i in range(SPEED_STEPS)))
    with connection.cursor() as cursor:

        def count() -> object:
            cursor.execute("SELECT count(*) FROM generate_series(1, %s)", [SPEED_STEPS])
            return cursor.fetchone()

        server_ms = _best_ms(count)
        started = time.perf_counter()
        for _ in range(SPEED_ROUND_TRIPS):
            cursor.execute("SELECT 1")
            cursor.fetchone()
        round_trip_us = (time.perf_counter() - started) / SPEED_ROUND_TRIPS * 1e6
    return (
        f"Python sums {SPEED_STEPS:,} squares in {python_ms:.0f} ms, PostgreSQL counts {SPEED_STEPS:,}"
        f" series rows in {server_ms:.0f} ms (each the best of {SPEED_TRIES}), a `SELECT 1` round trip takes"
        f" {round_trip_us:.0f} µs (mean of {SPEED_ROUND_TRIPS}); lower is faster"
    )


def speed_line(env: dict[str, str]) -> str:
    """The report header's line for machine_speed()."""
    return f"- machine speed when the report was written: {env['speed']}"
