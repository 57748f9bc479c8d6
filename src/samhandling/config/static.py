"""The static files' storage (settings.STORAGES): WhiteNoise's compressed manifest storage, with
each file's URL worked out once per process.

Every page links the same few files (base.html: four stylesheets, the icon, htmx), and
`{% static %}` looks each up in the manifest again: 50–70 µs a file on the project's machine
(bench/breakdown.py), some 0.4 ms a page. The manifest is read once, when the process starts,
and does not change while it runs (`collectstatic` runs before), so the URLs cannot either.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage

MAX_REMEMBERED = 1000  # the project has some 60 static files; names come from our templates


class ManifestStaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[tuple[str, bool, bool], str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        """The file's URL, as WhiteNoise's storage gives it (a missing file raises as there)."""
        key = (str(name), force, settings.DEBUG)  # DEBUG: Django gives the unhashed name
        try:
            return self._urls[key]
        except KeyError:
            url: str = super().url(name, force)
            if len(self._urls) < MAX_REMEMBERED:
                self._urls[key] = url
            return url
