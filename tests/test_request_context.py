"""Every request runs under the right role and user, for that request only."""

from __future__ import annotations

import os
from urllib.parse import unquote

import environ
import pytest
from django.db import DatabaseError, connections
from django.db.backends.postgresql.base import DatabaseWrapper
from django.test import Client

from shopwave.dbreset import reset_pooled_connection
from tests.conftest import sql
from tests.factories import AddressFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.urls("tests.probe_urls")


@pytest.mark.django_db
def test_anonymous_request_is_a_customer_without_identity(client):  # type: ignore[no-untyped-def]
    assert client.get("/whoami/").json() == {"role": "commerce_customer", "user_id": None}


@pytest.mark.django_db
def test_shopper_request_carries_the_shoppers_id(client):  # type: ignore[no-untyped-def]
    shopper = UserFactory()
    client.force_login(shopper)
    assert client.get("/whoami/").json() == {"role": "commerce_customer", "user_id": shopper.pk}
    # A shopper in the back office is still only a shopper.
    assert client.get("/admin/whoami/").json() == {"role": "commerce_customer", "user_id": shopper.pk}


@pytest.mark.django_db
def test_staff_in_the_back_office_run_as_manager(client):  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    client.force_login(staff)
    assert client.get("/admin/whoami/").json() == {"role": "commerce_manager", "user_id": staff.pk}
    assert client.get("/whoami/").json() == {"role": "commerce_customer", "user_id": staff.pk}


@pytest.mark.django_db
def test_nothing_of_the_request_survives_it(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory())
    client.get("/whoami/")
    [(role, user_id)] = sql("SELECT current_user::text, current_setting('app.user_id', true)")
    assert role == connections["default"].settings_dict["USER"]
    assert user_id in ("", None)


@pytest.mark.django_db
def test_a_view_that_forgets_to_filter_still_sees_only_its_shoppers_rows(client):  # type: ignore[no-untyped-def]
    a, b = UserFactory(), UserFactory()
    AddressFactory(user=a, line1="1 Alpha Road")
    AddressFactory(user=b, line1="2 Bravo Road")
    client.force_login(a)
    body = client.get("/careless/addresses/").content.decode()
    assert body == f"{a.pk}:1 Alpha Road"
    client.logout()
    assert client.get("/careless/addresses/").content.decode() == ""


@pytest.mark.django_db
def test_a_view_that_raises_rolls_back_its_writes_and_leaves_no_identity(client):  # type: ignore[no-untyped-def]
    a = UserFactory()
    address = AddressFactory(user=a, city="Original")
    client.force_login(a)
    client.raise_request_exception = False
    assert client.get("/boom/").status_code == 500
    address.refresh_from_db()
    assert address.city == "Original"
    assert client.get("/whoami/").json()["user_id"] == a.pk  # the session survived the error
    [(user_id,)] = sql("SELECT current_setting('app.user_id', true)")
    assert user_id in ("", None)


# --- The production path: the web login through Django's connection pool -------------


def _web_login_wrapper(owner: DatabaseWrapper) -> DatabaseWrapper:
    url = os.environ.get("WEB_DATABASE_URL")
    if not url:
        pytest.fail("WEB_DATABASE_URL must name the web login (make db writes it to var/local.env)")
    web = environ.Env.db_url_config(url)
    settings_dict = {
        **owner.settings_dict,
        "USER": web["USER"],
        "PASSWORD": web["PASSWORD"],
        "HOST": unquote(web["HOST"] or ""),
        "PORT": web["PORT"],
        "CONN_MAX_AGE": 0,
        "OPTIONS": {
            **owner.settings_dict["OPTIONS"],
            # One connection, so every request below reuses the same physical session.
            "pool": {"min_size": 1, "max_size": 1, "reset": reset_pooled_connection},
        },
    }
    return DatabaseWrapper(settings_dict, alias="default")


