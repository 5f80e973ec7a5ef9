"""manage.py generate_data --scale {demo,small,medium,full} [--seed N] [--mode MODE] [--jobs N] [--check]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalog.datagen import MAX_JOBS, MAX_SEED, SCALES, DataGenError, generate
from catalog.integrity import check_catalog


class Command(BaseCommand):
    help = (
        "Load a realistic, deterministic catalog data set (sellers, customers, categories, products, variants, "
        "reviews) into an empty catalog, with set-based SQL. Scales: demo (~240 products), small (1 % of the case "
        "study), medium (10 %), full (500,000 products, 1,000,000 customers, 2,000,000 reviews)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", required=True, choices=list(SCALES), help="How much data to generate.")
        parser.add_argument("--seed", type=int, default=42, help=f"0 to {MAX_SEED}; the same seed gives the same data.")
        parser.add_argument(
            "--mode",
            choices=["auto", "triggers", "bulk"],
            default="auto",
            help="triggers: every row trigger runs (default for demo and small); bulk: triggers disabled, "
            "derived values computed set-based, not audited (default for medium and full).",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=2,
            help=f"1 to {MAX_JOBS} connections at a time for a bulk load's order tables, lists, VACUUM and "
            "analytics views (default 2); 1: one transaction, nothing committed unless it all succeeds.",
        )
        parser.add_argument("--check", action="store_true", help="Run the catalog integrity checks afterwards.")

    def handle(self, *args: Any, scale: str, seed: int, mode: str, jobs: int, check: bool, **options: Any) -> None:
        if not 0 <= seed <= MAX_SEED:
            raise CommandError(f"--seed must be between 0 and {MAX_SEED}")
        if not 1 <= jobs <= MAX_JOBS:
            raise CommandError(f"--jobs must be between 1 and {MAX_JOBS}")
        bulk = None if mode == "auto" else mode == "bulk"
        try:
            counts = generate(scale=scale, seed=seed, out=self.stdout, bulk=bulk, jobs=jobs)
        except DataGenError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(", ".join(f"{name}: {n:,}" for name, n in counts.items())))
        if check:
            problems = check_catalog()
            if problems:
                raise CommandError("integrity checks failed:\n" + "\n".join(f"  - {p}" for p in problems))
            self.stdout.write(self.style.SUCCESS("Catalog integrity checks: OK"))
