"""Database sessions behind row-level security.

django_session is readable only for the key set in `app.session_key`, so a request
(or an injected query) can read and write its own session and nobody else's. Each
operation names the one key it touches before it runs (for the rest of the request:
sessions are read and saved outside the view's transaction).
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class SessionStore(DatabaseSessionStore):
    def _scope(self, session_key: str | None) -> None:
        using = router.db_for_write(self.model)
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_catalog.set_config('app.session_key', %s, false)", [session_key or ""])

    def _get_session_from_db(self) -> Any:
        # Every request reads its session: naming the key and reading the row are one call
        # (session_read(), accounts/migrations/0012), one prepared statement instead of the
        # ORM's query building, with the same result as Django's.
        key = self.session_key
        if key is None:
            return None
        using = router.db_for_read(self.model)
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT session_data, expire_date FROM session_read(%s, %s)", [key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return self.model(session_key=key, session_data=row[0], expire_date=row[1])

    def exists(self, session_key: str) -> bool:
        self._scope(session_key)
        return super().exists(session_key)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is not None:
            self._scope(self.session_key)
        super().save(must_create=must_create)

    def delete(self, session_key: str | None = None) -> None:
        self._scope(session_key or self.session_key)
        super().delete(session_key)
