"""manage.py bench_checkout: place-order throughput under concurrency beside pgbench.

    manage.py bench_checkout --yes [--clients 8,32] [--scenarios distinct,hot] [--seconds 10]
                             [--max-orders 50000] [--hot-stock N] [--with-payment]
                             [--skip-pgbench] [--pgbench-scale 10] [--pgbench-seconds S]
                             [--output BENCHMARKS.md]

For a bench database only: the run leaves its bench seller, products, shoppers and their
(immutable, audited) orders behind, so it refuses to start without --yes. It writes the
"checkout" section of the report and exits non-zero when the oversell check fails or a
deadlock or an unexpected error happened. See reports/bench/checkout.py for the method.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from reports.bench import checkout


def _clients(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise CommandError(f"--clients takes comma-separated numbers, not {text!r}") from exc
    if not values or any(not 1 <= v <= checkout.MAX_CLIENTS for v in values):
        raise CommandError(f"--clients: each between 1 and {checkout.MAX_CLIENTS}")
    return values


class Command(BaseCommand):
    help = (
        "Checkout throughput (distinct variants and one hot variant) with concurrent client processes, beside"
        " pgbench tpcb-like TPS, with the oversell check. Leaves bench orders behind: bench databases only (--yes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--yes", action="store_true", help="confirm this is a bench database (required)")
        parser.add_argument("--clients", default=",".join(map(str, checkout.DEFAULT_CLIENTS)), help="e.g. 8,32")
        parser.add_argument("--scenarios", default=",".join(checkout.SCENARIOS), help="distinct,hot")
        parser.add_argument("--seconds", type=float, default=checkout.DEFAULT_SECONDS, help="per scenario (10)")
        parser.add_argument(
            "--max-orders", type=int, default=checkout.DEFAULT_MAX_ORDERS, help="per scenario, over all its clients"
        )
        parser.add_argument("--hot-stock", type=int, default=0, help="hot variant's stock (default: automatic)")
        parser.add_argument("--with-payment", action="store_true", help="also run the payment saga per order")
        parser.add_argument("--skip-pgbench", action="store_true", help="do not run pgbench")
        parser.add_argument("--pgbench-scale", type=int, default=checkout.PGBENCH_SCALE)
        parser.add_argument("--pgbench-seconds", type=float, default=None, help="default: --seconds")
        parser.add_argument("--output", default="BENCHMARKS.md", help="markdown report ('' to only print)")

    def handle(self, *args: Any, **options: Any) -> None:
        database = connection.settings_dict.get("NAME")
        if not options["yes"]:
            raise CommandError(
                f"bench_checkout creates a bench seller, products, shoppers and orders in database {database!r}"
                " and leaves them there (orders are immutable and audited). Run it only on a bench database;"
                " add --yes to go ahead."
            )
        scenarios = tuple(s.strip() for s in str(options["scenarios"]).split(",") if s.strip())
        if not scenarios or any(s not in checkout.SCENARIOS for s in scenarios):
            raise CommandError(f"--scenarios: choose from {', '.join(checkout.SCENARIOS)}")
        seconds = float(options["seconds"])
        if not 0 < seconds <= checkout.MAX_SECONDS:
            raise CommandError(f"--seconds must be in (0, {checkout.MAX_SECONDS:g}]")
        pgbench_seconds = options["pgbench_seconds"]
        if pgbench_seconds is not None and not 1 <= float(pgbench_seconds) <= checkout.MAX_SECONDS:
            raise CommandError(f"--pgbench-seconds must be in [1, {checkout.MAX_SECONDS:g}]")
        if not 1 <= int(options["max_orders"]) <= 1_000_000:
            raise CommandError("--max-orders must be between 1 and 1000000")
        if int(options["hot_stock"]) < 0 or not 1 <= int(options["pgbench_scale"]) <= 100:
            raise CommandError("--hot-stock must be >= 0 and --pgbench-scale between 1 and 100")
        bench_options = checkout.BenchOptions(
            clients=_clients(str(options["clients"])),
            scenarios=scenarios,
            seconds=seconds,
            max_orders=int(options["max_orders"]),
            hot_stock=int(options["hot_stock"]),
            with_payment=bool(options["with_payment"]),
            pgbench=not options["skip_pgbench"],
            pgbench_scale=int(options["pgbench_scale"]),
            pgbench_seconds=float(pgbench_seconds) if pgbench_seconds is not None else None,
        )
        try:
            run = checkout.run_bench(bench_options, progress=self.stdout.write)
        except checkout.BenchError as exc:
            raise CommandError(str(exc)) from exc

        from reports.bench import report  # imports the SQL bench's modules: only when needed

        env = report.environment()
        markdown = checkout.render(run, env)
        report.publish(self, "checkout", markdown, options["output"])
        if not run.correct:
            raise CommandError("checkout benchmark: oversell check, deadlocks or errors failed (see the table)")
        missed = [s for s in run.scenarios if s.meets_goal is False]
        if missed:
            self.stdout.write(
                self.style.WARNING(
                    f"throughput goal (≥ {checkout.THROUGHPUT_GOAL:.0%} of pgbench TPS) missed in {len(missed)}"
                    " scenario(s)"
                )
            )
