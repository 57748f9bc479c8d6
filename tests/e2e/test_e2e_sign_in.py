"""Signing in and out, the language switch, and the neutral error for bad credentials."""

import re

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.support import (
    DEMO_USERNAMES,
    PROFESSIONAL_USERNAMES,
    SIGN_OUT_BUTTON,
    check_axe,
    login_form,
    sign_in,
)

pytestmark = pytest.mark.e2e


def html_lang(page: Page) -> str:
    return page.locator("html").get_attribute("lang") or ""


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_every_demo_user_signs_in_in_norwegian_and_can_switch_to_english(
    page: Page, demo_server: str, username: str
) -> None:
    sign_in(page, demo_server, username)

    assert page.url == f"{demo_server}/"
    assert html_lang(page) == "nb"
    sign_out = page.locator(SIGN_OUT_BUTTON)
    expect(sign_out).to_be_visible()
    expect(sign_out).not_to_have_text("Sign out")  # shown in bokmål, not in the source language
    expect(page.locator("main h1")).to_be_visible()
    # The menu: only casework roles find persons and have their work, only professionals
    # record concerns, only the service leader reviews, only the system administrator
    # administers.
    professional = username in PROFESSIONAL_USERNAMES
    finds_people = professional or username == "leder"
    expect(page.locator("nav a[href='/people/']")).to_have_count(1 if finds_people else 0)
    expect(page.locator("nav a[href='/work/']")).to_have_count(1 if finds_people else 0)
    expect(page.locator("nav a[href='/work/concern/']")).to_have_count(1 if professional else 0)
    expect(page.locator("nav a[href='/work/review/']")).to_have_count(
        1 if username == "leder" else 0
    )
    expect(page.locator("nav a[href='/admin/']")).to_have_count(1 if username == "admin" else 0)
    check_axe(page, f"(front page, {username}, nb)")

    with page.expect_navigation():
        page.locator("button[name=language][value=en]").click()

    assert page.url == f"{demo_server}/"
    assert html_lang(page) == "en"
    expect(sign_out).to_have_text("Sign out")
    expect(page.locator("button[name=language][value=nb]")).to_be_visible()
    check_axe(page, f"(front page, {username}, en)")


def _submit_credentials(page: Page, base_url: str, username: str, password: str) -> str:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.press("#id_password", "Enter")
    assert page.url.startswith(f"{base_url}/accounts/login/")
    alerts = page.get_by_role("alert")
    expect(alerts).to_have_count(1)
    # The password must not be echoed back into the form.
    expect(page.locator("#id_password")).to_have_value("")
    return alerts.inner_text().strip()


def test_bad_password_and_unknown_user_get_the_same_neutral_error(
    page: Page, demo_server: str
) -> None:
    wrong_password = _submit_credentials(page, demo_server, "leder", "not-the-password-123")
    unknown_user = _submit_credentials(page, demo_server, "finnes-ikke", "not-the-password-123")

    assert wrong_password
    assert wrong_password == unknown_user
    # The username typed stays in the field, so the person can correct the password.
    expect(page.locator("#id_username")).to_have_value("finnes-ikke")
    check_axe(page, "(sign-in page with error)")


def test_sign_out_returns_to_sign_in_and_front_page_needs_sign_in_again(
    page: Page, demo_server: str
) -> None:
    sign_in(page, demo_server, "helsestasjon")
    assert page.url == f"{demo_server}/"

    with page.expect_navigation():
        page.locator(SIGN_OUT_BUTTON).click()
    assert page.url == f"{demo_server}/accounts/login/"
    expect(login_form(page)).to_be_visible()

    page.goto(f"{demo_server}/")
    assert re.fullmatch(rf"{re.escape(demo_server)}/accounts/login/(\?.*)?", page.url)
    expect(login_form(page)).to_be_visible()
    expect(page.locator("header form[action='/accounts/logout/']")).to_have_count(0)
