import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "DEMO_MODE"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_healthz_answers_200_when_the_database_answers(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/healthz')\n"
        "print(r.status_code, r.json()['database'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "PYTHONPATH": "src",
            "DJANGO_SETTINGS_MODULE": "samhandling.config.settings",
        },
    )
    assert result.stdout.split() == ["503", "unreachable"], result.stderr


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY="production-like-secret-" + "x9Qz" * 16,
        ALLOWED_HOSTS="samhandling.example.no",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_without_a_secret_key_production_settings_refuse_to_start() -> None:
    result = run_manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_defaults_are_safe() -> None:
    script = (
        "from samhandling.config import settings as s\n"
        "print(s.DEBUG, s.DEMO_MODE, s.REQUIRE_2FA, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "HTTPS", "DEMO_MODE", "REQUIRE_2FA"}
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "PYTHONPATH": "src"},
    )
    assert result.stdout.split() == ["False", "False", "True", "True", "True", "True", "True"], (
        result.stderr
    )


def test_every_page_carries_a_strict_content_security_policy(db: None) -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Request-ID"]


def test_postgresql_statements_are_prepared_unless_a_deployment_turns_it_off() -> None:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    )
    postgres = "postgres://postgres@127.0.0.1:5432/samhandling"

    def options(**env: str) -> dict[str, object]:
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_PREPARED_STATEMENTS"}
        environment.update({"DATABASE_URL": postgres, "PYTHONPATH": str(ROOT / "src"), **env})
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
            text=True, timeout=60, check=True,
        )  # fmt: skip
        result: dict[str, object] = json.loads(done.stdout)
        return result

    assert options() == {"server_side_binding": True, "prepare_threshold": 5}
    assert options(DATABASE_PREPARED_STATEMENTS="off") == {"server_side_binding": True}


def test_database_connections_are_kept_unless_a_deployment_sets_an_age() -> None:
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default']['CONN_MAX_AGE']))"
    )

    def age(value: str | None) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_CONN_MAX_AGE"}
        environment.update({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/samhandling",
                            "PYTHONPATH": str(ROOT / "src")})  # fmt: skip
        if value is not None:
            environment["DATABASE_CONN_MAX_AGE"] = value
        return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment,
                              capture_output=True, text=True, timeout=60)  # fmt: skip

    assert json.loads(age(None).stdout) is None  # persistent, health-checked
    assert json.loads(age("persistent").stdout) is None
    assert json.loads(age("0").stdout) == 0
    assert json.loads(age("300").stdout) == 300
    for wrong in ("-1", "sixty", ""):
        refused = age(wrong)
        assert refused.returncode != 0
        assert "DATABASE_CONN_MAX_AGE" in refused.stderr


def test_a_statement_sent_five_times_is_planned_once(db: None) -> None:
    from django.db import connection

    from samhandling.organisations.models import Region

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for code in ["0301", "4601", "5001", "1103", "3401", "1506"]:
        list(Region.objects.filter(code=code))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('FROM "organisations_region"' in statement for statement in prepared)
