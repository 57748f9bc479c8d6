"""CSV with a documented header (docs/statistics.md):

    region,period,indicator,value,status[,breakdown][,note]

Comma-separated (a semicolon-separated file with decimal commas is read too), UTF-8 with or
without a byte-order mark. `region` is a municipality (4 digits), county (2 digits) or country
(0 or NO) code; an empty `value` needs a `status` (missing, suppressed, uncertain).
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .rows import Parsed, ParseError, Row, check_period, parse_status, parse_value

REQUIRED = ("region", "period", "indicator", "value", "status")
OPTIONAL = ("breakdown", "note")


def parse(content: bytes) -> Parsed:
    parsed = Parsed(format="csv")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ParseError(
            _("The file is not UTF-8 text (byte %(at)s).") % {"at": error.start}
        ) from error
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration as error:
        raise ParseError(_("The file is empty.")) from error
    except csv.Error as error:
        raise ParseError(_("Line 1: %(error)s") % {"error": error}) from error
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in REQUIRED + OPTIONAL]
    if missing or unknown:
        raise ParseError(
            _(
                "Line 1: the header must be %(expected)s (missing: %(missing)s; unknown: "
                "%(unknown)s)."
            )
            % {
                "expected": ",".join(REQUIRED + OPTIONAL),
                "missing": ", ".join(missing) or "—",
                "unknown": ", ".join(unknown) or "—",
            }  # fmt: skip
        )
    column = {name: header.index(name) for name in header}
    try:
        for fields in reader:
            line = reader.line_num
            where = _("line %(line)s") % {"line": line}
            if not any(field.strip() for field in fields):
                continue
            if len(fields) != len(header):
                parsed.error(where, _("%(count)s fields; the header has %(expected)s.")
                             % {"count": len(fields), "expected": len(header)})  # fmt: skip
                continue

            def get(name: str, fields: list[str] = fields) -> str:
                return fields[column[name]].strip() if name in column else ""

            for name in ("region", "period", "indicator"):
                if not get(name):
                    parsed.error(where, _("The %(column)s is empty.") % {"column": name})
            value = parse_value(get("value"), where, parsed)
            status = parse_status(get("status"), where, parsed)
            if value is None and not status and get("value") == "":
                parsed.error(where, _("No value and no status: say why the value is missing."))
            parsed.rows.append(
                Row(
                    indicator=get("indicator"),
                    region=get("region"),
                    period=check_period(get("period"), where, parsed),
                    breakdown=get("breakdown"),
                    value=value,
                    status=status,
                    note=get("note")[:500],
                    position=where,
                )
            )
    except csv.Error as error:
        raise ParseError(_("Line %(line)s: %(error)s") % {"line": reader.line_num,
                                                           "error": error}) from error  # fmt: skip
    return parsed
