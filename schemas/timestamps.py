"""The one timestamp parser: what every input calls a date, as one UTC value.

Dates reach presswash as WARC/WET `WARC-Date` headers (`2023-06-08T09:00:00Z`), JSONL and
Parquet `date` fields (ISO 8601 with any offset, a bare date, an HTTP-style
`Thu, 08 Jun 2023 09:00:00 GMT`, or an Arrow timestamp's `isoformat()`), and HTML
metadata (`article:published_time`, JSON-LD `datePublished`, `<time datetime>`). Each is
read here, so one instant is one value wherever it came from: a time with an offset is
converted to UTC, and the offset dropped (the warehouse column is a naive UTC TIMESTAMP).

It lives in `schemas/`, not `cleaners/`, because the warehouse needs it too (its Arrow
column), and `warehouse/` may import only `schemas/`. Finding a date inside prose ("June 8,
2023" in a dateline) is a different job, `cleaners.metadata.parse_date`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

__all__ = ["MAX_YEAR", "MIN_YEAR", "iso_timestamp", "parse_timestamp"]

MIN_YEAR = 1900
MAX_YEAR = 2200
"""A year outside these is a broken or placeholder value (`0001-01-01`), not a date."""

_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_BASIC = re.compile(r"(\d{4})(\d\d)(\d\d)(?:T(\d\d)(\d\d)(\d\d)?)?(Z|[+-]\d\d:?\d\d)?")
"""ISO 8601 basic format (`20230608T090000Z`), as some crawlers write it."""


def parse_timestamp(value: str | None) -> datetime | None:
    """A date or timestamp string as a naive UTC datetime; None if it is not one.

    Args:
        value: ISO 8601 (extended or basic, date or datetime, `Z` or any offset, a space
            for `T`), or an RFC 2822 / HTTP date. Leading and trailing blanks are ignored.
    """
    parsed = _parse(value.strip()) if value else None
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        return None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def iso_timestamp(value: str | None) -> str | None:
    """The canonical text of a date or timestamp (what records hold in `published_at`):
    `YYYY-MM-DD` for a bare date, else `YYYY-MM-DDTHH:MM:SS` in UTC; None if not one.

    Args:
        value: anything `parse_timestamp` reads.
    """
    parsed = parse_timestamp(value)
    if parsed is None:
        return None
    if value is not None and _is_bare_date(value.strip()):
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


def _is_bare_date(text: str) -> bool:
    return _ISO_DATE.fullmatch(text) is not None or (
        len(text) == 8 and text.isascii() and text.isdigit()
    )


def _parse(text: str) -> datetime | None:
    if not text or len(text) > 64:
        return None
    if text[:4].isascii() and text[:4].isdigit():
        if _ISO_DATE.match(text):
            try:
                return datetime.fromisoformat(text.replace("z", "Z"))
            except ValueError:
                return None
        return _parse_basic(text)
    try:
        parsed = parsedate_to_datetime(text)  # RFC 2822: `Thu, 08 Jun 2023 09:00:00 GMT`
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if isinstance(parsed, datetime) else None


def _parse_basic(text: str) -> datetime | None:
    m = _BASIC.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, zone = m.groups()
    try:
        if hour is None:
            return datetime.combine(date(int(year), int(month), int(day)), datetime.min.time())
        extended = f"{year}-{month}-{day}T{hour}:{minute}:{second or '00'}{zone or ''}"
        return datetime.fromisoformat(extended)
    except ValueError:
        return None
