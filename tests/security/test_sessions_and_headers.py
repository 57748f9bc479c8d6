"""Sessions, CSRF, rate limits and the security headers (issue 8; docs/security-findings.md).

Elsewhere: idle and absolute session limits and the lock-out of a username after repeated
failures (tests/accounts/test_sign_in.py); `check --deploy` clean with production settings and
the CSP of the sign-in page (tests/config/test_health_and_settings.py); ID-porten's sign-in
(tests/accounts/test_oidc.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from routes import project_routes
from tests.conftest import PASSWORD

from samhandling.accounts import tokens
from samhandling.accounts.models import SessionRecord, User
from samhandling.audit.models import AuditEvent
from samhandling.config.ratelimit import client_address
from samhandling.people.models import Person

ROOT = Path(__file__).resolve().parents[2]
SESSION = django_settings.SESSION_COOKIE_NAME
LOGIN = "/accounts/login/"


# --- helpers ---------------------------------------------------------------------------------


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def post_login(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def planted_session(client: Client) -> str:
    """A session key an attacker got the victim's browser to use before signing in."""
    store = SessionStore()
    store["planted"] = True
    store.create()
    client.cookies[SESSION] = store.session_key
    assert store.session_key
    return store.session_key


def session_key(client: Client) -> str:
    return str(client.cookies[SESSION].value)


def with_key(key: str) -> Client:
    client = Client()
    client.cookies[SESSION] = key
    return client


def sends_to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = timezone.now().timestamp()
    return f"{totp.token():06d}"


def csrf_from_page(content: bytes) -> str:
    """The token as the page gives it to htmx (hx-headers on <body>)."""
    match = re.search(rb"hx-headers='(\{[^']*\})'", content)
    assert match, "the page sends no CSRF token with htmx"
    return str(json.loads(match.group(1))["X-CSRFToken"])


def signed_in_strictly(user: User) -> Client:
    """A client that enforces CSRF like a browser, signed in through the sign-in form."""
    client = Client(enforce_csrf_checks=True)
    form = client.get(LOGIN).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
    assert token
    response = client.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
    )
    assert response.status_code == 302
    return client


def example_path(route: str) -> str:
    """The route with every converter filled (the view need not find anything)."""
    examples = {"int": "1", "uuid": str(uuid.UUID(int=1)), "slug": "x", "path": "x", "str": "x"}

    def value(match: re.Match[str]) -> str:
        return examples.get(match.group(1) or "str", "x")

    return "/" + re.sub(r"<(?:(\w+):)?\w+>", value, route)


@pytest.fixture
def limits(settings: Any) -> Callable[..., None]:
    """Sets rate limits for the test ("count/seconds"). The windows are fixed, counted from
    the epoch (config/ratelimit.py): a test that counts up to a limit and then expects a 429
    would see a fresh window if one began in between. So the test starts, if need be after
    a wait, at least WINDOW_MARGIN seconds before any of its windows ends."""

    def set_limits(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}
        lengths = [int(rate.split("/")[1]) for rate in rates.values() if "/" in rate]
        while lengths and (left := min(n - time.time() % n for n in lengths)) < WINDOW_MARGIN:
            time.sleep(left + 0.01)

    return set_limits


WINDOW_MARGIN = 10.0  # seconds; the longest of these tests takes about one


# --- 1. session fixation -----------------------------------------------------------------------


def test_signing_in_with_a_password_replaces_a_planted_session_key(
    teacher: User, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client = Client()
    planted = planted_session(client)
    assert post_login(client, "teacher").status_code == 302
    assert session_key(client) != planted
    assert not SessionStore().exists(planted)
    assert sends_to_sign_in(with_key(planted).get("/"))  # the attacker's copy is worth nothing
    assert client.get("/").status_code == 200


def test_the_second_factor_gives_the_session_another_new_key(teacher: User, settings: Any) -> None:
    settings.REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=teacher, confirmed=True, name="app")
    client = Client()
    post_login(client, "teacher")
    after_password = session_key(client)
    response = client.post("/accounts/second-factor/", {"token": current_code(device)})
    assert response.status_code == 302
    assert session_key(client) != after_password
    assert not SessionStore().exists(after_password)
    assert sends_to_sign_in(with_key(after_password).get("/people/"))
    assert client.get("/people/").status_code == 200


