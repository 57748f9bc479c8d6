"""Citizens sign in with ID-porten: the real OpenID Connect flow, against a real provider.

A session fixture starts django-oauth-toolkit's OpenID provider (tests/accounts/oidc_provider)
in a second process on a free port of 127.0.0.1; the application runs in pytest-django's live
server. A `requests` session plays the browser: it follows the redirects to the provider's
sign-in form, signs in there and is sent back to /oidc/callback/, where mozilla-django-oidc
exchanges the code (with PKCE) at the provider's token endpoint and verifies the ID token
against its published keys. Nothing on the client side is mocked.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from django.contrib.sessions.models import Session
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from stdnum.no import fodselsnummer

from samhandling.accounts.forms import SignInForm
from samhandling.accounts.models import CitizenIdentity, User
from samhandling.accounts.oidc import CitizenOIDCBackend, claims_refusal
from samhandling.audit.models import AuditEvent, ChainHead
from samhandling.organisations.models import Membership, Organisation, Role
from samhandling.people.identity import synthetic_norwegian_id
from samhandling.people.models import Person

BASE_DIR = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
CLIENT_ID = "samhandling-test"
PROVIDER_PASSWORD = "provider-test-password"  # noqa: S105 - the test provider's users only
SUBSTANTIAL = "idporten-loa-substantial"

_rng = random.Random(24)
YOUTH_PID = synthetic_norwegian_id(datetime.date(2008, 3, 14), _rng)
NEWCOMER_PID = synthetic_norwegian_id(datetime.date(2007, 9, 2), _rng)
LOW_LEVEL_PID = synthetic_norwegian_id(datetime.date(2006, 1, 30), _rng)
PROFESSIONAL_PID = synthetic_norwegian_id(datetime.date(1979, 11, 5), _rng)
PROVIDER_USERS = [
    {"username": "youth", "pid": YOUTH_PID, "acr": SUBSTANTIAL},
    {"username": "newcomer", "pid": NEWCOMER_PID, "acr": "idporten-loa-high"},
    {"username": "bad-number", "pid": "12345678901", "acr": SUBSTANTIAL},
    {"username": "low-level", "pid": LOW_LEVEL_PID, "acr": "idporten-loa-low"},
    {"username": "professional", "pid": PROFESSIONAL_PID, "acr": SUBSTANTIAL},
]


@dataclass(frozen=True)
class Provider:
    url: str
    client_secret: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app_url(live_server: Any) -> str:
    """The live server, addressed as 127.0.0.1 (it listens there as "localhost")."""
    return f"http://127.0.0.1:{urlsplit(live_server.url).port}"


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the OpenID provider exited ({process.returncode}):\n{log.read_text()}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    pytest.fail(f"the OpenID provider did not answer in {START_TIMEOUT} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def provider(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    """The stand-in for ID-porten, one per test process (so pytest-xdist workers never share)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    client_secret = secrets.token_urlsafe(32)
    data_dir = tmp_path_factory.mktemp("oidc-provider")
    log = data_dir / "provider.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(BASE_DIR),
        "OP_PORT": str(port),
        "OP_DATA_DIR": str(data_dir),
        "OP_CLIENT_ID": CLIENT_ID,
        "OP_CLIENT_SECRET": client_secret,
        "OP_REDIRECT_URI": f"{_app_url(live_server)}/oidc/callback/",
        "OP_USERS": json.dumps(
            [{**user, "password": PROVIDER_PASSWORD} for user in PROVIDER_USERS]
        ),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    with log.open("wb") as output, pytest.MonkeyPatch.context() as patch:
        # Everything stays on 127.0.0.1, also when the environment names a proxy.
        patch.setenv("NO_PROXY", "127.0.0.1,localhost")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.accounts.oidc_provider.serve"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_serving(f"{url}/o/.well-known/openid-configuration", process, log)
            yield Provider(url=url, client_secret=client_secret)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def app(live_server: Any, provider: Provider, settings: Any) -> str:
    """The application under test, with ID-porten sign-in pointed at the test provider."""
    ChainHead.objects.get_or_create(pk=1)  # a transactional test before this one flushed it
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = provider.client_secret
    settings.OIDC_OP_ISSUER = provider.issuer
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.issuer}/authorize/"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.issuer}/token/"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.issuer}/userinfo/"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.issuer}/.well-known/jwks.json"
    settings.OIDC_REQUIRED_ACR = SUBSTANTIAL
    return _app_url(live_server)


