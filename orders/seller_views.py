"""The seller portal: /seller/ (seller users only; the seller scope is set by
RequestIdentityMiddleware and enforced by row-level security)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from orders import sellers


class SellerRequest(HttpRequest):
    """A request in the seller scope (RequestIdentityMiddleware set these)."""

    seller_id: int
    seller_name: str


def seller_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not getattr(request, "seller_id", None):
            raise PermissionDenied("Only sellers can open the seller portal.")
        return view(request, *args, **kwargs)

    return wrapper


@seller_required
def dashboard(request: SellerRequest) -> HttpResponse:
    months = sellers.monthly_sales(seller_id=request.seller_id)
    totals = {key: sum((m[key] for m in months), 0) for key in ("orders", "units", "revenue", "commission", "net")}
    return render(
        request,
        "orders/seller/dashboard.html",
        {"months": months, "totals": totals, "seller_name": request.seller_name},
    )


@seller_required
def products(request: SellerRequest) -> HttpResponse:
    return render(
        request,
        "orders/seller/products.html",
        {
            "products": sellers.products(seller_id=request.seller_id),
            "seller_name": request.seller_name,
        },
    )


@seller_required
@require_POST
def variant_stock(request: SellerRequest, variant_id: int) -> HttpResponse:
    try:
        stock = int(request.POST.get("stock", ""))
        threshold = int(request.POST.get("low_stock_threshold", ""))
        sellers.variant_set_stock(
            seller_id=request.seller_id,
            variant_id=variant_id,
            stock=stock,
            low_stock_threshold=threshold,
        )
    except ValueError:
        messages.error(request, "Enter whole numbers for stock and threshold.")
    except sellers.SellerError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Stock updated.")
    return redirect("sellers:products")


@seller_required
def order_lines(request: SellerRequest) -> HttpResponse:
    return render(
        request,
        "orders/seller/order_lines.html",
        {
            "lines": sellers.order_lines(seller_id=request.seller_id),
            "seller_name": request.seller_name,
        },
    )


@seller_required
def payouts(request: SellerRequest) -> HttpResponse:
    return render(
        request,
        "orders/seller/payouts.html",
        {
            "payouts": sellers.payouts(seller_id=request.seller_id),
            "seller_name": request.seller_name,
        },
    )
