"""Login is where an anonymous cart meets its shopper; the service does the merge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from orders import services


def merge_cart_at_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.cart_merge_at_login(user=user, session=request.session)