@dataclass
class Visit:
    browser: requests.Session
    landed: requests.Response

    @property
    def callback(self) -> requests.Response:
        """The application's answer at /oidc/callback/."""
        return next(r for r in self.landed.history if urlsplit(r.url).path == "/oidc/callback/")

    @property
    def session_key(self) -> str:
        return str(self.browser.cookies.get("sessionid", default=""))

    def signed_in_user_id(self) -> int | None:
        session = Session.objects.filter(session_key=self.session_key).first()
        if session is None:
            return None
        user_id = session.get_decoded().get("_auth_user_id")
        return int(user_id) if user_id else None


def sign_in_with_id_porten(app: str, username: str) -> Visit:
    """What a browser does: to the provider's sign-in form, sign in, and back to the app."""
    browser = requests.Session()
    browser.trust_env = False  # no proxy, no .netrc: only 127.0.0.1
    form = browser.get(f"{app}/oidc/authenticate/", timeout=10)
    assert form.status_code == 200, form.text
    assert urlsplit(form.url).path == "/accounts/login/"  # the provider's, on its own port
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert csrf is not None
    landed = browser.post(
        form.url,
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "username": username,
            "password": PROVIDER_PASSWORD,
        },
        timeout=20,
    )
    return Visit(browser, landed)


def assert_refused(visit: Visit, reason: str) -> None:
    assert visit.callback.status_code == 302
    assert visit.callback.headers["Location"] == "/accounts/login/"
    assert visit.signed_in_user_id() is None
    refusal = AuditEvent.objects.filter(action="login", outcome="refused").latest("sequence")
    assert reason in refusal.reason


def test_a_citizen_signs_in_with_id_porten_and_is_linked_to_their_person(
    app: str, make_person: Callable[..., Person]
) -> None:
    person = make_person("Ingrid", "Haugen", born=datetime.date(2008, 3, 14), national_id=YOUTH_PID)

    visit = sign_in_with_id_porten(app, "youth")

    assert visit.callback.status_code == 302
    assert visit.callback.headers["Location"] == "/"
    identity = CitizenIdentity.objects.select_related("user").get(national_id=YOUTH_PID)
    user = identity.user
    assert identity.id_country == person.id_country == "NO"
    assert visit.signed_in_user_id() == user.pk
    assert (user.first_name, user.last_name) == ("Ingrid", "Haugen")
    assert user.username.startswith("citizen-")
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    session = Session.objects.get(session_key=visit.session_key).get_decoded()
    assert time.time() - 60 < session["signed_in_at"] <= session["last_seen_at"]
    assert AuditEvent.objects.filter(
        action="login", outcome="granted", actor_id=user.pk, actor_role="citizen"
    ).exists()
    assert visit.landed.status_code == 200
    assert urlsplit(visit.landed.url).path == "/portal/"  # the front page sends citizens there

    # Every live-server test empties the database afterwards (about 3 s on PostgreSQL), so the
    # next sign-ins are checked here rather than in tests of their own.
    again = sign_in_with_id_porten(app, "youth")
    assert again.session_key != visit.session_key
    assert again.signed_in_user_id() == user.pk
    assert CitizenIdentity.objects.filter(national_id=YOUTH_PID).count() == 1

    unregistered = sign_in_with_id_porten(app, "newcomer")
    newcomer = CitizenIdentity.objects.get(national_id=NEWCOMER_PID).user
    assert unregistered.signed_in_user_id() == newcomer.pk != user.pk
    assert newcomer.get_full_name() == ""  # no Person with this number (yet): no name to show


