"""cleaners.decode: charset decoding, the markup test, the nesting guard. Pure, bytes in.

The magic-byte sniffer is `flows.readers.sniff` (tests/flows/readers/test_sniff.py)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.decode import Failure, check_nesting, declared_charset, decode, sniff_markup

RUSSIAN = "Бывший генсек НАТО заявил, что некоторые страны могут направить войска на Украину."
FRENCH = "L'ancien secrétaire général a déclaré à Vilnius que l'été serait décisif, ça va."
JAPANESE = "元NATO事務総長は、一部の国がウクライナに部隊を派遣する可能性があると述べた。"


@pytest.mark.parametrize(
    ("text", "codec", "names"),
    [
        (RUSSIAN, "cp1251", {"cp1251"}),
        (FRENCH, "latin-1", {"cp1252", "iso8859-1", "latin-1", "iso8859-15"}),
        (JAPANESE, "shift_jis", {"shift_jis", "cp932"}),
        (RUSSIAN, "utf-16", {"utf-16-le"}),  # BOM written by Python
        (FRENCH, "utf-16-le", {"utf-16-le"}),  # no BOM: found by the NUL pattern
        (JAPANESE, "utf-8-sig", {"utf-8"}),
        (FRENCH, "utf-8", {"utf-8"}),
    ],
)
def test_decode_real_samples(text: str, codec: str, names: set[str]) -> None:
    result = decode(text.encode(codec))
    assert isinstance(result, tuple), result
    decoded, encoding = result
    assert decoded == text
    assert encoding in names


def test_declared_charset_beats_detection() -> None:
    data = RUSSIAN.encode("koi8-r")  # also "valid" cp1251 bytes, read as mojibake
    assert decode(data, declared="KOI8-R") == (RUSSIAN, "koi8-r")


def test_declared_charset_that_fails_is_ignored() -> None:
    assert decode(RUSSIAN.encode("cp1251"), declared="utf-8") == (RUSSIAN, "cp1251")


def test_unknown_declared_label_is_ignored() -> None:
    assert decode(RUSSIAN.encode("cp1251"), declared="x-klingon") == (RUSSIAN, "cp1251")


def test_meta_charset_decides_short_ambiguous_page() -> None:
    page = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    assert declared_charset(page.encode("cp1251")) == "windows-1251"
    assert decode(page.encode("cp1251")) == (page, "cp1251")


def test_http_equiv_and_xml_declarations_are_read() -> None:
    equiv = b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
    assert declared_charset(equiv) == "shift_jis"
    assert declared_charset(b'<?xml version="1.0" encoding="ISO-8859-2"?><html>') == "iso-8859-2"


def test_meta_claiming_utf16_on_ascii_bytes_is_ignored() -> None:
    assert declared_charset(b"<meta charset=utf-16><p>hi") is None


def test_bom_is_authoritative() -> None:
    result = decode(b"\xef\xbb\xbfok \xff\xfe broken")
    assert isinstance(result, Failure)
    assert result.reason == "undecodable"
    assert "BOM" in result.detail


def test_empty_and_blank_bytes_fail_as_empty() -> None:
    assert decode(b"") == Failure("empty", "0 bytes")
    blank = decode(b" \r\n ")
    assert isinstance(blank, Failure)
    assert blank.reason == "empty"


def test_bytes_no_encoding_fits_are_undecodable() -> None:
    rng = random.Random(7)
    noise = bytes(rng.randrange(0x80, 0x100) for _ in range(600))
    result = decode(noise)
    assert isinstance(result, Failure)
    assert result.reason == "undecodable"


def test_absurd_nesting_is_a_parse_error() -> None:
    failure = check_nesting("<div>" * 100_000 + "deep" + "</div>" * 100_000)
    assert isinstance(failure, Failure)
    assert failure.reason == "parse_error"


def test_sloppy_real_markup_is_not_nesting() -> None:
    unclosed = "<html><body>" + "<p>para<br><img src=x>" * 20_000 + "</body></html>"
    balanced = "<div><span>x</span></div>" * 10_000
    assert check_nesting(unclosed) is None
    assert check_nesting(balanced) is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(["a.txt", "a.html", "a.jsonl", "a.gz", ""]))
def test_decode_and_sniff_never_raise(data: bytes, name: str) -> None:
    result = decode(data, declared=name or None)
    assert isinstance(result, Failure) or (
        isinstance(result[0], str) and isinstance(result[1], str)
    )
    assert sniff_markup(data, name) in ("html", "text")
    nesting = check_nesting(data.decode("latin-1"), max_depth=3)
    assert nesting is None or nesting.reason == "parse_error"


def test_false_ascii_label_does_not_garble_utf8() -> None:
    assert decode(FRENCH.encode(), declared="us-ascii") == (FRENCH, "utf-8")


RUSSIAN_STORY = "\n\n".join(
    [
        "Бывший генсек НАТО заявил, что некоторые страны могут направить войска на Украину.",
        "По его словам, решение может быть принято до саммита в Вильнюсе в июле этого года.",
        "Эксперты считают, что гарантии безопасности остаются главным вопросом переговоров.",
        "Представитель министерства отказался от комментариев в среду вечером, сообщили СМИ.",
    ]
)


def test_clean_decodes_bytes_with_the_one_decoder() -> None:
    """Divergence on 31f70df: `clean(bytes)` had its own decoder; cp1251 came out empty."""
    from cleaners import clean

    cleaned = clean(RUSSIAN_STORY.encode("cp1251"))
    assert cleaned.text == clean(RUSSIAN_STORY).text
    assert "генсек НАТО" in cleaned.text


def test_utf8_then_utf16_is_undecodable() -> None:
    """Fault on 31f70df: decoded as UTF-8 with a NUL in every other character."""
    head = ("An article that starts in UTF-8. " * 300).encode()
    tail = ("And goes on in UTF-16 for the rest of the file. " * 300).encode("utf-16-le")
    for data in (head + tail, head[:1001] + tail):
        result = decode(data)
        assert isinstance(result, Failure) and result.reason == "undecodable", result
        assert "junk" in result.detail


def test_a_short_utf16_tail_in_a_long_page_is_undecodable() -> None:
    head = ("A long article in UTF-8, paragraph after paragraph. " * 400).encode()
    tail = ("garbled tail " * 200).encode("utf-16-le")
    result = decode(head + tail)
    assert isinstance(result, Failure) and "from character" in result.detail


def test_real_text_with_a_stray_control_character_still_decodes() -> None:
    text = ("Plain words, a form feed\x0c and a bell\x07 once. " * 50).strip()
    assert decode(text.encode()) == (text, "utf-8")
