"""Builders and checks shared by the reader tests: tiny inputs made in tmp_path."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from flows.readers import Tally, read_file
from schemas import REJECT_REASONS, RawDocument, Reject

REPO = Path(__file__).resolve().parents[3]
PAGE = "<html><head><title>T</title></head><body><p>Article text here.</p></body></html>"
RUSSIAN = "Бывший генсек НАТО заявил, что некоторые страны могут направить войска на Украину."

def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def read_all(path: Path, **kwargs: object) -> list[RawDocument | Reject]:
    return list(read_file(path, **kwargs))  # type: ignore[arg-type]


def docs(records: Iterable[object]) -> list[RawDocument]:
    return [r for r in records if isinstance(r, RawDocument)]


def rejects(records: Iterable[object]) -> list[Reject]:
    return [r for r in records if isinstance(r, Reject)]


def reasons(records: Iterable[object]) -> list[str]:
    return [r.reason for r in rejects(records)]


def warc_record(kind: str, rid: str, block: bytes, uri: str = "", ctype: str = "") -> bytes:
    ctype = ctype or f"application/http; msgtype={kind}"
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\n"
        f"WARC-Date: 2023-06-08T09:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def http(body: bytes, ctype: str = "text/html", extra: str = "", status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n{extra}Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def sample_warc_records() -> list[bytes]:
    return [
        warc_record("warcinfo", "0", b"software: test\r\n", ctype="application/warc-fields"),
        warc_record("request", "1", b"GET / HTTP/1.1\r\nHost: a.com\r\n\r\n", "http://a.com/x"),
        warc_record(
            "response",
            "2",
            http(
                f"<html><body><p>{RUSSIAN}</p></body></html>".encode("cp1251"),
                "text/html; charset=windows-1251",
            ),
            "http://a.com/x",
        ),
        warc_record("response", "3", http(b"\x89PNG\r\n\x1a\n", "image/png"), "http://a.com/i.png"),
        warc_record(
            "response", "4", http(b"<html>moved</html>", status="301 Moved"), "http://a.com/"
        ),
        warc_record(
            "response",
            "5",
            http(gzip.compress(PAGE.encode()), extra="Content-Encoding: gzip\r\n"),
            "https://b.org/story",
        ),
        warc_record("response", "6", http(b"<html>" + b"z" * 3000 + b"</html>"), "http://c.net/z"),
    ]


def zip_file(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return path


def tar_bytes(
    members: dict[str, bytes], mode: str = "w", links: dict[str, str] | None = None
) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def assert_accounted(records: list[RawDocument | Reject], tally: Tally) -> None:
    """Every unit is a document, a reject or a counted skip; reject URIs are unique."""
    assert tally.documents == len(docs(records))
    assert tally.rejected == len(rejects(records))
    uris = [r.source_uri for r in rejects(records)]
    assert len(uris) == len(set(uris)), uris
    assert all(r.reason in REJECT_REASONS for r in rejects(records))
    assert all(r.detail and "\n" not in r.detail for r in rejects(records))


def jsonl(*lines: object) -> bytes:
    return b"".join(
        (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n" for line in lines
    )


def wet_record(kind: str, rid: str, text: bytes, uri: str = "", lang: str = "eng") -> bytes:
    """One WET record as Common Crawl writes it: CRLF headers, the text, CRLF CRLF."""
    head = [
        "WARC/1.0",
        f"WARC-Type: {kind}",
        f"WARC-Target-URI: {uri}" if uri else "",
        "WARC-Date: 2023-06-08T09:00:00Z",
        f"WARC-Record-ID: <urn:uuid:{rid}>",
        f"WARC-Refers-To: <urn:uuid:ref-{rid}>" if kind == "conversion" else "",
        f"WARC-Identified-Content-Language: {lang}" if kind == "conversion" and lang else "",
        "Content-Type: " + ("text/plain" if kind == "conversion" else "application/warc-fields"),
        f"Content-Length: {len(text)}",
    ]
    return "\r\n".join(h for h in head if h).encode() + b"\r\n\r\n" + text + b"\r\n\r\n"


WARCINFO = (
    b"Software-Info: ia-web-commons.1.1.10-SNAPSHOT-20230525111433\r\n"
    b"Extracted-Date: Thu, 08 Jun 2023 09:00:00 GMT\r\n"
    b"isPartOf: CC-MAIN-2023-23\r\npublisher: Common Crawl\r\n"
)


def wet_file(pages: list[tuple[str, str]], *, lang: str = "eng") -> bytes:
    """A `.warc.wet.gz` in the real layout: warcinfo first, one gzip member per record."""
    records = [wet_record("warcinfo", "info", WARCINFO)] + [
        wet_record("conversion", f"r{i}", text.encode(), uri, lang)
        for i, (uri, text) in enumerate(pages)
    ]
    return b"".join(gzip.compress(r) for r in records)


def parquet_bytes(
    columns: dict[str, list[object]], *, row_group_size: int = 2, compression: str = "snappy"
) -> bytes:
    """A Parquet file with these columns (types inferred by Arrow), small row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    table = pa.table(columns)
    pq.write_table(table, buffer, row_group_size=row_group_size, compression=compression)
    return buffer.getvalue()
