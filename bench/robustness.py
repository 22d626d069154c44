"""Robustness bench: a reproducible corpus of good and bad inputs, and an accounting check.

Builds 1,000+ inputs (pages in five encodings, JSONL, WARC, Common Crawl WET, Parquet,
zstd, archives, and every kind of bad input the readers must survive) into a temp dir
from a seed, runs the pipeline (or only the readers), and checks that every input unit
ended in `documents` or `rejects` (or was skipped by design and counted).

    PYTHONPATH=. .venv/bin/python bench/robustness.py               # the whole pipeline
    PYTHONPATH=. .venv/bin/python bench/robustness.py --readers-only
    PYTHONPATH=. .venv/bin/python bench/robustness.py --seed 7 --keep /tmp/corpus

Exit status 0 when the accounting adds up, 1 when a unit is lost.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import json
import lzma
import os
import random
import sys
import tarfile
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # runnable as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from flows.readers import MAX_BYTES, Tally, iter_inputs  # noqa: E402
from schemas import RawDocument, Reject  # noqa: E402

DEFAULT_SEED = 20230608
GOOD_TEXT_PAGES = 560
"""Plain-text dumps: the bulk of the corpus, as in real scrapes."""
GOOD_HTML_PAGES = 260
"""HTML pages, spread over utf-8, cp1251, latin-1, shift_jis and utf-16."""
REPEAT_BAD = 6
"""How many variants of each bad kind: enough to see a pattern, cheap to build."""

RUSSIAN = (
    "Бывший генсек НАТО заявил, что некоторые страны могут направить войска на Украину.",
    "По его словам, решение может быть принято до саммита в Вильнюсе в июле.",
    "Эксперты считают, что гарантии безопасности остаются главным вопросом.",
    "Представитель министерства отказался от комментариев в среду вечером.",
)
FRENCH = (
    "L'ancien secrétaire général a déclaré à Vilnius que l'été serait décisif.",
    "Selon lui, certains pays pourraient agir seuls si les garanties échouent.",
    "Les ministres se réuniront à nouveau après le sommet, a-t-il précisé.",
    "Ça reste une hypothèse, a répondu le porte-parole du gouvernement français.",
)
JAPANESE = (
    "元NATO事務総長は、一部の国がウクライナに部隊を派遣する可能性があると述べた。",
    "同氏によると、7月のビリニュスでの首脳会議が重要な節目になるという。",
    "専門家は、安全保障の確約が最大の論点だと指摘している。",
    "政府の報道官は水曜日の夜、コメントを控えた。",
)
LOCKED = "bad/locked/secret.txt"
"""A mode-000 file: `unreadable`, except for root, who reads it anyway."""
CHROME = ("Home", "News", "Sport", "Contact Us", "Recent Stories", "Share this article")


@dataclass(slots=True)
class Corpus:
    """What was generated: every top-level input, with the outcome we expect for it."""

    root: Path
    expected: dict[str, str] = field(default_factory=dict)
    """relative path -> 'document', 'container', or a reject reason."""

    def add(self, rel: str, data: bytes, expect: str) -> Path:
        """Write one input file and remember what should become of it."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.expected[rel] = expect
        return path


# --------------------------------------------------------------------------- content


def sentences(rng: random.Random) -> list[str]:
    """English sentences from the bundled seeds, the vocabulary of the good pages."""
    words = " ".join(p.read_text() for p in sorted((REPO / "seeds").glob("*.txt"))).split()
    chunks = [" ".join(words[i : i + 18]) + "." for i in range(0, len(words) - 18, 18)]
    rng.shuffle(chunks)
    return chunks


def article(rng: random.Random, pool: list[str] | tuple[str, ...], n: int = 6) -> list[str]:
    """A unique article: sampled sentences, each paragraph tagged with a random number.

    The tag keeps paragraphs unique across pages, so the pipeline's site-template pass
    (which drops lines repeated across a site's pages) does not eat a small pool.
    """
    return [
        " ".join(rng.sample(list(pool), min(3, len(pool)))) + f" ({rng.getrandbits(40):010x})"
        for _ in range(n)
    ]


