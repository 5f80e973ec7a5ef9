"""Email login under row-level security.

Before login the request is anonymous and cannot see any account row. The backend
names the one email it is looking up (app.login_email), and on a correct password it
switches the transaction to act as that user, so Django's own writes that follow
(password rehash, last_login) pass the "own row" policy.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from accounts.models import User, normalize_email
from shopwave import dbcontext


class EmailBackend(ModelBackend):
    def authenticate(  # type: ignore[override]
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        email = normalize_email(username or kwargs.get("email") or "")
        if not email or password is None:
            return None
        dbcontext.allow_login_lookup(email)
        user = User.objects.filter(email=email).first()
        if user is None:
            # Spend the same time as a real check so response times do not reveal accounts.
            User().set_password(password)
            dbcontext.allow_login_lookup("")
            return None
        dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=user.pk)
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        dbcontext.set_user_context(role=dbcontext.CUSTOMER)
        return None
