"""How a request gets its database identity.

The web login owns nothing and holds no privileges. Each request runs in one
transaction that starts in the anonymous storefront scope (role commerce_customer, no
user) and, once the session names a user, switches to that user's scope:

    RequestTransactionMiddleware  BEGIN; set_user_context('commerce_customer')
      SessionMiddleware           session row visible only for the presented key
      AuthenticationMiddleware
      RequestIdentityMiddleware   set_user_context(<role for this user and path>, user_id)
        view (ATOMIC_REQUESTS savepoint)
    clear_user_context(); COMMIT

Everything is transaction-local (set_config(..., true)), so a pooled connection carries
nothing into the next request; the pool's reset callback (shopwave.dbreset) clears the
session level as well. Outside a request transaction the login is privilege-less, so a
query that escapes this scheme fails instead of seeing rows (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse

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


def set_user_context(
    *, role: str, user_id: int | None = None, seller_id: int | None = None, using: str = "default"
) -> None:
    """Switch the current transaction to `role` acting for `user_id` (transaction-local)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT set_user_context(%s, %s, %s)", [role, user_id, seller_id])


def clear_user_context(*, using: str = "default") -> None:
    """Back to the privilege-less login with no identity."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT clear_user_context()")


def allow_login_lookup(email: str, *, using: str = "default") -> None:
    """Let this transaction read the one account with this email (login, sign-up, reset)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_catalog.set_config('app.login_email', %s, true)", [email])


def role_for(user: User, path: str) -> str:
    """The database role a request of `user` for `path` runs under."""
    if path.startswith(ADMIN_PREFIX) and user.is_active and user.is_staff:
        return MANAGER
    return CUSTOMER


def _exempt(request: HttpRequest) -> bool:
    return request.path.startswith(_EXEMPT_PREFIXES)


class RequestTransactionMiddleware:
    """Wraps sessions, authentication and the view in one transaction, fail-closed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _exempt(request):
            return self.get_response(request)
        connection = connections["default"]
        with transaction.atomic():
            set_user_context(role=CUSTOMER)
            response = self.get_response(request)
            if not connection.needs_rollback:
                clear_user_context()
        return response


class RequestIdentityMiddleware:
    """Sets the role and user context once the session has said who is asking."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _exempt(request):
            user_id = request.session.get(SESSION_KEY)
            if user_id is not None:
                try:
                    set_user_context(role=CUSTOMER, user_id=int(user_id))
                except (TypeError, ValueError):
                    request.session.flush()
                else:
                    user = request.user  # loads the row, checks the session's auth hash
                    if not user.is_authenticated:
                        set_user_context(role=CUSTOMER)
                    else:
                        role = role_for(user, request.path)  # type: ignore[arg-type]
                        if role != CUSTOMER:
                            set_user_context(role=role, user_id=user.pk)
        return self.get_response(request)