@pytest.mark.django_db(transaction=True)
def test_pooled_connection_carries_no_identity_between_requests():  # type: ignore[no-untyped-def]
    a, b = UserFactory(), UserFactory()
    AddressFactory(user=a, line1="1 Alpha Road")
    AddressFactory(user=b, line1="2 Bravo Road")
    client_a, client_b, anonymous = Client(), Client(), Client()
    client_a.force_login(a)
    client_b.force_login(b)
    owner = connections["default"]
    web = _web_login_wrapper(owner)
    connections["default"] = web
    try:
        backend_pids = set()
        for client, user, expected in [
            (client_a, a, f"{a.pk}:1 Alpha Road"),
            (client_b, b, f"{b.pk}:2 Bravo Road"),
            (anonymous, None, ""),
            (client_a, a, f"{a.pk}:1 Alpha Road"),
            (anonymous, None, ""),
        ]:
            assert client.get("/careless/addresses/").content.decode() == expected
            assert client.get("/whoami/").json() == {
                "role": "commerce_customer",
                "user_id": user.pk if user else None,
            }
            with web.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backend_pids.add(cursor.fetchone()[0])
            web.close()
        assert len(backend_pids) == 1, "the test must really reuse one pooled connection"

        # Between requests the borrowed connection is the bare web login: no role, no
        # user, and no access to anything (fail closed).
        with web.cursor() as cursor:
            cursor.execute("SELECT current_user::text, current_setting('app.user_id', true)")
            login, user_id = cursor.fetchone()
            assert login == web.settings_dict["USER"]
            assert user_id in ("", None)
            with pytest.raises(DatabaseError, match="permission denied"):
                cursor.execute("SELECT count(*) FROM accounts_address")
        web.close()

        # Even a session-level SET made by buggy code is gone when the pool hands the
        # connection out again.
        with web.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('role', 'commerce_customer', false), set_config('app.user_id', %s, false)",
                [str(a.pk)],
            )
        web.close()
        assert anonymous.get("/careless/addresses/").content.decode() == ""
        with web.cursor() as cursor:
            cursor.execute("SELECT current_user::text, current_setting('app.user_id', true)")
            assert cursor.fetchone() == (web.settings_dict["USER"], "")
        web.close()
    finally:
        web.close()
        web.pool.wait(timeout=5)  # let the pool finish resetting the returned connection
        web.close_pool()
        connections["default"] = owner


@pytest.mark.parametrize(("web_db_jit", "expected"), [(None, "off"), ("true", None)])
def test_the_web_login_runs_without_jit(web_db_jit, expected):  # type: ignore[no-untyped-def]
    # Settings are read once per process: a fresh interpreter with the web login's
    # environment connects and asks the server (expected None: the server's own setting).
    import subprocess
    import sys

    env = {**os.environ, "SHOPWAVE_DB_LOGIN": "web", "DB_POOL": "false"}
    env.pop("WEB_DB_JIT", None)
    if web_db_jit is not None:
        env["WEB_DB_JIT"] = web_db_jit
    code = (
        "import django; django.setup(); from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW jit'); print(c.fetchone()[0])\n"
        "    c.execute(\"SELECT reset_val FROM pg_settings WHERE name = 'jit'\"); print(c.fetchone()[0])\n"
    )
    done = subprocess.run(  # noqa: S603 -- this interpreter, a fixed program
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    shown, server_default = done.stdout.split()
    assert shown == (expected or server_default)


@pytest.mark.django_db  # the test database exists (the test connects to it itself)
@pytest.mark.parametrize("autocommit", [True, False])
def test_the_pool_reset_clears_session_settings_and_leaves_the_connection_idle(autocommit):  # type: ignore[no-untyped-def]
    import psycopg
    from psycopg.pq import TransactionStatus

    from shopwave.dbreset import CONTEXT_SETTINGS

    web = environ.Env.db_url_config(os.environ["WEB_DATABASE_URL"])
    with psycopg.connect(
        dbname=connections["default"].settings_dict["NAME"],
        user=web["USER"],
        password=web["PASSWORD"],
        host=unquote(web["HOST"] or ""),
        port=web["PORT"] or None,
        autocommit=True,
    ) as conn:
        conn.execute(
            "SELECT set_config('role', 'commerce_customer', false), set_config('app.user_id', '42', false),"
            " set_config('app.cart_token', 'x', false)"
        )
        conn.autocommit = autocommit
        reset_pooled_connection(conn)
        assert conn.info.transaction_status == TransactionStatus.IDLE
        conn.autocommit = True
        row = conn.execute(
            "SELECT current_user::text, " + ", ".join(f"current_setting('{name}', true)" for name in CONTEXT_SETTINGS)
        ).fetchone()
        assert row == (web["USER"], *([""] * len(CONTEXT_SETTINGS)))