def test_the_demo_sign_in_of_a_citizen_replaces_a_planted_session_key(
    make_person: Callable[..., Person], make_citizen: Callable[..., User], settings: Any
) -> None:
    settings.DEMO_MODE = True
    citizen = make_citizen(make_person("Ada", "Demo"))
    client = Client()
    planted = planted_session(client)
    response = client.post("/portal/demo-sign-in/", {"user_id": citizen.pk})
    assert response.status_code == 302
    assert session_key(client) != planted
    assert not SessionStore().exists(planted)


def test_after_signing_out_the_old_session_key_is_dead(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(teacher)
    key = session_key(client)
    assert client.post("/accounts/logout/").status_code == 302
    assert not SessionStore().exists(key)
    assert sends_to_sign_in(with_key(key).get("/"))


# --- 2. sign out on all other devices --------------------------------------------------------


def test_your_sessions_counts_the_sessions_that_have_not_ended(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    laptop, phone = english(signed_in(teacher)), signed_in(teacher)
    page = laptop.get("/accounts/sessions/")
    assert page.status_code == 200
    assert "You have 2 active sessions." in page.content.decode()
    assert page.content.decode().count("This device") == 1
    phone.post("/accounts/logout/")
    assert "You have 1 active session." in laptop.get("/accounts/sessions/").content.decode()


def test_a_session_idle_past_the_limit_is_not_listed(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    laptop, _forgotten = english(signed_in(teacher)), signed_in(teacher)
    idle = timedelta(seconds=django_settings.SESSION_IDLE_SECONDS + 120)
    current = laptop.session["session_record"]
    SessionRecord.objects.exclude(pk=current).update(last_seen_at=timezone.now() - idle)
    assert "You have 1 active session." in laptop.get("/accounts/sessions/").content.decode()


def test_signing_out_on_all_other_devices_sends_the_other_sessions_to_sign_in(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    laptop, phone, tablet = signed_in(teacher), signed_in(teacher), signed_in(teacher)
    phone_key, laptop_key = session_key(phone), session_key(laptop)
    assert phone.get("/").status_code == 200
    response = laptop.post("/accounts/sessions/")
    assert response.status_code == 302 and response["Location"] == "/accounts/sessions/"
    assert session_key(laptop) != laptop_key  # the session that goes on has a new key too
    assert laptop.get("/").status_code == 200
    assert sends_to_sign_in(phone.get("/"))
    assert not SessionStore().exists(phone_key)
    assert tablet.get("/api/v1/cases").status_code == 401  # the API's session ended too
    events = AuditEvent.objects.filter(actor_id=teacher.pk, action="logout")
    assert events.filter(reason="signed out on all other devices").count() == 1
    assert events.filter(reason="ended from another session").count() == 2
    assert list(SessionRecord.objects.filter(user=teacher).values_list("pk", flat=True)) == [
        laptop.session["session_record"]
    ]


def test_signing_in_again_after_all_sessions_ended_works(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    laptop, phone = signed_in(teacher), signed_in(teacher)
    laptop.post("/accounts/sessions/")
    assert sends_to_sign_in(phone.get("/"))
    assert post_login(phone, "teacher").status_code == 302
    assert phone.get("/").status_code == 200
    assert laptop.get("/").status_code == 200


def test_sessions_started_by_any_path_belong_to_the_current_generation(
    make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    """Django's admin signs in without this app's sign-in page: its sessions end too, and one
    started after the ending lives."""
    admin = make_user(username="root", is_staff=True, is_superuser=True)
    before, laptop = Client(), signed_in(admin)
    assert (
        before.post("/admin/login/", {"username": "root", "password": PASSWORD}).status_code == 302
    )
    laptop.post("/accounts/sessions/")
    assert sends_to_sign_in(before.get("/"))
    after = Client()
    assert (
        after.post("/admin/login/", {"username": "root", "password": PASSWORD}).status_code == 302
    )
    assert after.get("/admin/").status_code == 200
    assert after.get("/").status_code == 200


def test_the_sessions_page_waits_for_the_second_factor(teacher: User, settings: Any) -> None:
    """/accounts/ is reachable before the second factor; ending sessions is not."""
    settings.REQUIRE_2FA = True
    TOTPDevice.objects.create(user=teacher, confirmed=True, name="app")
    password_only = Client()
    post_login(password_only, "teacher")
    for response in (password_only.get("/accounts/sessions/"),
                     password_only.post("/accounts/sessions/")):  # fmt: skip
        assert response.status_code == 302
        assert response["Location"] == "/accounts/second-factor/"
    teacher.refresh_from_db()
    assert teacher.session_generation == 0


def test_a_new_password_ends_every_session(
    teacher: User, signed_in: Callable[[User], Client]
) -> None:
    laptop, phone = signed_in(teacher), signed_in(teacher)
    teacher.set_password("another-long-password-0-24")
    teacher.save()
    assert sends_to_sign_in(laptop.get("/"))
    assert sends_to_sign_in(phone.get("/"))


# --- 3. CSRF on every htmx request and every POST route --------------------------------------


def test_an_htmx_post_needs_the_token_that_the_page_gives_htmx(
    teacher: User, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client = signed_in_strictly(teacher)
    page = client.get("/people/")
    token = csrf_from_page(page.content)
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert client.post("/people/", {"query": "Nordmann"}, **htmx).status_code == 403
    answer = client.post("/people/", {"query": "Nordmann"}, HTTP_X_CSRFTOKEN=token, **htmx)
    assert answer.status_code == 200
    assert b'id="results"' in answer.content and b"<html" not in answer.content  # the fragment


# Routes that take a POST without Django's CSRF check, and why.
CSRF_EXEMPT = {
    # The JSON API checks the token itself for the browser's session (SignedInSession:
    # test_every_api_write_with_a_session_needs_the_csrf_token), and needs none with a bearer
    # token, which a browser never sends on its own.
    "api:",
}


def test_every_post_route_refuses_a_signed_in_post_without_the_csrf_token(
    teacher: User, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client = signed_in_strictly(teacher)
    checked, wrong = 0, []
    for route, name in project_routes():
        if name.startswith(tuple(CSRF_EXEMPT)):
            continue
        path = example_path(route)
        response = client.post(path, {"anything": "1"})
        checked += 1
        if response.status_code != 403:
            wrong.append(f"{name} {path}: {response.status_code}")
    assert wrong == []
    assert checked > 50
    assert client.get("/").status_code == 200  # still signed in: nothing was done


def _openapi_writes() -> list[tuple[str, str]]:
    document = json.loads(Client().get("/api/v1/openapi.json").content)
    return [
        (method, "/api/v1" + path if not path.startswith("/api/") else path)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"post", "put", "patch", "delete"}
    ]


def test_every_api_write_with_a_session_needs_the_csrf_token(teacher: User, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = signed_in_strictly(teacher)
    writes = _openapi_writes()
    wrong = []
    for method, path in writes:
        filled = re.sub(r"\{\w+\}", "1", path)
        response = client.generic(method.upper(), filled, "{}", content_type="application/json")
        if response.status_code != 403 or "CSRF" not in response.json()["detail"]:
            wrong.append(f"{method} {filled}: {response.status_code}")
    assert wrong == []
    assert len(writes) > 10


# --- 4. rate limits ----------------------------------------------------------------------------


def test_failed_sign_ins_from_one_address_are_limited(
    teacher: User, settings: Any, limits: Callable[..., None]
) -> None:
    settings.REQUIRE_2FA = False
    limits(sign_in="3/300")
    attacker = english(Client(REMOTE_ADDR="203.0.113.7"))
    for name in ("anna", "bjorn", "cecilie"):  # other usernames: no username is locked
        assert post_login(attacker, name, "guess").status_code == 401
    refused = post_login(attacker, "teacher")  # even the right password
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 300
    assert "Too many requests" in refused.content.decode()
    assert not attacker.session.get("_auth_user_id")
    assert attacker.get(LOGIN).status_code == 200  # the page itself still opens
    assert post_login(Client(REMOTE_ADDR="203.0.113.8"), "teacher").status_code == 302


def test_successful_sign_ins_from_one_address_are_not_counted(
    teacher: User, settings: Any, limits: Callable[..., None]
) -> None:
    """A municipality's office signs in from one address every morning."""
    settings.REQUIRE_2FA = False
    limits(sign_in="2/300")
    for _ in range(3):
        assert post_login(Client(REMOTE_ADDR="198.51.100.20"), "teacher").status_code == 302


def test_behind_a_proxy_the_forwarded_address_is_counted(
    teacher: User, settings: Any, limits: Callable[..., None]
) -> None:
    settings.REQUIRE_2FA = False
    settings.TRUSTED_PROXY_COUNT = 1
    limits(sign_in="2/300")
    proxy = "10.0.0.2"
    for spoofed in ("192.0.2.1", "192.0.2.2"):  # what the client wrote itself is not trusted
        forwarded = f"{spoofed}, 203.0.113.9"
        client = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)
        assert post_login(client, "nobody", "guess").status_code == 401
    same = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert post_login(same, "teacher").status_code == 429
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert post_login(other, "teacher").status_code == 302


def test_client_addresses_are_counted_per_ipv4_address_and_ipv6_64(settings: Any) -> None:
    factory = RequestFactory()

    def address(remote: str, forwarded: str = "") -> str:
        return client_address(factory.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded))

    assert address("203.0.113.7") != address("203.0.113.8")
    assert address("2001:db8:1:2::1") == address("2001:db8:1:2:ffff::9")
    assert address("2001:db8:1:2::1") != address("2001:db8:1:3::1")
    assert address("::ffff:203.0.113.7") == address("203.0.113.7")
    assert address("10.0.0.2", "203.0.113.9") == "10.0.0.2"  # no proxy trusted by default
    settings.TRUSTED_PROXY_COUNT = 2
    assert address("10.0.0.2", "192.0.2.1, 203.0.113.9, 10.0.0.1") == "203.0.113.9"


def test_person_searches_are_limited_per_user_on_the_page_and_in_the_api(
    teacher: User,
    outsider: User,
    signed_in: Callable[[User], Client],
    limits: Callable[..., None],
) -> None:
    limits(person_search="2/60")
    client = english(signed_in(teacher))
    assert client.post("/people/", {"query": "Nordmann"}).status_code == 200
    assert client.post("/people/", {"query": "Hansen"}).status_code == 200
    refused = client.post("/people/", {"query": "Olsen"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 60
    assert client.get("/people/").status_code == 200  # the page without a search
    api = tokens.issue_token(teacher, name="integration")
    answer = Client().post("/api/v1/persons/search?lang=en", {"query": "Olsen"},
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {api}")  # fmt: skip
    assert answer.status_code == 429
    assert answer.json() == {"detail": "Too many requests. Wait a little and try again."}
    assert answer["Retry-After"]
    assert signed_in(outsider).post("/people/", {"query": "Olsen"}).status_code == 200
    other_api = tokens.issue_token(outsider, name="integration")
    assert Client().post("/api/v1/persons/search", {"query": "Olsen"},
                         content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {other_api}").status_code == 200  # fmt: skip


def test_public_searches_are_limited_per_address(
    regions: None, limits: Callable[..., None]
) -> None:
    limits(public_search="2/60")
    visitor = english(Client(REMOTE_ADDR="203.0.113.30"))
    assert visitor.get("/knowledge/?q=sk").status_code == 200
    assert visitor.get("/catalogue/?q=school").status_code == 200
    refused = visitor.get("/catalogue/practices/?q=school")  # one limit for every public search
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "Try again in 1 minute." in refused.content.decode()
    assert visitor.get("/knowledge/?q=po").status_code == 429
    assert visitor.get("/knowledge/").status_code == 200  # browsing is not searching
    assert visitor.get("/catalogue/practices/").status_code == 200
    assert Client(REMOTE_ADDR="203.0.113.31").get("/knowledge/?q=sk").status_code == 200


def test_when_the_counters_cannot_be_reached_requests_go_on_uncounted(
    teacher: User, settings: Any, limits: Callable[..., None], tmp_path: Path, caplog: Any
) -> None:
    """As when Redis is down: the service goes on; the lock-out per username still holds."""
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    settings.CACHES = {**settings.CACHES, settings.RATE_LIMIT_CACHE: {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(not_a_directory)}}  # fmt: skip
    limits(sign_in="1/300")
    client = Client(REMOTE_ADDR="203.0.113.50")
    assert [post_login(client, name, "guess").status_code for name in ("a", "b", "c")] == [401] * 3
    assert "rate limit store unavailable" in caplog.text


def test_a_limit_set_to_off_limits_nothing(
    teacher: User, signed_in: Callable[[User], Client], limits: Callable[..., None]
) -> None:
    limits(person_search="off")
    client = signed_in(teacher)
    assert all(client.post("/people/", {"query": "Ola"}).status_code == 200 for _ in range(5))


# --- 5. security headers and cookies -----------------------------------------------------------

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _header_faults(where: str, response: Any) -> list[str]:
    faults = [
        f"{where}: {name} is {response.get(name)!r}"
        for name, value in HEADERS.items()
        if response.get(name) != value
    ]
    policy = response.get("Content-Security-Policy", "")
    if "frame-ancestors 'none'" not in policy or "unsafe-inline" in policy:
        faults.append(f"{where}: Content-Security-Policy is {policy!r}")
    if response.status_code >= 500:
        faults.append(f"{where}: {response.status_code}")
    return faults


def test_every_page_carries_the_security_headers(
    teacher: User, signed_in: Callable[[User], Client], limits: Callable[..., None]
) -> None:
    faults: list[str] = []
    anonymous = Client(raise_request_exception=False)
    routes = project_routes()
    for route, name in routes:
        path = example_path(route)
        faults += _header_faults(f"{name} {path}", anonymous.get(path))
    client = signed_in(teacher)
    for path in ("/", "/people/", "/accounts/sessions/", "/work/", "/knowledge/", "/catalogue/",
                 "/api/v1/cases", "/no-such-page/"):  # fmt: skip
        faults += _header_faults(f"signed in {path}", client.get(path))
    faults += _header_faults("POST /people/", client.post("/people/", {"query": "Ola"}))
    limits(public_search="0/60")
    faults += _header_faults("429", anonymous.get("/knowledge/?q=sk"))
    assert faults == []
    assert len(routes) > 50


HTTPS_SETTINGS = (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE",
)  # fmt: skip


def production_settings() -> dict[str, Any]:
    """The HTTPS and cookie settings as production's environment makes them (HTTPS on)."""
    script = (
        "import json\nfrom samhandling.config import settings as s\n"
        f"print(json.dumps({{name: getattr(s, name, None) for name in {HTTPS_SETTINGS!r}}}))\n"
    )
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS"}}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**environment, "PYTHONPATH": "src", "HTTPS": "true",
             "SECRET_KEY": "production-like-secret-" + "x9Qz" * 16},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    values = {k: v for k, v in json.loads(result.stdout).items() if v is not None}
    if values.get("SECURE_PROXY_SSL_HEADER"):
        values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


def test_with_https_on_pages_send_hsts_and_cookies_are_secure_httponly_and_samesite(
    teacher: User, settings: Any
) -> None:
    production = production_settings()
    assert production["SECURE_HSTS_SECONDS"] >= 31536000
    for name, value in production.items():
        setattr(settings, name, value)
    settings.REQUIRE_2FA = False
    plain = Client().get(LOGIN)
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    client = Client()
    page = client.get(LOGIN, secure=True)
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    response = post_login(client, "teacher", secure=True)
    assert response.status_code == 302
    assert response["Strict-Transport-Security"]
    for name in (SESSION, django_settings.CSRF_COOKIE_NAME):
        cookie = client.cookies[name]
        assert cookie["secure"], name
        assert cookie["httponly"], name
        assert cookie["samesite"] == "Lax", name
    assert client.get("/", secure=True).status_code == 200
