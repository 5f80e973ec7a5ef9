"""manage.py bench: the SQL-level benchmark of the query patterns QP-01..QP-10.

    manage.py bench [--draws 1000] [--patterns QP-01,QP-05] [--seed 42]
                    [--output BENCHMARKS.md] [--explain-dir var/bench]

Runs against the current database (whatever scale is loaded) and leaves it unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.bench import report
from reports.bench.draws import PATTERNS
from reports.bench.runner import TIME_LIMIT_S, run_bench


class Command(BaseCommand):
    help = "Time QP-01..QP-10 through the pages' own selectors over randomized draws; write a markdown report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--draws", type=int, default=1000, help="draws per pattern (default 1000)")
        parser.add_argument("--patterns", default=",".join(PATTERNS), help="comma-separated, e.g. QP-01,QP-05")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--output", default="BENCHMARKS.md", help="markdown report path")
        parser.add_argument("--explain-dir", default="var/bench", help="where QP-xx.txt plans are saved")
        parser.add_argument(
            "--no-prewarm", action="store_true", help="do not load the catalog into the cache first (pg_prewarm)"
        )
        parser.add_argument("--time-limit", type=float, default=TIME_LIMIT_S, help="seconds per pattern (120)")

    def handle(self, *args: Any, **options: Any) -> None:
        draws = int(options["draws"])
        if draws < 1:
            raise CommandError("--draws must be at least 1")
        patterns = [p.strip().upper() for p in str(options["patterns"]).split(",") if p.strip()]
        unknown = [p for p in patterns if p not in PATTERNS]
        if unknown or not patterns:
            names = ", ".join(unknown) or "(none)"
            raise CommandError(f"unknown pattern(s) {names}; choose from {', '.join(PATTERNS)}")
        report.as_the_web_login()
        run = run_bench(
            n=draws,
            patterns=patterns,
            seed=int(options["seed"]),
            explain_dir=Path(options["explain_dir"]) if options["explain_dir"] else None,
            time_limit=float(options["time_limit"]),
            progress=self.stdout.write,
            warm=not options["no_prewarm"],
        )
        env = report.environment()
        self.stdout.write("")
        self.stdout.write(f"scale {run.scale}; {env['machine']}; {env['postgres']}; commit {env['commit']}")
        self.stdout.write(report.table(run))
        output = Path(options["output"])
        report.write(run, env, output)
        self.stdout.write(self.style.SUCCESS(f"report written to {output}"))
