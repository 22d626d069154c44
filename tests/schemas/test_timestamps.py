"""schemas.timestamps: the one parser for dates from every input (WARC, JSONL, Parquet, HTML)."""

from __future__ import annotations

import math
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


SPELLINGS = [
    "2023-06-08T09:00:00Z", "2023-06-08T11:00:00+02:00", "2023-06-08T04:00:00-0500",
    "2023-06-08 09:00", "2023-06-08T09:00:00.000+00:00", "Thu, 08 Jun 2023 09:00:00 GMT",
    "20230608T090000Z", "2023-06-08", "2023-06-08T23:30:00-05:00", "0001-01-01", "yesterday",
]  # fmt: skip


@pytest.mark.parametrize("value", SPELLINGS)
def test_page_dates_and_story_times_are_read_by_the_one_parser(value: str) -> None:
    """`cleaners.metadata` (a page's own date) and the story clusterer's time window read
    a date as `schemas.timestamps` does: one instant, one value."""
    from cleaners.dedup.stories import parse_time
    from cleaners.metadata import _iso_date

    parsed = parse_timestamp(value)
    if parsed is None:
        assert math.isnan(parse_time(value))
    else:
        assert parse_time(value) == parsed.replace(tzinfo=UTC).timestamp()
        assert _iso_date(value) == iso_timestamp(value)


@given(aware)
def test_page_dates_and_story_times_agree_with_the_parser_on_any_offset(moment: datetime) -> None:
    from cleaners.dedup.stories import parse_time
    from cleaners.metadata import _iso_date, html_metadata

    moment = moment.replace(microsecond=0)
    iso = moment.isoformat()
    utc = moment.astimezone(UTC)
    assert parse_time(iso) == utc.timestamp() == parse_time(utc.replace(tzinfo=None))
    assert _iso_date(iso) == _iso_date(f"Updated {iso} (local)") == iso_timestamp(iso)
    page = f'<html><head><meta property="article:published_time" content="{iso}"></head></html>'
    assert html_metadata(page).published_at == iso_timestamp(iso)
