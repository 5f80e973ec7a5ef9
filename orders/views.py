"""Cart, checkout and order pages."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.views import AuthedRequest
from orders import selectors, services
from orders.forms import CheckoutForm
from orders.models import Order
from shopwave.http import safe_next
from shopwave.keyset import BadCursorError


def _user(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.user if request.user.is_authenticated else None


@transaction.non_atomic_requests  # read-only, like the catalog pages (catalog/views.py)
def cart_detail(request: HttpRequest) -> HttpResponse:
    return render(
        request, "orders/cart.html", {"view": selectors.cart_page(user=_user(request), session=request.session)}
    )


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    back = safe_next(request, reverse("orders:cart"))
    try:
        cart = services.cart_for(user=_user(request), session=request.session, create=True)
        assert cart is not None
        item = services.cart_add(
            cart=cart, variant_id=request.POST.get("variant"), quantity=request.POST.get("quantity", "1")
        )
    except services.OrderError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"Added to your cart ({item.quantity} in cart).")
    return redirect(reverse("orders:cart"))


@require_POST
def cart_update(request: HttpRequest, item_id: int) -> HttpResponse:
    cart = services.cart_for(user=_user(request), session=request.session)
    if cart is None:
        raise Http404("No cart")
    try:
        if request.POST.get("remove"):
            services.cart_remove(cart=cart, item_id=item_id)
            messages.success(request, "Removed from your cart.")
        else:
            services.cart_set_quantity(cart=cart, item_id=item_id, quantity=request.POST.get("quantity", ""))
            messages.success(request, "Cart updated.")
    except services.OrderError as exc:
        messages.error(request, exc.message)
    return redirect("orders:cart")


@login_required
@transaction.non_atomic_requests  # the saga commits the order before calling the processor
def checkout(request: AuthedRequest) -> HttpResponse:
    options = selectors.checkout_options(user=request.user)
    view = selectors.cart_page(user=request.user, session=request.session)
    if not view.items and request.method == "GET":
        messages.info(request, "Your cart is empty.")
        return redirect("orders:cart")
    default_address = next((a.pk for a in options["addresses"] if a.is_default), None)  # type: ignore[attr-defined]
    default_card = next((p.pk for p in options["payment_methods"] if p.is_default), None)  # type: ignore[attr-defined]
    shipping = options["shipping_methods"]
    initial = {
        "address": default_address,
        "payment_method": default_card,
        "shipping_method": shipping[0].code if shipping else None,  # type: ignore[index]
        "idempotency_key": uuid.uuid4(),
    }
    data = request.POST if request.method == "POST" else None
    form = CheckoutForm(data, initial=initial, **options)  # type: ignore[arg-type]
    quote_input = form.data if form.is_bound else initial
    try:
        address_id = int(quote_input.get("address") or 0) or None
    except (TypeError, ValueError):
        address_id = None
    with transaction.atomic():
        quote = services.checkout_quote(
            address_id=address_id,
            shipping_code=str(quote_input.get("shipping_method") or ""),
            promotion_code=str(quote_input.get("promotion_code") or ""),
        )
    if request.method == "POST" and request.POST.get("action") == "place" and form.is_valid():
        try:
            order = services.order_place(
                address_id=form.cleaned_data["address"],
                shipping_code=form.cleaned_data["shipping_method"],
                payment_method_id=form.cleaned_data["payment_method"],
                promotion_code=form.cleaned_data["promotion_code"],
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except services.OrderError as exc:
            form.add_error(exc.field, exc.message)
        else:
            status = services.order_pay(order=order)
            if status == Order.Status.PAYMENT_FAILED:
                services.cart_restore_from_failed_order(order=order, user=request.user)
                messages.error(
                    request,
                    f"Your payment was declined, so order {order.number} was not placed and nothing "
                    "was charged. Your items are back in your cart: please choose another card.",
                )
                return redirect("orders:checkout")
            messages.success(request, f"Thank you! Order {order.number} is confirmed.")
            return redirect("orders:detail", number=order.number)
    elif request.method == "POST":
        form.is_valid()  # show field errors when the shopper only refreshed totals
    context = {"form": form, "view": view, "quote": quote, **options}
    return render(request, "orders/checkout.html", context, status=400 if form.errors else 200)


@login_required
def order_list(request: AuthedRequest) -> HttpResponse:
    try:
        orders, next_cursor = selectors.order_history(user=request.user, after=request.GET.get("after") or None)
    except BadCursorError:
        return render(request, "errors/400.html", {"message": "That page link is not valid."}, status=400)
    next_url = f"{request.path}?after={next_cursor}" if next_cursor else None
    return render(
        request,
        "orders/order_list.html",
        {"orders": orders, "next_url": next_url, "is_first_page": not request.GET.get("after")},
    )


@login_required
def order_detail(request: AuthedRequest, number: str) -> HttpResponse:
    order = selectors.order_detail(user=request.user, number=number)
    if order is None:
        raise Http404("No such order")
    return render(request, "orders/order_detail.html", {"order": order})


@login_required
@require_POST
@transaction.non_atomic_requests
def order_cancel(request: AuthedRequest, number: str) -> HttpResponse:
    order = selectors.order_detail(user=request.user, number=number)
    if order is None:
        raise Http404("No such order")
    try:
        services.order_cancel(order=order)
    except services.OrderError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Order {order.number} has been cancelled.")
    return redirect("orders:detail", number=order.number)
