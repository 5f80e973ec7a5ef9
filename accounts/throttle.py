"""Login throttling kept in PostgreSQL, shared by every web worker.

Failures are counted per email and per client address in a fixed window; past the
limit the key is locked for a while. The table is reachable only through the
SECURITY DEFINER functions of migration 0004, so a shopper's request can neither
read who else is failing nor reset its own counter.
"""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone


def client_address(request: HttpRequest | None) -> str:
    # Behind a proxy, configure it to set REMOTE_ADDR (e.g. gunicorn --forwarded-allow-ips).
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR") or "")


def locked_until(email: str, address: str) -> datetime.datetime | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT login_throttle_locked_until(%s, %s)", [email, address])
        return cursor.fetchone()[0]


def record_failure(email: str, address: str) -> datetime.datetime | None:
    limits = settings.LOGIN_THROTTLE
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT login_throttle_record_failure(%s, %s, %s, %s, %s, %s)",
            [
                email,
                address,
                limits["MAX_FAILURES_PER_EMAIL"],
                limits["MAX_FAILURES_PER_ADDRESS"],
                limits["WINDOW_SECONDS"],
                limits["LOCKOUT_SECONDS"],
            ],
        )
        return cursor.fetchone()[0]


def record_success(email: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT login_throttle_clear(%s)", [email])


def minutes_left(until: datetime.datetime) -> int:
    return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
