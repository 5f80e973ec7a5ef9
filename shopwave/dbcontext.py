"""How a request gets its database identity.

The web login owns nothing and holds no privileges. Each request starts in the
anonymous storefront scope (role commerce_customer, no user) before anything touches
the database, and switches to the user's scope once the session names a user:

    RequestContextMiddleware   set_user_context('commerce_customer')          (request start)
      SessionMiddleware        session row visible only for the presented key
      AuthenticationMiddleware
      RequestIdentityMiddleware set_user_context(<role for user and path>, user_id)
        view (ATOMIC_REQUESTS: its own transaction, or several for the payment saga)
    clear_user_context()                                       (request end, always)

The identity lasts for the request (session-level settings), so a view may commit more
than once: the checkout commits the order before it calls the card processor. It is
cleared when the request ends, whatever happened, and the pool's reset callback
(shopwave.dbreset) clears it again before a connection is lent out, so a pooled
connection never carries one request's identity into the next. Between requests the
connection is the bare web login: a query there fails instead of seeing rows.
Code that switches identity inside one transaction (login, sign-up, password reset)
uses transaction-local settings that end with that transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

from accounts.staff import staff_group_of

if TYPE_CHECKING:
    from accounts.models import User

CUSTOMER = "commerce_customer"
MANAGER = "commerce_manager"
READONLY = "commerce_readonly"
SELLER = "commerce_seller"
REQUEST_ROLES = (CUSTOMER, MANAGER, READONLY, SELLER)

# Paths that must not open a database transaction: the load balancer's probe reports
# database trouble itself, and static files never touch the database.
_EXEMPT_PREFIXES = ("/healthz", "/" + settings.STATIC_URL.lstrip("/"))
ADMIN_PREFIX = "/admin/"
SELLER_PREFIX = "/seller/"
CART_TOKEN_SESSION_KEY = "cart_token"  # noqa: S105 -- a session key name, not a secret


def set_user_context(
    *,
    role: str,
    user_id: int | None = None,
    seller_id: int | None = None,
    for_request: bool = False,
    using: str = "default",
) -> None:
    """Act as `role` for `user_id`: for the current transaction, or (for_request) until
    clear_user_context() ends the request."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT set_user_context(%s, %s, %s, %s)", [role, user_id, seller_id, not for_request])


def clear_user_context(*, using: str = "default") -> None:
    """Back to the privilege-less login with no identity."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT clear_user_context()")


def set_cart_token(token: str, *, using: str = "default") -> None:
    """Let this request reach the anonymous cart whose token its session holds."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_catalog.set_config('app.cart_token', %s, false)", [token])


def allow_login_lookup(email: str, *, using: str = "default") -> None:
    """Let this transaction read the one account with this email (login, sign-up, reset)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_catalog.set_config('app.login_email', %s, true)", [email])


def role_for(user: User, path: str, staff_group: str = "") -> str:
    """The database role a request of `user` for `path` runs under: staff in the back
    office run as commerce_manager, analysts as commerce_readonly."""
    if path.startswith(ADMIN_PREFIX) and user.is_active and user.is_staff:
        return READONLY if staff_group == "analysts" else MANAGER
    return CUSTOMER


def set_staff_group(group: str, *, using: str = "default") -> None:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_catalog.set_config('app.staff_group', %s, false)", [group])


def _exempt(request: HttpRequest) -> bool:
    return request.path.startswith(_EXEMPT_PREFIXES)


def _enter_seller_scope(request: HttpRequest, user: Any) -> None:
    """Seller-portal requests of a seller's member run as commerce_seller for that seller."""
    from accounts.models import SellerMember

    membership = (
        SellerMember.objects.filter(user=user)
        .select_related("seller")
        .only("seller__id", "seller__company_name", "seller__is_active")
        .order_by("seller_id")
        .first()
    )
    if membership is None or not membership.seller.is_active:
        return
    set_user_context(role=SELLER, user_id=user.pk, seller_id=membership.seller_id, for_request=True)
    request.seller_id = membership.seller_id  # type: ignore[attr-defined]
    request.seller_name = membership.seller.company_name  # type: ignore[attr-defined]


class RequestContextMiddleware:
    """Starts every request in the anonymous scope and always clears it at the end."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _exempt(request):
            return self.get_response(request)

        connection = connections["default"]
        set_user_context(role=CUSTOMER, for_request=True)
        try:
            return self.get_response(request)
        finally:
            try:
                clear_user_context()
            except DatabaseError:
                # Cannot prove the identity is gone: never let this connection be reused.
                connection.close()


class RequestIdentityMiddleware:
    """Sets the role and user context once the session has said who is asking."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _exempt(request):
            cart_token = request.session.get(CART_TOKEN_SESSION_KEY)
            if cart_token:
                set_cart_token(str(cart_token))
            user_id = request.session.get(SESSION_KEY)
            if user_id is not None:
                try:
                    set_user_context(role=CUSTOMER, user_id=int(user_id), for_request=True)
                except (TypeError, ValueError):
                    request.session.flush()
                else:
                    user = request.user  # loads the row, checks the session's auth hash
                    if not user.is_authenticated:
                        set_user_context(role=CUSTOMER, for_request=True)
                    elif request.path.startswith(SELLER_PREFIX):
                        _enter_seller_scope(request, user)
                    elif request.path.startswith(ADMIN_PREFIX) and user.is_staff:
                        group = staff_group_of(user)
                        role = role_for(user, request.path, group)  # type: ignore[arg-type]
                        if role != CUSTOMER:
                            set_user_context(role=role, user_id=user.pk, for_request=True)
                            if group:
                                set_staff_group(group)
        return self.get_response(request)