def test_tokens_that_fail_a_check_sign_no_one_in(
    app: str, settings: Any, subtests: pytest.Subtests
) -> None:
    professional = User.objects.create_user(username="nurse", password="x" * 20)
    directorate = Organisation.objects.create(name="Udir", kind=Organisation.Kind.DIRECTORATE)
    Membership.objects.create(
        user=professional, organisation=directorate, role=Role.DIRECTORATE_EDITOR
    )
    CitizenIdentity.objects.create(user=professional, national_id=PROFESSIONAL_PID)

    with subtests.test("an identity number that is not valid"):
        assert_refused(sign_in_with_id_porten(app, "bad-number"), "identity number is not valid")
    with subtests.test("a level of assurance below the required"):
        assert_refused(sign_in_with_id_porten(app, "low-level"), "level of assurance is too low")
    with subtests.test("the identity number of a professional's account"):
        assert_refused(sign_in_with_id_porten(app, "professional"), "a professional's account")
    with subtests.test("a token from another issuer"):
        settings.OIDC_OP_ISSUER = "https://idporten.no"
        assert_refused(sign_in_with_id_porten(app, "youth"), "another issuer")

    assert list(CitizenIdentity.objects.values_list("user_id", flat=True)) == [professional.pk]
    assert not User.objects.filter(username__startswith="citizen-").exists()


@pytest.mark.django_db
def test_the_routes_do_not_exist_while_id_porten_is_not_configured(settings: Any) -> None:
    settings.OIDC_ENABLED = False
    client = Client()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404


@pytest.mark.django_db
def test_a_password_sign_in_never_reaches_the_id_porten_backend(settings: Any) -> None:
    settings.OIDC_ENABLED = True
    request = RequestFactory().post("/accounts/login/?code=x&state=y")
    backend = CitizenOIDCBackend()
    assert backend.authenticate(request, username="someone", password="secret-words") is None


@pytest.mark.parametrize("enabled", [True, False])
def test_the_sign_in_page_offers_id_porten_only_when_it_is_configured(enabled: bool) -> None:
    request = RequestFactory().get("/accounts/login/")
    page = render_to_string(
        "accounts/sign_in.html",
        {"form": SignInForm(), "next": "/", "settings_oidc_enabled": enabled},
        request=request,
    )
    assert ('href="/oidc/authenticate/"' in page) is enabled


def test_the_sign_in_page_in_demo_mode_links_to_the_demo_sign_in_for_families() -> None:
    request = RequestFactory().get("/accounts/login/")
    page = render_to_string(
        "accounts/sign_in.html",
        {"form": SignInForm(), "next": "/", "settings_demo_mode": True},
        request=request,
    )
    assert f'href="{reverse("portal:demo_sign_in")}"' in page


def _real_looking_number(number: str) -> str:
    """The same person's number without the synthetic month + 80, with fresh check digits."""
    base = number[:2] + f"{int(number[2:4]) - 80:02d}" + number[4:9]
    check1 = fodselsnummer.calc_check_digit1(base)
    return base + check1 + fodselsnummer.calc_check_digit2(base + check1)


def _claims(settings: Any, **changes: str) -> dict[str, Any]:
    return {
        "iss": settings.OIDC_OP_ISSUER,
        "aud": settings.OIDC_RP_CLIENT_ID,
        "acr": SUBSTANTIAL,
        "pid": YOUTH_PID,
        **changes,
    }


def test_a_token_for_another_client_is_refused(settings: Any) -> None:
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_OP_ISSUER = "https://idporten.no"
    assert claims_refusal(_claims(settings)) == ""
    assert claims_refusal(_claims(settings, aud="another-service")) == (
        "the token is for another client"
    )


def test_demo_mode_accepts_only_synthetic_identity_numbers(settings: Any) -> None:
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_OP_ISSUER = "https://idporten.no"
    real_looking = _claims(settings, pid=_real_looking_number(YOUTH_PID))
    assert claims_refusal(real_looking) == ""
    settings.DEMO_MODE = True
    assert claims_refusal(real_looking) == "the identity number is not valid (not_synthetic)"
    assert claims_refusal(_claims(settings)) == ""
