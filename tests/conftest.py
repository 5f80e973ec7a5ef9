"""Shared fixtures. Tests run against a real PostgreSQL test database built by the
migrations (roles, RLS, triggers exist only there). The test process connects as the
owner login; security tests switch into the request roles exactly as requests do."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.db import connection

from shopwave import dbcontext

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):  # type: ignore[no-untyped-def]
    # Argon2 is the production hasher (tests/accounts/test_passwords.py proves it);
    # elsewhere a cheap hasher keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):  # type: ignore[no-untyped-def]
    # The hashed manifest exists only after collectstatic; tests must not depend on it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Cached page parts (the home page's sections) must not leak from one test into
    # the next; a test that wants a fresh page within itself clears it too.
    for each in caches.all(initialized_only=True):
        each.clear()
    yield
    for each in caches.all(initialized_only=True):
        each.clear()


@contextmanager
def acting_as(role: str, user_id: int | None = None, seller_id: int | None = None) -> Iterator[None]:
    """Run the block in a request role with a user context, as a web request would."""
    dbcontext.clear_user_context()
    dbcontext.set_user_context(role=role, user_id=user_id, seller_id=seller_id)
    try:
        yield
    finally:
        dbcontext.clear_user_context()


def sql(query: str, params: list | tuple | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params or [])
        return cursor.fetchall() if cursor.description else []


@pytest.fixture
def shop():  # type: ignore[no-untyped-def]
    """A small shop: shipping, Maine tax, headphones (stock 10) and a speaker (stock 5)."""
    from tests.orders.conftest import build_shop

    return build_shop()
