"""The static files' storage (config/static.py): WhiteNoise's manifest storage, each URL worked
out once per process. Uses the manifest that `make assets` collects (var/static)."""

from typing import Any

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from samhandling.config.static import ManifestStaticStorage


def test_a_url_is_whitenoises_and_is_looked_up_in_the_manifest_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    storage = ManifestStaticStorage()
    whitenoise = CompressedManifestStaticFilesStorage()
    url = storage.url("css/app.css")
    assert url == whitenoise.url("css/app.css")
    assert url.startswith("/static/css/app.") and url != "/static/css/app.css"  # hashed

    def not_again(name: str) -> Any:
        raise AssertionError(f"{name} looked up again")

    monkeypatch.setattr(storage, "stored_name", not_again)
    assert storage.url("css/app.css") == url
    with pytest.raises(AssertionError):  # another file is still looked up
        storage.url("favicon.svg")


def test_a_file_missing_from_the_manifest_is_refused_each_time() -> None:
    storage = ManifestStaticStorage()
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/no-such-file.css")


def test_the_pages_use_it(settings: Any) -> None:
    from django.contrib.staticfiles.storage import staticfiles_storage

    assert settings.STORAGES["staticfiles"]["BACKEND"] == (
        "samhandling.config.static.ManifestStaticStorage"
    )
    staticfiles_storage.url("css/app.css")  # the lazy storage made
    assert isinstance(staticfiles_storage._wrapped, ManifestStaticStorage)  # type: ignore[attr-defined]
