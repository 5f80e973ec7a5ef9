"""manage.py bench_admin on a generated demo data set: every request answers 200, the
report section is written, and nothing is left behind (no timing assertions)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from catalog.datagen import generate
from reports.bench import admin
from tests.reports.test_bench import SPEED_LINE

pytestmark = pytest.mark.django_db


def test_bench_admin_requests_every_list_and_leaves_nothing_behind(tmp_path: Path) -> None:
    generate(scale="demo", seed=7)
    users = User.objects.count()
    output = tmp_path / "BENCH.md"
    call_command("bench_admin", "--repeats", "2", "--output", str(output), stdout=StringIO())
    text = output.read_text(encoding="utf-8")
    assert "<!-- bench:admin start -->" in text and "## Back office at full scale" in text
    assert re.search(SPEED_LINE, text), "the report says how fast the machine was"
    rows = [line for line in text.splitlines() if line.startswith("| ") and "`/admin/" in line]
    assert len(rows) == len(admin.checks(admin.sample_parameters()))
    assert not any("HTTP" in row for row in rows), rows  # every request answered 200
    searched = next(row for row in rows if row.startswith("| orders, search: an old order number"))
    assert "| 1 order |" in searched
    assert User.objects.count() == users  # the temporary superuser was rolled back


def test_bench_admin_needs_orders() -> None:
    with pytest.raises(CommandError, match="no orders"):
        call_command("bench_admin", "--output", "", stdout=StringIO())
