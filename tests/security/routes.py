"""Every route of the project, walked from the URL configuration (so a new route shows up here)."""

from collections.abc import Iterator

from django.urls import URLPattern, URLResolver, get_resolver


def walk(
    patterns: list[URLPattern | URLResolver] | None = None, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    """(route, name) for every pattern, with converters left as <type:name>."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from walk(pattern.url_patterns, route, ns)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route.lstrip("^").rstrip("$").replace("\\Z", ""), name or ""


def project_routes() -> list[tuple[str, str]]:
    """Our own routes: the admin (Django's, gated as a whole) is checked separately."""
    return [(route, name) for route, name in walk() if not route.startswith("admin/")]
