"""Sign-up, login, password, profile: through the pages, as a person uses them."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail

from accounts.models import User
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/account/signup/"
LOGIN = "/account/login/"


def signup_data(**overrides: str) -> dict[str, str]:
    return {
        "email": "New.Shopper@Example.com",
        "full_name": "New Shopper",
        "password1": "a-long-enough-password",
        "password2": "a-long-enough-password",
        **overrides,
    }


def test_sign_up_creates_a_lowercase_account_and_logs_in(client):  # type: ignore[no-untyped-def]
    response = client.post(SIGNUP, signup_data())
    assert response.status_code == 302
    user = User.objects.get()
    assert user.email == "new.shopper@example.com"
    assert client.session[SESSION_KEY] == str(user.pk)
    assert "New Shopper" in client.get("/account/").content.decode()


@pytest.mark.parametrize(
    "email", ["taken@example.com", "TAKEN@example.com", "Taken@Example.COM", " taken@example.com "]
)
def test_sign_up_with_a_taken_email_in_any_case_is_refused(client, email):  # type: ignore[no-untyped-def]
    UserFactory(email="taken@example.com")
    response = client.post(SIGNUP, signup_data(email=email))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password2": "something-else-entirely"}, "do not match"),
        ({"password1": "short", "password2": "short"}, "too short"),
        ({"password1": "1234567890123", "password2": "1234567890123"}, "entirely numeric"),
        ({"email": "not-an-email"}, "valid email"),
    ],
)
def test_sign_up_rejects_bad_input_and_writes_nothing(client, overrides, message):  # type: ignore[no-untyped-def]
    response = client.post(SIGNUP, signup_data(**overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == 0


def test_the_database_refuses_a_second_account_differing_only_in_case():  # type: ignore[no-untyped-def]
    from django.db import IntegrityError, transaction

    UserFactory(email="ann@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="Ann@example.com")  # the lowercase CHECK
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="ann@example.com")  # the unique index


def test_log_in_and_out(client):  # type: ignore[no-untyped-def]
    user = UserFactory(email="ann@example.com")
    response = client.post(LOGIN, {"username": "ANN@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
    user.refresh_from_db()
    assert user.last_login is not None
    assert client.post("/account/logout/").status_code == 302
    assert SESSION_KEY not in client.session


def test_wrong_password_gets_a_clear_message(client):  # type: ignore[no-untyped-def]
    UserFactory(email="ann@example.com")
    response = client.post(LOGIN, {"username": "ann@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_repeated_failures_are_throttled_even_for_the_right_password(client, settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "MAX_FAILURES_PER_EMAIL": 3}
    UserFactory(email="ann@example.com")
    for _ in range(3):
        client.post(LOGIN, {"username": "ann@example.com", "password": "wrong"})
    response = client.post(LOGIN, {"username": "ann@example.com", "password": TEST_PASSWORD})
    assert response.status_code == 200
    assert "Too many failed log-in attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    # Another account from elsewhere is not affected by this email's lock.
    other = UserFactory(email="bob@example.com")
    assert client.post(LOGIN, {"username": other.email, "password": TEST_PASSWORD}).status_code == 302


def test_failures_from_one_address_are_throttled_across_emails(client, settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "MAX_FAILURES_PER_ADDRESS": 4}
    user = UserFactory(email="victim@example.com")
    for n in range(4):
        client.post(LOGIN, {"username": f"guess{n}@example.com", "password": "wrong"})
    response = client.post(LOGIN, {"username": user.email, "password": TEST_PASSWORD})
    assert "Too many failed log-in attempts" in response.content.decode()


def test_a_successful_login_clears_the_email_counter(client, settings):  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE = {**settings.LOGIN_THROTTLE, "MAX_FAILURES_PER_EMAIL": 3}
    UserFactory(email="ann@example.com")
    for _ in range(2):
        client.post(LOGIN, {"username": "ann@example.com", "password": "wrong"})
    assert client.post(LOGIN, {"username": "ann@example.com", "password": TEST_PASSWORD}).status_code == 302
    client.post("/account/logout/")
    for _ in range(2):
        client.post(LOGIN, {"username": "ann@example.com", "password": "wrong"})
    assert client.post(LOGIN, {"username": "ann@example.com", "password": TEST_PASSWORD}).status_code == 302


def test_next_redirects_only_within_the_site(client):  # type: ignore[no-untyped-def]
    UserFactory(email="ann@example.com")
    response = client.post(
        LOGIN + "?next=https://evil.example/", {"username": "ann@example.com", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_password_change(client):  # type: ignore[no-untyped-def]
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/account/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "brand-new-password-1",
            "new_password2": "brand-new-password-1",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("brand-new-password-1")


def test_password_reset_by_email_link(client):  # type: ignore[no-untyped-def]
    user = UserFactory(email="ann@example.com")
    response = client.post("/account/password/reset/", {"email": "Ann@Example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/account/password/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "reset-password-123", "new_password2": "reset-password-123"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("reset-password-123")


def test_password_reset_for_an_unknown_email_sends_nothing_and_says_the_same(client):  # type: ignore[no-untyped-def]
    response = client.post("/account/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_forged_reset_link_changes_nothing(client):  # type: ignore[no-untyped-def]
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    response = client.get(f"/account/password/reset/{uid}/forged-token/", follow=True)
    assert "invalid" in response.content.decode().lower()
    response = client.post(
        f"/account/password/reset/{uid}/set-password/",
        {"new_password1": "attacker-password-1", "new_password2": "attacker-password-1"},
    )
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_profile_update_and_taken_email(client):  # type: ignore[no-untyped-def]
    UserFactory(email="taken@example.com")
    user = UserFactory(email="ann@example.com")
    client.force_login(user)
    assert client.post("/account/", {"full_name": "Ann Lee", "email": "Ann.Lee@Example.com"}).status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.email) == ("Ann Lee", "ann.lee@example.com")
    response = client.post("/account/", {"full_name": "Ann Lee", "email": "TAKEN@example.com"})
    assert "already exists" in response.content.decode()
    user.refresh_from_db()
    assert user.email == "ann.lee@example.com"


def test_account_pages_require_login(client):  # type: ignore[no-untyped-def]
    for url in ["/account/", "/account/addresses/", "/account/payment-methods/", "/account/password/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_passwords_are_hashed_with_argon2_in_production():  # type: ignore[no-untyped-def]
    from shopwave import settings as production_settings

    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    hasher = Argon2PasswordHasher()
    assert hasher.encode("x", hasher.salt()).startswith("argon2$argon2id$")
