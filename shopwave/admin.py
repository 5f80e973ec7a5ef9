"""Back-office building blocks shared by the apps' admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows: an exact count of a big table reads all of it
    (10 M orders: seconds). The changelist then says "more than 10000" (templates/admin/
    pagination.html) and offers the first COUNT_CAP rows' pages."""

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        counted = self.object_list[: COUNT_CAP + 1].count()  # type: ignore[attr-defined]
        self.capped = counted > COUNT_CAP
        return min(counted, COUNT_CAP)

    capped = False


class LargeTableAdmin(admin.ModelAdmin):
    """For tables with millions of rows (orders, payments, reviews, products, variants):
    no exact count, no facet counts, and each admin declares only filters, searches and
    orderings an index serves. Timings at full scale: BENCHMARKS.md "Back office at full
    scale"; behaviour: tests/test_admin_pages.py."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records nobody edits by hand (payments, redemptions, analytics, the audit log):
    every field read-only, nothing added, changed or deleted, and no full-table count."""

    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
