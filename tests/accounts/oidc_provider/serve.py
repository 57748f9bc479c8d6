"""Starts the test OpenID provider: a fresh database, the client and the users, then a server.

Run from the repository root with the environment described in settings.py:
`python -m tests.accounts.oidc_provider.serve`. It serves until it is terminated.
"""

import os

import django
from django.core.management import call_command


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.accounts.oidc_provider.settings"
    django.setup()
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    from . import settings

    call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
    for user in settings.USERS:
        User.objects.create_user(username=user["username"], password=user["password"])
    Application.objects.create(
        name="Samhandling 0-24 (test)",
        client_id=settings.CLIENT_ID,
        client_secret=settings.CLIENT_SECRET,
        hash_client_secret=False,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=settings.REDIRECT_URI,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    call_command(
        "runserver",
        f"127.0.0.1:{settings.PORT}",
        use_reloader=False,
        use_threading=True,
        skip_checks=True,
    )


if __name__ == "__main__":
    main()
