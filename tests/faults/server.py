"""The application served as a synchronous production worker serves it (one process, one
thread, its database connection kept between requests), for the database outage test.

    python tests/faults/server.py PORT_FILE

Serves the WSGI application on a free port of 127.0.0.1, writes the port to PORT_FILE and runs
until it is stopped. The database is DATABASE_URL's; the settings are the environment's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(BASE_DIR / "src"), str(BASE_DIR)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the path is set


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


def main(port_file: str) -> None:
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=QuietHandler)
    written = Path(port_file).with_suffix(".tmp")
    written.write_text(str(server.server_port))
    written.rename(port_file)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])
