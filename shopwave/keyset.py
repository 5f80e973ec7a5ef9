"""Opaque keyset-pagination cursors: the sort key of the last row shown, signed so that a
visitor cannot forge one (a forged or stale cursor is a clear 400, never a 500)."""

from __future__ import annotations

import datetime

from django.core import signing


class BadCursorError(ValueError):
    """The `after` parameter was not produced by us (or is for another listing)."""


def encode_after(moment: datetime.datetime, pk: int, *, salt: str) -> str:
    return signing.dumps([moment.isoformat(), pk], salt=salt)


def decode_after(cursor: str, *, salt: str) -> tuple[datetime.datetime, int]:
    try:
        moment_iso, pk = signing.loads(cursor, salt=salt)
        return datetime.datetime.fromisoformat(moment_iso), int(pk)
    except (signing.BadSignature, TypeError, ValueError) as exc:
        raise BadCursorError("invalid cursor") from exc
