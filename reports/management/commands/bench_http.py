"""manage.py bench_http: the HTTP-level benchmark (gunicorn with production settings, driven by wrk).

    manage.py bench_http [--duration 10] [--mixed-duration 15] [--connections 8]
                         [--worker-class gthread|sync] [--workers N] [--threads 4]
                         [--pages home,product,...] [--max-requests 100000] [--output BENCHMARKS.md]

Needs Debian's wrk (`make bench-tools`). Serves the current database on a free loopback
port, logs customers with the demo password in, measures /healthz (the ceiling), each
page type alone and the mixed load, stops gunicorn, and writes the "http" section of the
report. Leaves no sessions or carts behind.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.bench import http
from reports.bench.report import environment, publish


class Command(BaseCommand):
    help = "Load-test the served site with wrk: each page type alone and mixed, against a /healthz ceiling."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = http.Options()
        parser.add_argument("--duration", type=int, default=defaults.duration, help="seconds per page type (10)")
        parser.add_argument(
            "--mixed-duration", type=int, default=None, help="seconds of the mixed run (default 1.5 x --duration)"
        )
        parser.add_argument("--warmup", type=int, default=defaults.warmup, help="seconds of uncounted warm-up (3)")
        parser.add_argument("--connections", type=int, default=defaults.connections, help="wrk connections (8)")
        parser.add_argument(
            "--max-requests", type=int, default=defaults.max_requests, help="request cap per run (100000)"
        )
        parser.add_argument(
            "--worker-class",
            choices=["gthread", "sync"],
            default=http.DEFAULT_WORKER_CLASS,
            help="gunicorn worker class (gthread: measured ~2x sync's throughput here, keep-alive included)",
        )
        parser.add_argument(
            "--workers", type=int, default=None, help="gunicorn workers (gthread: one per core; sync: 2 x cores + 1)"
        )
        parser.add_argument("--threads", type=int, default=http.DEFAULT_THREADS, help="threads per gthread worker (4)")
        parser.add_argument("--pages", default=",".join(http.PAGES), help="page types measured alone")
        parser.add_argument("--seed", type=int, default=defaults.seed, help="URL sampling seed")
        parser.add_argument("--output", default="BENCHMARKS.md", help="markdown report (its 'http' section)")

    def handle(self, *args: Any, **options: Any) -> None:
        duration = int(options["duration"])
        mixed = options["mixed_duration"]
        worker_class = str(options["worker_class"])
        if options["workers"] is None:
            options["workers"] = http.default_workers(worker_class)
        if worker_class == "sync":
            options["threads"] = 1
        numbers = {
            "--duration": duration,
            "--connections": options["connections"],
            "--workers": options["workers"],
            "--threads": options["threads"],
            "--max-requests": options["max_requests"],
        }
        for flag, value in numbers.items():
            if int(value) < 1:
                raise CommandError(f"{flag} must be at least 1")
        if options["warmup"] < 0 or (mixed is not None and mixed < 1):
            raise CommandError("--warmup must be >= 0 and --mixed-duration >= 1")
        run_options = http.Options(
            duration=duration,
            mixed_duration=int(mixed) if mixed is not None else max(1, round(duration * 1.5)),
            warmup=int(options["warmup"]),
            connections=int(options["connections"]),
            max_requests=int(options["max_requests"]),
            pages=[p.strip() for p in str(options["pages"]).split(",") if p.strip()],
            seed=int(options["seed"]),
            server=http.ServerConfig(
                workers=int(options["workers"]),
                worker_class=worker_class,
                threads=int(options["threads"]),
            ),
        )
        try:
            run = http.run_http_bench(run_options, progress=self.stdout.write)
        except http.BenchError as exc:
            raise CommandError(str(exc)) from exc
        markdown = http.render(run, environment())
        publish(self, "http", markdown, options["output"])