def html_page(title: str, paragraphs: list[str], charset: str | None = None) -> str:
    """A page with site chrome around the article."""
    meta = f'<meta charset="{charset}">' if charset else ""
    nav = "".join(f"<li><a href='/{c.lower()}'>{c}</a></li>" for c in CHROME[:4])
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>{title}</title></head><body>"
        f"<nav><ul>{nav}</ul></nav><article><h1>{title}</h1>{body}</article>"
        f"<footer>&copy; Example News</footer></body></html>"
    )


def warc_record(kind: str, rid: str, block: bytes, uri: str = "", ctype: str = "") -> bytes:
    """One WARC/1.0 record, hand-built so the bench needs no writer library."""
    ctype = ctype or f"application/http; msgtype={kind}"
    head = (
        f"WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{rid}>\r\n"
        f"WARC-Date: 2023-06-08T09:00:00Z\r\nWARC-Target-URI: {uri}\r\n"
        f"Content-Type: {ctype}\r\nContent-Length: {len(block)}\r\n\r\n"
    )
    return head.encode() + block + b"\r\n\r\n"


def http_response(body: bytes, ctype: str = "text/html; charset=utf-8") -> bytes:
    """An HTTP/1.1 200 response with the given body."""
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


def warc_records(rng: random.Random, pool: list[str], n: int, tag: str) -> list[bytes]:
    """A WARC's records: a warcinfo, then request + response pairs for `n` pages."""
    info = warc_record(
        "warcinfo", f"{tag}-0", b"software: bench\r\n", "", "application/warc-fields"
    )
    records = [info]
    for i in range(n):
        url = f"https://site{i % 7}.example/{tag}/{i}"
        page = html_page(f"Story {tag} {i}", article(rng, pool)).encode()
        records.append(warc_record("request", f"{tag}-q{i}", b"GET / HTTP/1.1\r\n\r\n", url))
        records.append(warc_record("response", f"{tag}-r{i}", http_response(page), url))
    return records


def wet_records(rng: random.Random, pool: list[str], n: int, tag: str) -> list[bytes]:
    """A WET file's records as Common Crawl writes them: warcinfo, then conversions."""
    info = warc_record(
        "warcinfo", f"{tag}-0", b"isPartOf: CC-MAIN-bench\r\n", "", "application/warc-fields"
    )
    records = [info]
    for i in range(n):
        url = f"https://cc{i % 5}.example/{tag}/{i}"
        text = "\n".join(article(rng, pool)).encode()
        head = (
            f"WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Date: 2023-06-08T09:00:00Z\r\nWARC-Record-ID: <urn:uuid:{tag}-c{i}>\r\n"
            f"WARC-Identified-Content-Language: eng\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(text)}\r\n\r\n"
        )
        records.append(head.encode() + text + b"\r\n\r\n")
    return records


def parquet_rows(rng: random.Random, pool: list[str], n: int, bad_rows: int = 0) -> bytes:
    """Scraped pages as Parquet (`url`, `html` or `text`, `title`); bad rows mixed in."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: list[dict[str, object]] = [
        {
            "url": f"https://pq{i % 5}.example/{rng.getrandbits(32):08x}",
            "html": html_page(f"Row {i}", article(rng, pool)) if i % 2 else None,
            "text": None if i % 2 else "\n\n".join(article(rng, pool)),
            "title": f"Parquet story {i}",
        }
        for i in range(n)
    ]
    for _ in range(bad_rows):  # no page at all, or only whitespace
        rows.insert(rng.randrange(len(rows) + 1), {"url": "x", "html": None, "text": " "})
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer, row_group_size=4)
    return buffer.getvalue()


def zstd(data: bytes) -> bytes:
    """zstd-compressed bytes (the `zstandard` package, as the readers use)."""
    import zstandard

    return zstandard.ZstdCompressor().compress(data)


def corrupt_member(member: bytes) -> bytes:
    """A gzip member with 40 bytes in its middle overwritten: a bad disk block."""
    middle = len(member) // 2
    return member[:middle] + bytes(range(200, 240)) + member[middle + 40 :]


def jsonl_bytes(rng: random.Random, pool: list[str], n: int, bad_lines: int = 0) -> bytes:
    """Scraper JSONL; `bad_lines` malformed lines are mixed in at random places."""
    lines = [
        json.dumps(
            {
                "url": f"https://feed{i % 5}.example/a/{rng.getrandbits(32):08x}",
                "html" if i % 2 else "text": (
                    html_page(f"Feed {i}", article(rng, pool))
                    if i % 2
                    else "\n\n".join(article(rng, pool))
                ),
                "title": f"Feed story {i}",
                "date": "2023-06-08",
            }
        )
        for i in range(n)
    ]
    for _ in range(bad_lines):
        lines.insert(
            rng.randrange(len(lines) + 1), rng.choice(['{"url": "x", "html": ', "[1,2]", "{}"])
        )
    return ("\n".join(lines) + "\n").encode()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A deflated zip holding `members` under their exact names (even unsafe ones)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def tar_gz_bytes(members: dict[str, bytes]) -> bytes:
    """A gzipped tar holding `members`."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# --------------------------------------------------------------------------- the corpus


