"""A new shopper signs up, adds an address, logs out and logs back in, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Address, User

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "browser-test-password-1"


def test_sign_up_add_address_log_out_and_back_in(live_server, page: Page):  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign up").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    page.get_by_label("Email").fill("Bea.Browser@Example.com")
    page.get_by_label("Full name").fill("Bea Browser")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Welcome to ShopWave")).to_be_visible()

    page.goto(f"{live_server.url}/account/addresses/new/")
    page.get_by_label("Address line 1").fill("221B Baker Street")
    page.get_by_label("City").fill("London")
    page.get_by_label("Postal code").fill("NW1 6XE")
    page.get_by_label("Country").select_option("GB")
    page.get_by_role("button", name="Add address").click()
    expect(page.get_by_text("Address saved.")).to_be_visible()
    expect(page.get_by_text("221B Baker Street")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()

    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("bea.browser@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/account/addresses/")
    expect(page.get_by_text("221B Baker Street")).to_be_visible()

    user = User.objects.get(email="bea.browser@example.com")
    assert Address.objects.filter(user=user, is_default=True, city="London").count() == 1


def test_a_wrong_password_shows_a_clear_message(live_server, page: Page):  # type: ignore[no-untyped-def]
    User.objects.create_user("known@example.com", PASSWORD)
    page.goto(f"{live_server.url}/account/login/")
    page.get_by_label("Email").fill("known@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
