"""A Common Crawl WET file built from the dev text dumps, run through `presswash run`.

Builds `CC-MAIN-dev.warc.wet.gz` in the real layout (warcinfo first, one gzip member per
record, CRLF headers): 1,000 `conversion` records cycling over the 127 dev dumps, the
first 127 exactly the dumps under their ground-truth URLs, the later ones the same pages
re-crawled (`?crawl=N`, one line added so each record is a document of its own). Runs
the real CLI into a fresh warehouse, then checks that documents = records and scores the
first 127 articles against the ground truth next to `clean_text` on the dumps directly.

    PYTHONPATH=. .venv/bin/python bench/wet_run.py [--records 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # runnable as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from bench.extraction_quality import DEFAULT_DATA, Page, evaluate, load_pages  # noqa: E402

WARCINFO = (
    b"Software-Info: ia-web-commons.1.1.10-SNAPSHOT-20230525111433\r\n"
    b"Extracted-Date: Thu, 08 Jun 2023 09:00:00 GMT\r\n"
    b"robots: checked via crawler-commons 1.4-SNAPSHOT\r\n"
    b"isPartOf: CC-MAIN-2023-23\r\noperator: Common Crawl Admin (info@commoncrawl.org)\r\n"
    b"publisher: Common Crawl\r\n"
)


def wet_record(headers: list[tuple[str, str]], block: bytes) -> bytes:
    """One WARC/1.0 record: CRLF header lines, a blank line, the block, CRLF CRLF."""
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    return b"WARC/1.0\r\n" + head.encode() + b"\r\n" + block + b"\r\n\r\n"


def build_wet(pages: list[Page], records: int, path: Path) -> list[tuple[str, str]]:
    """Write the WET file; returns (url, text) per conversion record, in order."""
    info = wet_record(
        [
            ("WARC-Type", "warcinfo"),
            ("WARC-Date", "2023-06-08T09:00:00Z"),
            ("WARC-Filename", path.name),
            ("WARC-Record-ID", "<urn:uuid:00000000-0000-0000-0000-000000000000>"),
            ("Content-Type", "application/warc-fields"),
            ("Content-Length", str(len(WARCINFO))),
        ],
        WARCINFO,
    )
    written = []
    with path.open("wb") as out:
        out.write(gzip.compress(info))
        for k in range(records):
            page, crawl = pages[k % len(pages)], k // len(pages)
            url = page.url if crawl == 0 else f"{page.url}?crawl={crawl}"
            text = page.text if crawl == 0 else f"{page.text.rstrip()}\n\nRecrawled ({crawl})\n"
            block = text.encode("utf-8")
            out.write(
                gzip.compress(
                    wet_record(
                        [
                            ("WARC-Type", "conversion"),
                            ("WARC-Target-URI", url),
                            ("WARC-Date", f"2023-06-{1 + k % 28:02d}T09:00:00Z"),
                            ("WARC-Record-ID", f"<urn:uuid:{k:08d}-0000-0000-0000-{page.id[:12]}>"),
                            ("WARC-Refers-To", f"<urn:uuid:{k:08d}-ffff-0000-0000-000000000000>"),
                            ("WARC-Block-Digest", "sha1:bench"),
                            ("WARC-Identified-Content-Language", "eng"),
                            ("Content-Type", "text/plain"),
                            ("Content-Length", str(len(block))),
                        ],
                        block,
                    )
                )
            )
            written.append((url, text))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--keep", type=Path, help="build here and keep the files")
    args = parser.parse_args(argv)
    pages = load_pages(args.data)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="presswash-wet-"))
    folder.mkdir(parents=True, exist_ok=True)
    wet, db = folder / "CC-MAIN-dev.warc.wet.gz", folder / "wet.duckdb"
    db.unlink(missing_ok=True)
    written = build_wet(pages, args.records, wet)
    started = time.monotonic()
    cli = [sys.executable, "-c", "from flows.cli import main; main()"]
    run = subprocess.run([*cli, "run", str(wet), "--db", str(db)], capture_output=True, text=True)
    seconds = time.monotonic() - started
    if run.returncode != 0:
        print(run.stdout, run.stderr, sep="\n")
        return 1
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    documents, sources, rejects = (
        con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        for table in ("documents WHERE format = 'wet'", "sources", "rejects")
    )
    texts = dict(
        con.execute(
            "SELECT d.url, a.text FROM documents d JOIN articles a USING (doc_id)"
        ).fetchall()
    )
    con.close()
    first = written[: len(pages)]
    wet_score = evaluate([texts.get(url, "") for url, _ in first], [p.truth for p in pages])
    from cleaners import clean_text

    direct = evaluate([clean_text(p.text, url=p.url).text for p in pages], [p.truth for p in pages])
    print(f"WET file        {wet} ({wet.stat().st_size} bytes, {len(written)} records)")
    print(f"presswash run   {seconds:.1f} s")
    print(f"documents       {documents} (format wet)   sources {sources}   rejects {rejects}")
    print(f"documents == records: {documents == len(written)}")
    print(
        f"F1 on the {len(pages)} dev pages: WET through run {wet_score.f1:.3f}"
        f" (P {wet_score.precision:.3f} R {wet_score.recall:.3f});"
        f" clean_text on the dumps {direct.f1:.3f}"
        f" (P {direct.precision:.3f} R {direct.recall:.3f})"
    )
    return 0 if documents == len(written) and rejects == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