def build_corpus(root: Path, seed: int, max_bytes: int) -> Corpus:
    """Write the whole corpus under `root`, reproducibly from `seed`."""
    rng = random.Random(seed)
    corpus = Corpus(root)
    pool = sentences(rng)
    for build in (add_good_pages, add_containers, add_bad_files, add_bad_containers):
        build(corpus, rng, pool)
    add_special_paths(corpus, max_bytes)
    return corpus


def add_good_pages(corpus: Corpus, rng: random.Random, pool: list[str]) -> None:
    """Plain-text dumps and HTML pages in five encodings."""
    for i in range(GOOD_TEXT_PAGES):
        text = "\n".join([f"date 2023-06-08 site{i % 9}.example", *article(rng, pool), *CHROME])
        corpus.add(f"good/text/{i:04d}.txt", text.encode(), "document")
    encodings: list[tuple[str, tuple[str, ...] | list[str], str | None]] = [
        ("utf-8", pool, "utf-8"),
        ("cp1251", RUSSIAN, "windows-1251"),
        ("latin-1", FRENCH, None),
        ("shift_jis", JAPANESE, "shift_jis"),
        ("utf-16", FRENCH, None),
    ]
    for i in range(GOOD_HTML_PAGES):
        codec, source, meta = encodings[i % len(encodings)] if i % 3 == 0 else encodings[0]
        page = html_page(f"Page {i}", article(rng, source), meta)
        ext = ".htm" if i % 4 == 0 else ".html"
        corpus.add(f"good/html/{codec}/{i:04d}{ext}", page.encode(codec), "document")
    for i in range(20):
        page = html_page(f"Gz {i}", article(rng, pool)).encode()
        corpus.add(f"good/gz/{i:03d}.html.gz", gzip.compress(page), "document")
    for i in range(12):
        menu = "\n".join(rng.sample(CHROME, 4))
        corpus.add(f"good/no_content/{i:03d}.txt", menu.encode(), "no_content")


def add_containers(corpus: Corpus, rng: random.Random, pool: list[str]) -> None:
    """JSONL, WARC and archives holding several units each."""
    for i in range(20):
        data = jsonl_bytes(rng, pool, 8, bad_lines=i % 3)
        name = f"good/jsonl/{i:03d}.jsonl"
        if i % 4 == 0:
            corpus.add(name + ".gz", gzip.compress(data), "container")
        else:
            corpus.add(name, data, "container")
    for i in range(16):
        records = warc_records(rng, pool, 4, f"w{i}")
        if i % 2:  # one gzip member per record, as crawlers write them
            packed = b"".join(gzip.compress(r) for r in records)
            corpus.add(f"good/warc/{i:03d}.warc.gz", packed, "container")
        else:
            corpus.add(f"good/warc/{i:03d}.warc", b"".join(records), "container")
    for i in range(4):
        page = html_page(f"Packed {i}", article(rng, pool)).encode()
        text = "\n".join(article(rng, pool)).encode()
        corpus.add(f"good/packed/{i:03d}.html.bz2", bz2.compress(page), "document")
        corpus.add(f"good/packed/{i:03d}.txt.xz", lzma.compress(text), "document")
        inner = zip_bytes({"feed.jsonl": jsonl_bytes(rng, pool, 3), "p.html": page})
        corpus.add(f"good/nested/{i:03d}.tar.gz", tar_gz_bytes({"inner.zip": inner}), "container")
        bom = b"\xef\xbb\xbf" + jsonl_bytes(rng, list(RUSSIAN), 3)
        corpus.add(f"good/jsonl/bom-{i:03d}.jsonl", bom, "container")
    for i in range(6):
        wet = b"".join(gzip.compress(r) for r in wet_records(rng, pool, 4, f"cc{i}"))
        corpus.add(f"good/wet/CC-MAIN-{i:03d}.warc.wet.gz", wet, "container")
        rows = parquet_rows(rng, pool, 8, bad_rows=i % 2)
        corpus.add(f"good/parquet/{i:03d}.parquet", rows, "container")
        corpus.add(f"good/zstd/{i:03d}.jsonl.zst", zstd(jsonl_bytes(rng, pool, 4)), "container")
        warc = b"".join(warc_records(rng, pool, 2, f"z{i}"))
        corpus.add(f"good/zstd/{i:03d}.warc.zst", zstd(warc), "container")
        text = "\n".join(article(rng, pool)).encode()
        corpus.add(f"good/zstd/{i:03d}.txt.zst", zstd(text), "document")
    for i in range(10):
        members = {
            f"pages/{j}.html": html_page(f"Z{i}-{j}", article(rng, pool)).encode() for j in range(4)
        }
        members["dump.jsonl"] = jsonl_bytes(rng, pool, 3)
        corpus.add(f"good/zip/{i:03d}.zip", zip_bytes(members), "container")
        corpus.add(f"good/tar/{i:03d}.tar.gz", tar_gz_bytes(members), "container")


