"""schemas.timestamps: the one parser for dates from every input (WARC, JSONL, Parquet, HTML)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.timestamps import iso_timestamp, parse_timestamp

INSTANT = datetime(2023, 6, 8, 9, 0)
"""One instant, 09:00 UTC, written the ways inputs write it."""


@pytest.mark.parametrize(
    "value",
    [
        "2023-06-08T09:00:00Z",  # WARC-Date, WET
        "2023-06-08T09:00:00z",
        "2023-06-08T11:00:00+02:00",  # article:published_time, JSON-LD
        "2023-06-08T04:00:00-0500",
        "2023-06-08 09:00",
        "2023-06-08T09:00:00.000+00:00",  # an Arrow timestamp's isoformat()
        "  2023-06-08T09:00:00Z\n",
        "Thu, 08 Jun 2023 09:00:00 GMT",  # HTTP / RFC 2822
        "Thu, 08 Jun 2023 11:00:00 +0200",
        "20230608T090000Z",  # ISO 8601 basic
    ],
)
def test_every_spelling_of_one_instant_is_one_value(value: str) -> None:
    assert parse_timestamp(value) == INSTANT
    assert iso_timestamp(value) == "2023-06-08T09:00:00"


def test_an_offset_can_move_the_day() -> None:
    assert iso_timestamp("2023-06-08T23:30:00-05:00") == "2023-06-09T04:30:00"


def test_a_bare_date_stays_a_date() -> None:
    assert iso_timestamp("2023-06-08") == iso_timestamp("20230608") == "2023-06-08"
    assert parse_timestamp("2023-06-08") == datetime(2023, 6, 8)


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "yesterday", "2023-13-01", "2023-02-30T10:00:00", "0001-01-01",
     "9999-12-31T00:00:00", "12345678901234567890", "Thu, 99 Foo 2023", "2023-06-08T25:00"],
)  # fmt: skip
def test_what_is_not_a_date_is_none(value: str | None) -> None:
    assert parse_timestamp(value) is None
    assert iso_timestamp(value) is None


aware = st.datetimes(
    min_value=datetime(1901, 1, 2), max_value=datetime(2199, 12, 30),
    timezones=st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))),
)  # fmt: skip


@given(aware)
def test_iso_and_rfc2822_spellings_agree_and_are_utc(moment: datetime) -> None:
    moment = moment.replace(microsecond=0)
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    iso = moment.isoformat()
    assert parse_timestamp(iso) == utc
    assert iso_timestamp(iso) == utc.isoformat(timespec="seconds")
    assert parse_timestamp(format_datetime(moment)) == utc


@given(st.text(max_size=80))
def test_never_raises_and_its_output_is_a_fixed_point(value: str) -> None:
    iso = iso_timestamp(value)
    assert iso is None or iso_timestamp(iso) == iso
