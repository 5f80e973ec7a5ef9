"""Site-wide behaviour: health check, error pages, security headers, deploy checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections
from django.db.backends.postgresql.base import DatabaseWrapper

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_a_database_round_trip(client):  # type: ignore[no-untyped-def]
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, tmp_path):  # type: ignore[no-untyped-def]
    owner = connections["default"]
    # A real connection attempt to a server that is not there (an empty socket folder).
    unreachable = DatabaseWrapper({**owner.settings_dict, "HOST": str(tmp_path), "PORT": "5999"}, alias="default")
    connections["default"] = unreachable
    try:
        response = client.get("/healthz")
    finally:
        unreachable.close()
        connections["default"] = owner
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


@pytest.mark.django_db
def test_unknown_pages_get_the_shops_404(client):  # type: ignore[no-untyped-def]
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "ShopWave" in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_security_headers(client):  # type: ignore[no-untyped-def]
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_logout_needs_a_post_with_csrf():  # type: ignore[no-untyped-def]
    from django.test import Client

    from tests.factories import UserFactory

    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert client.post("/account/logout/").status_code == 403


def test_check_deploy_is_clean_with_production_settings():  # type: ignore[no-untyped-def]
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "false",
        "SECURE": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "shop.example.com",
        "BEHIND_TLS_PROXY": "true",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
