"""Pool hygiene, importable from settings (no Django imports here).

Request context is set transaction-locally, so it ends with the request's transaction.
This reset runs when a connection goes back to the pool and clears the same settings
at session level too, so even a stray session-level SET can never reach the next
request. It deliberately avoids DISCARD ALL, which would also undo connection set-up.
"""

from typing import Any

CONTEXT_SETTINGS = (
    "app.user_id",
    "app.seller_id",
    "app.login_email",
    "app.session_key",
    "app.cart_token",
    "app.staff_group",
)

RESET_SQL = "SELECT pg_catalog.set_config('role', 'none', false), " + ", ".join(
    f"pg_catalog.set_config('{name}', '', false)" for name in CONTEXT_SETTINGS
)


def reset_pooled_connection(conn: Any) -> None:
    """psycopg_pool `reset` callback: the connection is idle and must be left idle.

    Django hands connections back in autocommit mode: then the reset is one statement that
    commits itself (one round trip; an explicit transaction around it would cost three, on
    every request). A connection not in autocommit gets its own short transaction."""
    if conn.autocommit:
        conn.execute(RESET_SQL)
    else:
        with conn.transaction():
            conn.execute(RESET_SQL)