def add_bad_files(corpus: Corpus, rng: random.Random, pool: list[str]) -> None:
    """Single files that must each become one reject with a known reason."""
    binaries = {
        "pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog>> endobj\n",
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        "elf": b"\x7fELF\x02\x01\x01\x00" + bytes(48),
    }
    for i in range(REPEAT_BAD):
        corpus.add(f"bad/empty/{i}.txt", b"", "empty")
        corpus.add(f"bad/empty/{i}-blank.html", b" \n\t\n" * (i + 1), "empty")
        for kind, magic in binaries.items():
            tail = bytes(rng.randrange(256) for _ in range(200))
            corpus.add(
                f"bad/binary/{kind}-{i}.{'txt' if i % 2 else 'html'}", magic + tail, "binary"
            )
        noise = bytes(rng.randrange(0x80, 0x100) for _ in range(600))
        corpus.add(f"bad/undecodable/{i}.txt", noise, "undecodable")
        bom_lie = b"\xef\xbb\xbf" + b"ok " + noise[:50]
        corpus.add(f"bad/undecodable/bom-{i}.txt", bom_lie, "undecodable")
        deep = "<html><body>" + "<div>" * 100_000 + "deep" + "</div>" * 100_000
        if i < 3:
            corpus.add(f"bad/deep/{i}.html", deep.encode(), "parse_error")
        page = gzip.compress(html_page(f"cut {i}", article(rng, pool, 40)).encode())
        corpus.add(f"bad/truncated/page-{i}.html.gz", page[: len(page) // 2], "truncated")


def add_bad_containers(corpus: Corpus, rng: random.Random, pool: list[str]) -> None:
    """Damaged or hostile containers: their good units are kept, the rest rejected."""
    for i in range(REPEAT_BAD):
        records = warc_records(rng, pool, 4, f"t{i}")
        warc = b"".join(records)
        corpus.add(f"bad/truncated/{i}.warc", warc[: len(warc) - 700], "container")
        packed = b"".join(gzip.compress(r) for r in records)
        corpus.add(f"bad/truncated/{i}.warc.gz", packed[: len(packed) - 300], "container")
        lines = gzip.compress(jsonl_bytes(rng, pool, 30))
        corpus.add(f"bad/truncated/{i}.jsonl.gz", lines[: len(lines) * 2 // 3], "container")
        members = {f"m{j}.txt": "\n".join(article(rng, pool, 30)).encode() for j in range(6)}
        tgz = tar_gz_bytes(members)
        corpus.add(f"bad/truncated/{i}.tar.gz", tgz[: len(tgz) // 2], "container")
        evil = {
            "../escape.txt": b"x",
            "/etc/passwd": b"x",
            "ok.txt": "\n".join(article(rng, pool)).encode(),
        }
        corpus.add(f"bad/unsafe/{i}.zip", zip_bytes(evil), "container")
        corpus.add(f"bad/jsonl/{i}.jsonl", jsonl_bytes(rng, pool, 5, bad_lines=3), "container")
        members_gz = [gzip.compress(r) for r in records]
        members_gz[2] = corrupt_member(members_gz[2])
        corpus.add(f"bad/damaged/{i}.warc.gz", b"".join(members_gz), "container")
        wet_gz = [gzip.compress(r) for r in wet_records(rng, pool, 4, f"d{i}")]
        wet_gz[1] = corrupt_member(wet_gz[1])
        corpus.add(f"bad/damaged/{i}.warc.wet.gz", b"".join(wet_gz), "container")
        zlines = zstd(jsonl_bytes(rng, pool, 60))
        corpus.add(f"bad/truncated/{i}.jsonl.zst", zlines[: len(zlines) * 2 // 3], "container")
        rows = parquet_rows(rng, pool, 8)
        corpus.add(f"bad/truncated/{i}.parquet", rows[: len(rows) // 2], "parse_error")
    for i in range(3):
        corpus.add(
            f"bad/bomb/{i}.zip",
            zip_bytes({"zeros.txt": bytes(40 * 2**20), "ok.txt": b"fine"}),
            "container",
        )
        corpus.add(f"bad/bomb/{i}.txt.gz", gzip.compress(bytes(60 * 2**20), 9), "archive_bomb")
        corpus.add(f"bad/bomb/{i}.txt.zst", zstd(bytes(60 * 2**20)), "archive_bomb")
        nested = html_page("deep", ["x"]).encode()
        for level in range(7):
            nested = zip_bytes({f"l{level}.zip" if level else "p.html": nested})
        corpus.add(f"bad/bomb/nested-{i}.zip", nested, "container")


def add_special_paths(corpus: Corpus, max_bytes: int) -> None:
    """Too-large files, symlink loops, dangling links, a fifo, an unreadable file."""
    root = corpus.root
    big = root / "bad/too_large/sparse.txt"
    big.parent.mkdir(parents=True, exist_ok=True)
    with open(big, "wb") as handle:
        handle.truncate(max_bytes + 1)  # sparse: costs no disk, rejected from stat
    corpus.expected["bad/too_large/sparse.txt"] = "too_large"
    with open(root / "bad/too_large/real.html", "wb") as handle:
        line = b"<p>" + b"word " * 200 + b"</p>\n"
        for _ in range(max_bytes // len(line) + 2):
            handle.write(line)
    corpus.expected["bad/too_large/real.html"] = "too_large"
    links = root / "bad/links"
    links.mkdir(parents=True, exist_ok=True)
    (links / "self").symlink_to("self")
    (links / "up").symlink_to("..", target_is_directory=True)
    (links / "dangling.txt").symlink_to("nowhere.txt")
    outside = root.parent / f"{root.name}-outside.txt"  # a file beside, not in, the inputs
    outside.write_text("a file the inputs only link to")
    (links / "outside.txt").symlink_to(outside)
    os.mkfifo(links / "pipe.txt")
    corpus.expected.update(
        {
            "bad/links/self": "unreadable",
            "bad/links/up": "unreadable",
            "bad/links/dangling.txt": "not_found",
            "bad/links/outside.txt": "outside_input",
            "bad/links/pipe.txt": "unreadable",
        }
    )
    locked = corpus.add(LOCKED, b"locked text, a short one", "unreadable")
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads mode-000 files: it is a document then
        corpus.expected[LOCKED] = "no_content"


# --------------------------------------------------------------------------- running


@dataclass(slots=True)
class Units:
    """What the readers produced, for the accounting check."""

    documents: list[RawDocument]
    rejects: list[Reject]
    tally: Tally
    seconds: float


def read_units(root: Path, max_bytes: int) -> Units:
    """Run the readers alone over the corpus (no cleaning, no database)."""
    tally = Tally()
    started = time.monotonic()
    documents: list[RawDocument] = []
    rejects: list[Reject] = []
    for unit in iter_inputs([root], max_bytes=max_bytes, tally=tally):
        if isinstance(unit, Reject):
            rejects.append(unit)
        else:
            documents.append(unit.__class__(**{**_fields(unit), "raw_bytes": b"", "raw_text": ""}))
    return Units(documents, rejects, tally, time.monotonic() - started)


def _fields(doc: RawDocument) -> dict[str, object]:
    """A RawDocument's fields, to copy it without its (possibly large) payload."""
    return {name: getattr(doc, name) for name in doc.__slots__}  # type: ignore[attr-defined]


def outcome_by_input(corpus: Corpus, outcomes: dict[str, str]) -> Counter[str]:
    """Compare each input's outcome (source_uri -> 'document' or reason) with the plan."""
    root = str(corpus.root)
    mismatches: Counter[str] = Counter()
    for rel, expect in sorted(corpus.expected.items()):
        uri = f"{root}/{rel}"
        if expect == "container":
            if not any(u == uri or u.startswith((uri + "!", uri + "#")) for u in outcomes):
                mismatches[f"{rel}: no unit at all"] += 1
            continue
        actual = outcomes.get(uri, "missing")
        if actual != expect:
            mismatches[f"{rel}: expected {expect}, got {actual}"] += 1
    return mismatches


def rejects_by_kind(root: Path, outcomes: dict[str, str]) -> dict[str, Counter[str]]:
    """Reject reasons per kind of bad input, the kind being the folder under `bad/`
    (`bad/deep/0.html` is kind `deep`; an archive member `bad/unsafe/0.zip!../x` too)."""
    prefix = f"{root}/bad/"
    kinds: dict[str, Counter[str]] = {}
    for uri, outcome in sorted(outcomes.items()):
        if uri.startswith(prefix) and outcome != "document":
            kind = uri[len(prefix) :].split("/", 1)[0]
            kinds.setdefault(kind, Counter())[outcome] += 1
    return kinds


def reader_outcomes(units: Units) -> dict[str, str]:
    """source_uri -> 'document' or the reject reason, as the readers decided."""
    outcomes = {doc.source_uri: "document" for doc in units.documents}
    outcomes.update((r.source_uri, r.reason) for r in units.rejects)
    return outcomes


def warehouse_outcomes(db: Path, run_id: str) -> tuple[set[tuple[str, str]], dict[str, str]]:
    """What the warehouse holds: (source_uri, doc_id) pairs, and this run's rejects."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        table = "sources" if "sources" in tables else "documents"
        stored = set(con.execute(f"SELECT source_uri, doc_id FROM {table}").fetchall())
        query = "SELECT source_uri, reason FROM rejects WHERE run_id = ?"
        rejected = dict(con.execute(query, [run_id]).fetchall())
    finally:
        con.close()
    return stored, rejected


def lost_units(units: Units, stored: set[tuple[str, str]], rejected: dict[str, str]) -> list[str]:
    """Units that are neither a stored document (for their URI) nor a reject."""
    lost = [
        f"document {d.source_uri}"
        for d in units.documents
        if (d.source_uri, d.doc_id) not in stored and d.source_uri not in rejected
    ]
    lost += [
        f"reject {r.source_uri} ({r.reason})" for r in units.rejects if r.source_uri not in rejected
    ]
    return lost


def print_report(title: str, rows: list[tuple[str, object]]) -> None:
    """A two-column block, readable in a terminal and in a commit message."""
    print(f"\n{title}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")


def run(args: argparse.Namespace, root: Path) -> int:
    """Build, read, optionally run the pipeline, print, and return the exit status."""
    started = time.monotonic()
    corpus = build_corpus(root, args.seed, args.max_bytes)
    build_seconds = time.monotonic() - started
    units = read_units(root, args.max_bytes)
    tally = units.tally
    by_reason = Counter(r.reason for r in units.rejects)
    print_report(
        f"corpus (seed {args.seed}) in {root}",
        [
            ("top-level inputs", len(corpus.expected)),
            ("files read", tally.files),
            ("input units", tally.units),
            ("built in", f"{build_seconds:.1f}s"),
        ],
    )
    print_report(
        f"readers ({units.seconds:.1f}s)",
        [
            ("documents", tally.documents),
            ("rejects", tally.rejected),
            *((f"  {reason}", n) for reason, n in sorted(by_reason.items())),
            ("skipped", sum(tally.skipped.values())),
            *((f"  {kind}", n) for kind, n in sorted(tally.skipped.items())),
        ],
    )
    failures: list[str] = []
    if len({r.source_uri for r in units.rejects}) != len(units.rejects):
        failures.append("two rejects share a source_uri")
    outcomes = reader_outcomes(units)
    if not args.readers_only:
        pipeline_failures, outcomes = run_pipeline_and_account(args, root, units)
        failures += pipeline_failures
    mismatches = outcome_by_input(corpus, outcomes)
    print_report(
        "rejects by kind of bad input (folder under bad/ -> reason: count)",
        [
            (kind, ", ".join(f"{r}: {n}" for r, n in sorted(reasons.items())))
            for kind, reasons in rejects_by_kind(root, outcomes).items()
        ],
    )
    if args.readers_only:  # no cleaning: a menu-only page is still a document here
        mismatches = Counter(
            {k: v for k, v in mismatches.items() if "expected no_content, got document" not in k}
        )
    status = "OK" if not failures and not mismatches else "FAILED"
    lost = sum(1 for line in failures if line.startswith("lost"))
    skipped = sum(tally.skipped.values())
    print_report(
        f"accounting: {status}",
        [
            ("input units", tally.units),
            ("  documents + rejects + skipped", tally.documents + tally.rejected + skipped),
            ("  lost (in neither table)", lost),
            ("inputs with an unexpected outcome", sum(mismatches.values())),
            ("other failed checks", len(failures) - lost),
        ],
    )
    for line in [*failures[:20], *list(mismatches)[:20]]:
        print(f"  ! {line}")
    return 0 if status == "OK" else 1


def run_pipeline_and_account(
    args: argparse.Namespace, root: Path, units: Units
) -> tuple[list[str], dict[str, str]]:
    """Run the real pipeline into a fresh DuckDB file and check nothing was lost.

    Returns the failures and each source_uri's outcome as the warehouse records it.
    """
    from flows.pipeline import pipeline

    db = Path(args.db) if args.db else root.parent / "robustness.duckdb"
    started = time.monotonic()
    summary = pipeline([str(root)], db=db, max_bytes=args.max_bytes)
    seconds = time.monotonic() - started
    print_report(
        f"pipeline ({seconds:.1f}s, db {db})",
        [
            ("files seen", summary.files_seen),
            ("inputs", summary.inputs),
            ("new documents", summary.new_documents),
            ("known documents", summary.known_documents),
            ("exact duplicates", summary.exact_duplicates),
            ("articles", summary.articles),
            ("rejected", summary.rejected),
            *((f"  {reason}", n) for reason, n in sorted(summary.rejects_by_reason.items())),
            ("skipped", getattr(summary, "skipped", "n/a")),
        ],
    )
    stored, rejected = warehouse_outcomes(db, summary.run_id)
    failures = [f"lost in the warehouse: {line}" for line in lost_units(units, stored, rejected)]
    expected_inputs = len(units.documents) + len(units.rejects)
    if summary.inputs != expected_inputs:
        failures.append(f"summary.inputs {summary.inputs} != reader units {expected_inputs}")
    skipped = sum(units.tally.skipped.values())
    if getattr(summary, "skipped", skipped) != skipped:
        failures.append(f"summary.skipped {summary.skipped} != readers' {skipped}")
    outcomes = {uri: "document" for uri, _ in stored}
    outcomes.update(rejected)
    return failures, outcomes


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="corpus seed (reproducible)")
    parser.add_argument("--readers-only", action="store_true", help="skip the pipeline and the DB")
    parser.add_argument("--max-bytes", type=int, default=MAX_BYTES, help="per-unit size limit")
    parser.add_argument("--keep", metavar="DIR", help="build the corpus here and keep it")
    parser.add_argument("--db", metavar="FILE", help="DuckDB file (default: next to the corpus)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.keep:
        root = Path(args.keep) / "corpus"
        return run(args, root)
    with tempfile.TemporaryDirectory(prefix="presswash-robustness-") as tmp:
        try:
            return run(args, Path(tmp) / "corpus")
        finally:  # give the cleanup back the mode-000 file
            locked = Path(tmp) / "corpus" / LOCKED
            if locked.exists():
                locked.chmod(0o600)


if __name__ == "__main__":
    sys.exit(main())
