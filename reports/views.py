"""Staff report pages (in the back office): a validated date range where it applies, a
server-rendered SVG chart where a picture reads better, and CSV of exactly the rows shown."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from catalog.models import Category
from reports import selectors
from reports.selectors import Table

MAX_RANGE_DAYS = 366 * 5


class DateRangeForm(forms.Form):
    start = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "The end date must not be before the start date.")
            elif (end - start).days > MAX_RANGE_DAYS:
                self.add_error("end", "Choose a range of at most five years.")
        return data


class MonthForm(forms.Form):
    month = forms.DateField(
        label="Month", input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    )


@dataclass
class Bar:
    label: str
    value: Decimal
    x: int
    y: int
    width: int
    height: int

    @property
    def label_y(self) -> int:
        return max(self.y - 4, 12)


CHART_WIDTH, CHART_HEIGHT = 720, 220


def bar_chart(labels: list[str], values: list[Any]) -> list[Bar]:
    """Bars for an inline SVG (no JavaScript, nothing from outside the site)."""
    numbers = [Decimal(v or 0) for v in values]
    top = max([n for n in numbers if n > 0], default=Decimal(1))
    slot = CHART_WIDTH // max(len(numbers), 1)
    bars = []
    for index, (label, number) in enumerate(zip(labels, numbers, strict=True)):
        height = int(max(number, Decimal(0)) / top * (CHART_HEIGHT - 20))
        bars.append(Bar(str(label), number, index * slot + 4, CHART_HEIGHT - height, max(slot - 8, 2), height))
    return bars


def _csv(table: Table, name: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(table.columns)
    for row in table.rows:
        # Cells that a spreadsheet would run as formulas are quoted as text.
        writer.writerow([f"'{v}" if isinstance(v, str) and v[:1] in "=+-@" else v for v in row])
    return response


def _default_range() -> dict[str, datetime.date]:
    today = timezone.localdate()
    return {"start": (today - datetime.timedelta(days=365)).replace(day=1), "end": today}


def _render(
    request: HttpRequest,
    *,
    slug: str,
    title: str,
    table: Table,
    form: forms.Form | None = None,
    chart: list[Bar] | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    if request.GET.get("format") == "csv" and status == 200:
        return _csv(table, slug)
    params = request.GET.copy()
    params["format"] = "csv"
    context = {
        "title": title,
        "slug": slug,
        "table": table,
        "form": form,
        "chart": chart,
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "csv_url": f"{request.path}?{params.urlencode()}",
        "reports": REPORTS,
        "site_header": "ShopWave back office",
        **(extra or {}),
    }
    return render(request, "reports/report.html", context, status=status)


def _range(request: HttpRequest) -> tuple[DateRangeForm, datetime.date, datetime.date, int]:
    form = DateRangeForm(
        request.GET if "start" in request.GET or "end" in request.GET else None, initial=_default_range()
    )
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"], 200
    defaults = _default_range()
    return form, defaults["start"], defaults["end"], 400 if form.is_bound else 200


@staff_member_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "reports/index.html", {"reports": REPORTS, "title": "Reports", "site_header": "ShopWave back office"}
    )


@staff_member_required
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    form = MonthForm(
        request.GET if "month" in request.GET else None, initial={"month": timezone.localdate().replace(day=1)}
    )
    month = form.cleaned_data["month"] if form.is_bound and form.is_valid() else timezone.localdate()
    table = selectors.kpis(month=month)
    status = 400 if form.is_bound and form.errors else 200
    chart = bar_chart(
        [f"{r[0]} ({c})" for r in table.rows[:1] for c in table.columns[1:3]], [table.rows[0][1], table.rows[0][2]]
    )
    return _render(request, slug="kpis", title="KPI dashboard", table=table, form=form, chart=chart, status=status)


@staff_member_required
def monthly_revenue(request: HttpRequest) -> HttpResponse:
    form, start, end, status = _range(request)
    table = selectors.monthly_revenue(start=start, end=end)
    chart = bar_chart(table.column("month"), table.column("revenue"))
    return _render(
        request,
        slug="monthly-revenue",
        title="Monthly revenue and growth",
        table=table,
        form=form,
        chart=chart,
        status=status,
    )


@staff_member_required
def customers(request: HttpRequest) -> HttpResponse:
    table = selectors.loyalty_quartiles()
    chart = bar_chart([f"Q{q}" for q in table.column("quartile")], table.column("revenue"))
    return _render(
        request,
        slug="customer-quartiles",
        title="Customer lifetime value: loyalty quartiles",
        table=table,
        chart=chart,
        extra={"second": selectors.top_customers(), "second_title": "Top customers (by id)"},
    )


@staff_member_required
def best_sellers(request: HttpRequest) -> HttpResponse:
    table = selectors.best_sellers_per_category()
    return _render(request, slug="best-sellers", title="Best sellers per category", table=table)


@staff_member_required
def top_rated(request: HttpRequest) -> HttpResponse:
    table = selectors.top_rated_per_category()
    return _render(request, slug="top-rated", title="Top-rated products per category", table=table)


@staff_member_required
def sales_by_category(request: HttpRequest) -> HttpResponse:
    form, start, end, status = _range(request)
    parent: Category | None = None
    error = ""
    raw_parent = request.GET.get("parent", "")
    if raw_parent:
        try:
            parent = Category.objects.filter(pk=int(raw_parent)).first()
        except ValueError:
            parent = None
        if parent is None:
            status = 400
            error = "Unknown category: showing the top level."
    table = selectors.sales_by_category(start=start, end=end, parent_id=parent.pk if parent else None)
    chart = bar_chart(table.column("category"), table.column("revenue"))
    drill = {}
    base = request.GET.copy()
    base.pop("format", None)
    for category_id, has_children in zip(table.column("category_id"), table.column("has_children"), strict=True):
        if has_children:
            base["parent"] = str(category_id)
            drill[category_id] = f"{request.path}?{base.urlencode()}"
    return _render(
        request,
        slug="sales-by-category",
        title="Sales by category",
        table=table,
        form=form,
        chart=chart,
        status=status,
        extra={"parent": parent, "drill": drill, "error": error},
    )


@staff_member_required
def low_stock(request: HttpRequest) -> HttpResponse:
    table = selectors.low_stock()
    return _render(request, slug="low-stock", title="Low-stock alerts", table=table)


REPORTS: list[tuple[str, str, Callable[..., HttpResponse]]] = [
    ("kpis", "KPI dashboard", kpi_dashboard),
    ("monthly-revenue", "Monthly revenue and growth", monthly_revenue),
    ("customers", "Customer lifetime value", customers),
    ("best-sellers", "Best sellers per category", best_sellers),
    ("top-rated", "Top-rated per category", top_rated),
    ("sales-by-category", "Sales by category", sales_by_category),
    ("low-stock", "Low-stock alerts", low_stock),
]


def report_links() -> list[tuple[str, str]]:
    return [(title, reverse(f"reports:{slug}")) for slug, title, _view in REPORTS]
