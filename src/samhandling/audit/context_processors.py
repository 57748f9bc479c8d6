from django.http import HttpRequest

from . import services


def reads_sent_ahead(request: HttpRequest) -> dict[str, object]:
    """Adds nothing to the template: as a page starts rendering, it sends the events of what
    the request has read so far ahead to the audit chain (`services.send_ahead`), so that
    they are appended while the page renders instead of after it."""
    services.send_ahead()
    return {}
