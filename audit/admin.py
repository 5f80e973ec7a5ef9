"""The audit browser: a read-only back office view of audit_log.

Changelist (/admin/audit/auditlog/): newest first, filtered by table, action, database
role, application user (?app_user_id=), row key, transaction and a date range
(?occurred_from=YYYY-MM-DD&occurred_to=YYYY-MM-DD). The history of one row is
?table_name=<table>&row_key=<key>; other admins build that link with
audit.links.audit_history_url(table_name, row_key).

It stays fast on a large log: no date hierarchy, no facets, no column sorting, no full
count (the count is capped), every filter narrows along an index, and the application
users' emails are read with one query per page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from accounts.models import User
from audit.diff import diff_rows
from audit.filters import (
    AppUserFilter,
    DateRangeFilter,
    DbRoleFilter,
    RowKeyFilter,
    TableFilter,
    TransactionFilter,
)
from audit.links import (
    APP_USER_PARAM,
    AUDITED_TABLES,
    DATE_FROM_PARAM,
    DATE_TO_PARAM,
    ROW_KEY_PARAM,
    TABLE_PARAM,
    TX_TIME_PARAM,
    TXID_PARAM,
    audit_history_url,
    audit_log_url,
    audit_transaction_url,
    table_label,
)
from audit.models import AuditLog
from shopwave.admin import CappedCountPaginator, ReadOnlyModelAdmin

__all__ = ["AuditLogAdmin", "audit_history_url"]

FILTER_PARAMS = frozenset(
    {
        TABLE_PARAM,
        ROW_KEY_PARAM,
        TXID_PARAM,
        TX_TIME_PARAM,
        APP_USER_PARAM,
        DATE_FROM_PARAM,
        DATE_TO_PARAM,
        "db_role",
        "action__exact",
    }
)


def app_user_emails(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(User.objects.filter(pk__in=user_ids).values_list("pk", "email"))


class AuditChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        # The list shows changed_fields only: leave the row images in the database.
        return super().get_queryset(request, exclude_parameters).defer("before", "after")

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # One query for the whole page, not one per row.
        emails = app_user_emails({e.app_user_id for e in self.result_list if e.app_user_id is not None})
        for entry in self.result_list:
            entry._app_user_email = emails.get(entry.app_user_id)  # type: ignore[attr-defined]


def _admin_object_link(entry: AuditLog) -> str | None:
    """The admin page of the audited object, where there is one."""
    table = entry.table_name
    if table not in AUDITED_TABLES:
        return None
    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None or not admin.site.is_registered(model):
        return None
    opts = model._meta
    key_column = AUDITED_TABLES[table][1]
    try:
        if key_column == opts.pk.column:
            return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[entry.row_key])
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        return f"{changelist}?{urlencode({key_column: entry.row_key})}"
    except NoReverseMatch:
        return None


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyModelAdmin):
    list_display = [
        "when",
        "table",
        "key",
        "action_badge",
        "database_role",
        "app_user",
        "changes",
    ]
    list_display_links = ["when"]
    list_filter = [
        TableFilter,
        "action",
        DbRoleFilter,
        RowKeyFilter,
        AppUserFilter,
        TransactionFilter,
        DateRangeFilter,
    ]
    search_fields = ["=row_key"]
    search_help_text = "Exact row key: an id, an order number or a shipping method code."
    ordering = ["-occurred_at", "-id"]
    sortable_by = ()
    show_facets = admin.ShowFacets.NEVER
    actions = None
    list_per_page = 50
    paginator = CappedCountPaginator
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "time_detail",
                    "table",
                    "row_key",
                    "action",
                    "database_role",
                    "app_user",
                    "transaction",
                    "related_links",
                ]
            },
        )
    ]
    readonly_fields = ["time_detail", "table", "database_role", "app_user", "transaction", "related_links"]

    # --- read-only -------------------------------------------------------------------
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)

    # --- changelist --------------------------------------------------------------------
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AuditChangeList

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Only the declared filters' parameters: a generic lookup (?before__city=...) could
        # scan the whole log. Anything else is refused (400 Bad Request).
        return lookup in FILTER_PARAMS

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        # Exact key across the audited tables: served by audit_log_row_idx.
        return queryset.filter(table_name__in=list(AUDITED_TABLES), row_key=term), False

    @admin.display(description="time")
    def when(self, obj: AuditLog) -> str:
        return timezone.localtime(obj.occurred_at).strftime("%Y-%m-%d %H:%M:%S")

    @admin.display(description="table")
    def table(self, obj: AuditLog) -> str:
        return table_label(obj.table_name)

    @admin.display(description="row key")
    def key(self, obj: AuditLog) -> str:
        return format_html(
            '<a href="{}" title="History of this row">{}</a>',
            audit_history_url(obj.table_name, obj.row_key),
            obj.row_key,
        )

    @admin.display(description="action")
    def action_badge(self, obj: AuditLog) -> str:
        return format_html('<span class="audit-action audit-action-{}">{}</span>', obj.action.lower(), obj.action)

    @admin.display(description="application user")
    def app_user(self, obj: AuditLog) -> str:
        if obj.app_user_id is None:
            return "—"
        if not hasattr(obj, "_app_user_email"):  # detail page: one query for the one entry
            obj._app_user_email = app_user_emails({obj.app_user_id}).get(obj.app_user_id)  # type: ignore[attr-defined]
        email = obj._app_user_email or f"user #{obj.app_user_id} (deleted)"  # type: ignore[attr-defined]
        return format_html(
            '<a href="{}" title="Changes by this user">{}</a>',
            audit_log_url(**{APP_USER_PARAM: str(obj.app_user_id)}),
            email,
        )

    @admin.display(description="changed fields")
    def changes(self, obj: AuditLog) -> str:
        if obj.action != AuditLog.Action.UPDATE:
            return "(whole row)"
        fields = obj.changed_fields or []
        shown = ", ".join(fields[:6])
        return shown + (f" … (+{len(fields) - 6})" if len(fields) > 6 else "")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {
            "title": "Audit log",
            "audit_time_zone": timezone.get_current_timezone_name(),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context)

    # --- detail ------------------------------------------------------------------------
    @admin.display(description="time")
    def time_detail(self, obj: AuditLog) -> str:
        local = timezone.localtime(obj.occurred_at)
        return f"{local:%Y-%m-%d %H:%M:%S.%f} {timezone.get_current_timezone_name()}"

    @admin.display(description="database role")
    def database_role(self, obj: AuditLog) -> str:
        return obj.db_role

    @admin.display(description="transaction ID")
    def transaction(self, obj: AuditLog) -> str:
        return str(obj.txid)

    @admin.display(description="related")
    def related_links(self, obj: AuditLog) -> str:
        links = [
            (audit_transaction_url(obj.txid, obj.occurred_at), "Other changes in this transaction"),
            (audit_history_url(obj.table_name, obj.row_key), "History of this row"),
        ]
        if obj.app_user_id is not None:
            links.append((audit_log_url(**{APP_USER_PARAM: str(obj.app_user_id)}), "Changes by this user"))
        target = _admin_object_link(obj)
        if target:
            links.append((target, f"Open this {table_label(obj.table_name).lower()} in the admin"))
        return format_html(
            '<ul class="audit-links">{}</ul>', format_html_join("", '<li><a href="{}">{}</a></li>', links)
        )

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None:
            changed, unchanged = diff_rows(obj.before, obj.after, obj.changed_fields)
            context.update(
                audit_changed_rows=changed,
                audit_unchanged_rows=unchanged,
                audit_action=obj.action,
                title=f"{obj.action.title()} of {table_label(obj.table_name).lower()} {obj.row_key}",
                subtitle=None,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)
