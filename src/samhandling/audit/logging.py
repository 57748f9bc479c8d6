"""Structured (JSON) logs that never carry personal data.

Log records name ids and codes, never names, identity numbers or free text about a person.
As a second line of defence the filter masks anything shaped like a Nordic identity number,
and request lines are reduced to their path without the query string.
"""

import json
import logging
import re
import traceback
from datetime import UTC, datetime

from . import context

IDENTITY_NUMBER = re.compile(r"(?<!\d)(\d{6}[-+A]?\d{4,5})(?!\d)")


def redact(text: str) -> str:
    text = IDENTITY_NUMBER.sub("[redacted-id]", text)
    return re.sub(r"\?[^\s\"]*", "?[redacted-query]", text)


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ctx = context.current()
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": ctx.request_id,
            "channel": ctx.channel,
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            # The exception's type and where it happened; its message may quote input, so not that.
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
            entry["trace"] = "".join(traceback.format_tb(record.exc_info[2]))
        return json.dumps(entry, ensure_ascii=False)
