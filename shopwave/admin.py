"""Back-office building blocks shared by the apps' admins."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet, Value
from django.http import HttpRequest
from django.utils.functional import cached_property


class ILikeContains(Lookup):
    """`column ILIKE '%term%'`, which a gin_trgm_ops index serves; Django's icontains
    compares UPPER(column), which no index here has."""

    lookup_name = "ilike_contains"

    def as_sql(self, compiler, connection):  # type: ignore[no-untyped-def]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def ilike_contains(field: str, term: str) -> Q:
    """Rows whose `field` contains `term`, case-insensitively, with % and _ taken literally."""
    pattern = "%" + connection.ops.prep_for_like_query(term) + "%"
    return Q(ILikeContains(F(field), Value(pattern)))


class CappedCountPaginator(Paginator):
    """Counts at most `cap` + 1 rows: an exact count of a big table reads all of it
    (10 M orders: seconds). The changelist then says "more than 10000" (templates/admin/
    pagination.html) and offers the first `cap` rows' pages."""

    cap = 10_000
    capped = False

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        counted = self.object_list[: self.cap + 1].count()  # type: ignore[attr-defined]
        self.capped = counted > self.cap
        return min(counted, self.cap)


class LargeTablePaginator(CappedCountPaginator):
    # A filtered or searched list counts its matches by reading rows until the cap: with
    # 1,000 a broad search over 2 M reviews costs ~0.2 s instead of ~1.2 s, and ten pages
    # of 100 are as far as anyone pages before narrowing the list down.
    cap = 1_000


class LargeTableAdmin(admin.ModelAdmin):
    """For tables with millions of rows (orders, payments, reviews, products, variants):
    no exact count, no facet counts, and each admin declares only filters, searches and
    orderings an index serves. Timings at full scale: BENCHMARKS.md "Back office at full
    scale"; behaviour: tests/test_admin_pages.py."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # A term with an "@" is a customer's exact email (stored lower-case): this lookup,
    # along the accounts' unique email index. Other terms go to search().
    email_lookup: str | None = None

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if self.email_lookup and "@" in term:
            return queryset.filter(**{self.email_lookup: term.lower()}), False
        return self.search(queryset, term), False

    def search(self, queryset: QuerySet, term: str) -> QuerySet:
        """The rows a non-empty term finds, along an index (never a substring scan)."""
        raise NotImplementedError(f"{type(self).__name__} declares search_fields: it must define search()")


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
