"""The second factor (TOTP) on the server that requires it: set-up, a wrong code, the right code."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect
from tests.e2e.support import SIGN_OUT_BUTTON, check_axe, sign_in

pytestmark = pytest.mark.e2e

# Used for the second factor here only, so the device it sets up is not met anywhere else.
USERNAME = "ppt"
BASE32_GROUPS = re.compile(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})*")


def totp_for(secret: str) -> TOTP:
    compact = secret.replace(" ", "")
    key = base64.b32decode(compact + "=" * (-len(compact) % 8))
    return TOTP(key=key, step=30, digits=6)


def codes_accepted_now(totp: TOTP) -> set[str]:
    """The codes the server accepts at this moment (one step either way for clock skew)."""
    codes = set()
    for drift in (-1, 0, 1):
        totp.drift = drift
        codes.add(f"{totp.token():06d}")
    totp.drift = 0
    return codes


def submit_code(page: Page, code: str) -> None:
    page.fill("#id_token", code)
    with page.expect_navigation():
        page.locator("form:has(#id_token) button[type=submit]").click()


def test_second_factor_is_set_up_and_required_before_anything_else(
    page: Page, secure_server: str
) -> None:
    second_factor_url = f"{secure_server}/accounts/second-factor/"
    sign_in(page, secure_server, USERNAME)
    assert page.url == second_factor_url

    # Nothing else can be reached before the code is given.
    page.goto(f"{secure_server}/people/")
    assert page.url == second_factor_url

    secret = page.locator(".app-secret").inner_text().strip()
    assert BASE32_GROUPS.fullmatch(secret), secret
    expect(page.locator("figure.app-qr svg")).to_be_visible()
    expect(page.locator("label[for=id_token]")).to_be_visible()
    check_axe(page, "(second factor, setting up)")

    totp = totp_for(secret)
    wrong = next(
        code
        for code in ("000000", "111111", "123456", "999999")
        if code not in codes_accepted_now(totp)
    )
    submit_code(page, wrong)
    assert page.url == second_factor_url
    error = page.locator("#id_token_error")
    expect(error).to_be_visible()
    expect(error).not_to_be_empty()
    token_field = page.locator("#id_token")
    expect(token_field).to_have_attribute("aria-invalid", "true")
    expect(token_field).to_have_attribute("aria-describedby", re.compile(r"\bid_token_error\b"))
    assert page.locator(".app-secret").inner_text().strip() == secret
    check_axe(page, "(second factor, wrong code)")

    # django-otp throttles the device for a second after a failure.
    time.sleep(1.2)
    submit_code(page, f"{totp.token():06d}")
    assert page.url == f"{secure_server}/"
    assert page.locator("html").get_attribute("lang") == "nb"
    expect(page.locator(SIGN_OUT_BUTTON)).to_be_visible()

    # Verified for the rest of the session.
    page.goto(f"{secure_server}/people/")
    assert page.url == f"{secure_server}/people/"
    expect(page.locator("#id_query")).to_be_visible()
