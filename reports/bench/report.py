"""Machine facts and the markdown report of a bench run."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from reports.bench.machine import machine_speed, speed_line
from reports.bench.runner import BenchRun, PatternResult

# Text after this line in an existing report is hand-written analysis: kept on rewrite.
KEEP_MARKER = "<!-- bench: hand-written analysis below is kept when the command rewrites this file -->"


def _meminfo_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 -- fixed argument list, no shell
            ["git", *args],  # noqa: S607 -- git from PATH, as a developer runs it
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def as_the_web_login() -> None:
    """Session settings the web login has and the owner login (which the benchmarks
    connect as) does not: no JIT unless WEB_DB_JIT (shopwave/settings.py)."""
    if not settings.WEB_DB_JIT:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")


def environment() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = str(cursor.fetchone()[0])
        cursor.execute(
            "SELECT name, setting, unit FROM pg_settings"
            " WHERE name IN ('shared_buffers', 'work_mem', 'effective_cache_size', 'jit',"
            " 'max_parallel_workers_per_gather')"
            " ORDER BY name"
        )
        pg_settings = ", ".join(f"{n}={s}{u or ''}" for n, s, u in cursor.fetchall())
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = str(cursor.fetchone()[0])
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    changed = [line for line in _git("status", "--porcelain", "--untracked-files=no").splitlines() if line.strip()]
    if any(not line.endswith("BENCHMARKS.md") for line in changed):  # the report itself does not count
        commit += " (with uncommitted changes)"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores ({_cpu_model()}), {_meminfo_gib()} RAM",
        "postgres": f"PostgreSQL {version} ({pg_settings})",
        "database size": size,
        "commit": commit,
        "speed": machine_speed(),
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _verdict(result: PatternResult) -> str:
    met = result.meets_goal
    if met is None:
        return "-"
    p95 = result.percentile(95) or 0.0
    if met:
        return "yes"
    return f"**no** ({p95 / result.spec.goal_ms:.1f}x goal)"


def table(run: BenchRun) -> str:
    lines = [
        "| QP | pattern | draws | p50 ms | p95 ms | p99 ms | max ms | case-study target | ShopWave goal (p95)"
        " | goal met | notes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for r in run.results:
        lines.append(
            f"| {r.spec.id} | {r.spec.title} | {len(r.timings_ms)} | {_ms(r.percentile(50))} | {_ms(r.percentile(95))}"
            f" | {_ms(r.percentile(99))} | {_ms(max(r.timings_ms) if r.timings_ms else None)}"
            f" | < {r.spec.target_ms:g} ms | ≤ {r.spec.goal_ms:g} ms | {_verdict(r)}"
            f" | {'; '.join(r.notes).replace('|', '/') or ''} |"
        )
    return "\n".join(lines)


def render(run: BenchRun, env: dict[str, str]) -> str:
    counts = ", ".join(f"{label} {value:,}" for label, value in run.counts.items())
    explains = [f"`{r.explain_path}`" for r in run.results if r.explain_path is not None]
    return "\n".join(
        [
            "## SQL level: query patterns QP-01..QP-10",
            "",
            "Written by `manage.py bench` (reports/bench/). Each pattern calls the same selector or service the"
            " page uses, over randomized, seeded parameter draws, each in the request role and identity a real"
            " request has (RLS on); only the call is timed (`time.perf_counter`, in the Django process, so a"
            " figure includes the ORM and driver round trips). Goal: the issue's ShopWave goal, p95 ≤ one tenth"
            " of the case-study target.",
            "",
            f"- date: {env['date']}",
            f"- machine: {env['machine']}",
            speed_line(env),
            f"- database: {env['postgres']}; size {env['database size']}",
            f"- commit: {env['commit']}",
            f"- scale: **{run.scale}** — {counts}",
            f"- draws: {run.draws} per pattern (after {10} unmeasured warm-up draws; each pattern stops after"
            f" 120 s), seed {run.seed}; run took {run.seconds:.0f} s",
            f"- cache: {run.cache or 'not recorded'}",
            "",
            table(run),
            "",
            "Notes on the method:",
            "",
            "- The run is one transaction rolled back at the end: the fixtures the data set lacks (a cart of 1-6"
            " lines, a saved card and a wishlist for 200 shoppers, a quarter of them the heaviest reviewers;"
            " promotions and a shipping method when there are none) exist only for the run.",
            "- QP-01 times `product_listing` and then `search_facets`, as the search page does; draws mix"
            " common words, rare words (1-2 product names), two-word queries and typos (typo correction), big"
            " and small category subtrees, price ranges from the price quantiles, every sort order.",
            "- QP-03 times `cart_page` (the cart page's one query); QP-04 times `order_place` (stock locks, order"
            " and items) in a savepoint rolled back after timing, so it excludes the commit's WAL flush; QP-09"
            " times `checkout_quote` with valid, expired and unknown codes.",
            "- QP-06 times the seller portal's `monthly_sales` in the seller's own scope (`commerce_seller`,"
            " `app.seller_id`); QP-08 times the staff report's `sales_by_category` as `commerce_manager`.",
            "- EXPLAIN (ANALYZE, BUFFERS) of every statement of each pattern's slowest draw, re-run in the same"
            " role: " + (", ".join(explains) if explains else "not saved") + ".",
            "",
        ]
    )


# BENCHMARKS.md is one file with one section per benchmark command, each between its own
# markers, so running one command rewrites its section and keeps the others.
SECTIONS = ("sql", "http", "checkout", "admin")
TITLE = "# ShopWave benchmarks\n"


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name} start -->", f"<!-- bench:{name} end -->"


def publish(command: BaseCommand, name: str, markdown: str, output: str | Path | None) -> None:
    """A bench command's last step: print its report, then rewrite section ``name`` of the
    report at ``output`` (nothing written when ``output`` is empty)."""
    command.stdout.write("")
    command.stdout.write(markdown)
    if output:
        path = Path(output)
        write_section(path, name, markdown)
        command.stdout.write(command.style.SUCCESS(f"section '{name}' written to {path}"))


def write_section(path: Path, name: str, markdown: str) -> None:
    """Replace section ``name`` of the report at ``path`` with ``markdown`` (created if missing),
    keeping the other sections and the hand-written analysis after KEEP_MARKER."""
    if name not in SECTIONS:
        raise ValueError(f"unknown report section {name!r}")
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    head, kept = old.split(KEEP_MARKER, 1) if KEEP_MARKER in old else (old, "\n")
    bodies: dict[str, str] = {}
    for section in SECTIONS:
        start, end = _markers(section)
        if start in head and end in head:
            bodies[section] = head.split(start, 1)[1].split(end, 1)[0].strip("\n")
    if not bodies and head.strip():
        # A report from before the sections existed: its generated part was the SQL level.
        bodies["sql"] = head.replace(TITLE, "", 1).strip("\n")
    bodies[name] = markdown.strip("\n")
    parts = [TITLE]
    for section in SECTIONS:
        if section in bodies:
            start, end = _markers(section)
            parts.append(f"{start}\n{bodies[section]}\n{end}\n")
    text = "\n".join(parts) + "\n" + KEEP_MARKER + kept
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write(run: BenchRun, env: dict[str, str], path: Path) -> None:
    write_section(path, "sql", render(run, env))
