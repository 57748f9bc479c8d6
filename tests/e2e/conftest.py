"""Browser tests: Playwright drives Debian's chromium against real `runserver` subprocesses.

These tests never touch pytest-django's test database. A session fixture builds a fresh SQLite
file (var/e2e.sqlite3) with migrate, load_regions, load_statistics and seed_demo, as `make run`
does; two live servers run on it, one in demo mode without the second factor and one with the
second factor required, and a django-tasks worker (`db_worker`) runs the background tasks that
the pages start (the family's data export, statistics imports, the team's notifications).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from tests.e2e.support import BASE_DIR, check_axe

VAR_DIR = BASE_DIR / "var"
DB_PATH = VAR_DIR / "e2e.sqlite3"
SERVER_START_TIMEOUT = 30.0
# The worker polls often and starts at once, so that a page waiting for a task waits briefly.
WORKER_ARGS = ["db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.5"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last. Playwright's sync API keeps an asyncio loop running in the main
    thread while the browser is open, and Django refuses database access from a thread with a
    running loop: unit tests after a browser test would fail if both ran in one session."""
    items.sort(key=lambda item: _is_browser_test(item))


def _is_browser_test(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).resolve().is_relative_to(Path(__file__).resolve().parent)


def _server_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # Whatever pytest-env or the caller set for the unit tests must not leak into the servers.
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "VAR_DIR", "CSRF_TRUSTED_ORIGINS"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="samhandling.config.settings",
        DATABASE_URL=f"sqlite:///{DB_PATH}",
        DEMO_MODE="true",
        HTTPS="false",
        DEBUG="false",
        SECRET_KEY="e2e-only-secret-key-not-for-production-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        AUDIT_CHECKPOINT_PATH="var/e2e-audit-checkpoint.json",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(*args: str) -> None:
    """Runs manage.py on the browser tests' database, as the servers see it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=_server_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )


@pytest.fixture(scope="session")
def e2e_database() -> Path:
    """A fresh, migrated and seeded SQLite file database shared by both live servers."""
    VAR_DIR.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
    if not (VAR_DIR / "static" / "staticfiles.json").exists():
        manage("collectstatic", "--noinput", "-v", "0")
    manage("migrate", "--noinput")
    manage("load_regions")
    manage("load_statistics")
    manage("seed_demo")
    return DB_PATH


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"runserver exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"runserver at {base_url} not healthy after {SERVER_START_TIMEOUT} s:\n{log.read_text()}"
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def task_worker(e2e_database: Path) -> Iterator[subprocess.Popen[bytes]]:
    """One django-tasks worker on the shared database, as `make run` starts beside the server
    (its output is in var/e2e-worker.log)."""
    log = VAR_DIR / "e2e-worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", *WORKER_ARGS],
            cwd=BASE_DIR,
            env=_server_env(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            _stop(process)


def _live_server(name: str, require_2fa: bool) -> Iterator[str]:
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = VAR_DIR / f"e2e-{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=_server_env(REQUIRE_2FA="true" if require_2fa else "false"),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(base_url, process, log)
            yield base_url
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def demo_server(e2e_database: Path, task_worker: subprocess.Popen[bytes]) -> Iterator[str]:
    """Demo mode, second factor not required; background tasks run."""
    yield from _live_server("demo", require_2fa=False)


@pytest.fixture(scope="session")
def secure_server(e2e_database: Path) -> Iterator[str]:
    """Demo data, but the second factor is required as in production."""
    yield from _live_server("secure", require_2fa=True)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not on PATH (make chromium installs it).")
    browser = playwright_instance.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


def _new_page(browser: Browser, *, bypass_csp: bool) -> Iterator[Page]:
    # The browser asks for English: the app must still answer in bokmål until the person
    # chooses English with the language switch.
    context = browser.new_context(
        bypass_csp=bypass_csp, locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context that bypasses the Content-Security-Policy (check_axe works
    with or without it; `strict_page` enforces it)."""
    yield from _new_page(browser, bypass_csp=True)


@pytest.fixture
def strict_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context that enforces the app's Content-Security-Policy."""
    yield from _new_page(browser, bypass_csp=False)


@pytest.fixture
def axe() -> Callable[..., None]:
    """check_axe(page, context="") as a fixture."""
    return check_axe
