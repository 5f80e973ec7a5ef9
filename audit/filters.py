"""Sidebar filters of the audit browser.

Every filter here reads a fixed set of query string parameters and keeps them away from
the admin's generic field lookups, so a malformed value never reaches the ORM: it shows
an error message (and an empty list) instead of a 500 or a silent redirect. Every filter
narrows the query along an index: table_name + row_key (audit_log_row_idx), occurred_at
(audit_log_time_idx), app_user_id (audit_log_app_user_idx), txid with its transaction
time (audit_log_time_idx)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from audit.links import (
    APP_USER_PARAM,
    AUDITED_TABLES,
    DATE_FROM_PARAM,
    DATE_TO_PARAM,
    ROW_KEY_PARAM,
    TABLE_PARAM,
    TX_TIME_PARAM,
    TXID_PARAM,
)
from shopwave.dbcontext import REQUEST_ROLES

MAX_BIGINT = 2**63 - 1
OTHER_ROLES = "other"


def _positive_bigint(raw: str, what: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"{what} must be a whole number, got “{raw}”.") from None
    if not 0 < value <= MAX_BIGINT:
        raise ValidationError(f"{what} must be a positive number, got “{raw}”.")
    return value


def _date(raw: str, what: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{what} must be a date as YYYY-MM-DD, got “{raw}”.") from None


class FormFilter(admin.ListFilter):
    """A filter drawn as a small GET form (text or date inputs) in the sidebar."""

    template = "admin/audit/form_filter.html"
    # (parameter, label, input type, placeholder) of each visible input
    inputs: tuple[tuple[str, str, str, str], ...] = ()
    # parameters read but not shown (dropped when the form is submitted)
    hidden_parameters: tuple[str, ...] = ()

    def __init__(self, request: HttpRequest, params: dict[str, list[str]], model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        self.values: dict[str, str] = {}
        for name in self.own_parameters():
            if name in params:
                raw = params.pop(name)[-1].strip()
                self.used_parameters[name] = raw
                if raw:
                    self.values[name] = raw
        self.error = ""
        self.cleaned: Any = None
        if self.values:
            try:
                self.cleaned = self.clean(self.values)
            except ValidationError as exc:
                self.error = " ".join(exc.messages)
                messages.error(request, f"{self.title}: {self.error}")

    def own_parameters(self) -> list[str]:
        return [name for name, *_ in self.inputs] + list(self.hidden_parameters)

    def expected_parameters(self) -> list[str | None]:
        return list[str | None](self.own_parameters())

    def has_output(self) -> bool:
        return True

    def clean(self, values: dict[str, str]) -> Any:
        raise NotImplementedError

    def apply(self, queryset: QuerySet, cleaned: Any) -> QuerySet:
        raise NotImplementedError

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.error:
            return queryset.none()  # never show unfiltered results for a filter that failed
        if self.cleaned is None:
            return queryset
        return self.apply(queryset, self.cleaned)

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:
        own = set(self.own_parameters())
        hidden = [
            (name, value)
            for name, values in sorted(changelist.filter_params.items())
            if name not in own
            for value in values
        ]
        yield {
            "selected": bool(self.values),
            "inputs": [
                {
                    "name": name,
                    "label": label,
                    "type": input_type,
                    "placeholder": placeholder,
                    "value": self.values.get(name, ""),
                    "id": f"audit-filter-{name}",
                }
                for name, label, input_type, placeholder in self.inputs
            ],
            "hidden": hidden,
            "error": self.error,
            "clear_url": changelist.get_query_string(remove=list(own)) if self.values else "",
        }


class RowKeyFilter(FormFilter):
    title = "row key"
    inputs = ((ROW_KEY_PARAM, "Row key", "text", "id, order number or code"),)

    def clean(self, values: dict[str, str]) -> str | None:
        raw = values.get(ROW_KEY_PARAM)
        if raw and len(raw) > 200:
            raise ValidationError("A row key is at most 200 characters long.")
        return raw

    def apply(self, queryset: QuerySet, cleaned: str) -> QuerySet:
        # Naming every audited table lets audit_log_row_idx (table_name, row_key, ...)
        # serve a key lookup even without the table filter.
        return queryset.filter(table_name__in=list(AUDITED_TABLES), row_key=cleaned)


class AppUserFilter(FormFilter):
    title = "application user"
    inputs = ((APP_USER_PARAM, "User ID", "text", "e.g. 42"),)

    def clean(self, values: dict[str, str]) -> int | None:
        raw = values.get(APP_USER_PARAM)
        return _positive_bigint(raw, "The user ID") if raw else None

    def apply(self, queryset: QuerySet, cleaned: int) -> QuerySet:
        return queryset.filter(app_user_id=cleaned)


class TransactionFilter(FormFilter):
    title = "transaction"
    inputs = ((TXID_PARAM, "Transaction ID", "text", "txid"),)
    hidden_parameters = (TX_TIME_PARAM,)

    def clean(self, values: dict[str, str]) -> tuple[int, datetime.datetime | None] | None:
        raw_txid, raw_time = values.get(TXID_PARAM), values.get(TX_TIME_PARAM)
        if not raw_txid:
            if raw_time:
                raise ValidationError("A transaction time needs a transaction ID.")
            return None
        txid = _positive_bigint(raw_txid, "The transaction ID")
        at = None
        if raw_time:
            try:
                at = parse_datetime(raw_time)
            except ValueError:
                at = None
            if at is None:
                raise ValidationError(f"The transaction time is not a valid timestamp: “{raw_time}”.")
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        return txid, at

    def apply(self, queryset: QuerySet, cleaned: tuple[int, datetime.datetime | None]) -> QuerySet:
        txid, at = cleaned
        queryset = queryset.filter(txid=txid)
        if at is not None:
            # A transaction's entries all carry its start time: one index probe, one partition.
            queryset = queryset.filter(occurred_at=at)
        return queryset


class DateRangeFilter(FormFilter):
    title = "date"
    inputs = (
        (DATE_FROM_PARAM, "From", "date", "YYYY-MM-DD"),
        (DATE_TO_PARAM, "To (inclusive)", "date", "YYYY-MM-DD"),
    )

    def clean(self, values: dict[str, str]) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        raw_from, raw_to = values.get(DATE_FROM_PARAM), values.get(DATE_TO_PARAM)
        start = _date(raw_from, "The start date") if raw_from else None
        end = _date(raw_to, "The end date") if raw_to else None
        if start and end and start > end:
            raise ValidationError(f"The start date {start:%Y-%m-%d} is after the end date {end:%Y-%m-%d}.")
        tz = timezone.get_current_timezone()
        lower = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min), tz) if start else None
        upper = None
        if end:
            if end == datetime.date.max:
                upper = None  # up to the end of time
            else:
                upper = timezone.make_aware(
                    datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min), tz
                )
        return lower, upper

    def apply(self, queryset: QuerySet, cleaned: tuple[datetime.datetime | None, datetime.datetime | None]) -> QuerySet:
        lower, upper = cleaned
        if lower is not None:
            queryset = queryset.filter(occurred_at__gte=lower)
        if upper is not None:
            queryset = queryset.filter(occurred_at__lt=upper)
        return queryset


class TableFilter(admin.SimpleListFilter):
    title = "table"
    parameter_name = TABLE_PARAM

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return sorted(((name, label) for name, (label, _key) in AUDITED_TABLES.items()), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        return queryset.filter(table_name=value) if value else queryset


class DbRoleFilter(admin.SimpleListFilter):
    title = "database role"
    parameter_name = "db_role"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(role, role) for role in REQUEST_ROLES] + [(OTHER_ROLES, "other (migrations, jobs)")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if value == OTHER_ROLES:
            return queryset.exclude(db_role__in=REQUEST_ROLES)
        return queryset.filter(db_role=value)
