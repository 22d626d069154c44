"""End-to-end pipeline throughput: the real Prefect flow into a real DuckDB file.

Builds a corpus from the benchmark's real pages (text dumps and HTML, each copied with
a numbered line so every file is a distinct document), then times `presswash run` with
1 and 2 workers, plus a second run over the same files (all already loaded).

    .venv/bin/python bench/pipeline_speed.py [--copies 8]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import shutil
import tempfile
import time
from pathlib import Path

DEV = Path(__file__).resolve().parents[2] / "shared" / "bench" / "extraction" / "dev"


def build_corpus(folder: Path, copies: int) -> int:
    n = 0
    for i in range(copies):
        for page in sorted((DEV / "text").glob("*.txt")):
            text = page.read_text(encoding="utf-8")
            (folder / f"{page.stem}_{i}.txt").write_text(f"{text}\nEdition {i}\n", encoding="utf-8")
            n += 1
        for page in sorted((DEV / "html").glob("*.html.gz")):
            html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
            (folder / f"{page.name[:-8]}_{i}.html").write_text(
                html.replace("</body>", f"<!-- edition {i} --></body>", 1), encoding="utf-8"
            )
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=8, help="copies of each dev page")
    args = parser.parse_args()

    import flows  # noqa: F401  (quiet Prefect defaults)
    from flows.pipeline import run_pipeline

    root = Path(tempfile.mkdtemp(prefix="presswash-speed-"))
    corpus = root / "corpus"
    corpus.mkdir()
    n = build_corpus(corpus, args.copies)
    print(f"corpus: {n} files ({args.copies} copies of {n // args.copies} dev pages), {root}")
    for workers in (1, 2):
        db = root / f"w{workers}.duckdb"
        started = time.perf_counter()
        first = run_pipeline([corpus], db=db, workers=workers)
        wall = time.perf_counter() - started
        started = time.perf_counter()
        second = run_pipeline([corpus], db=db, workers=workers)
        again = time.perf_counter() - started
        print(
            f"workers={workers}: first run {wall:6.1f} s wall ({first.seconds:.1f} s in flow) "
            f"= {n / first.seconds:6.1f} docs/s; articles {first.articles}, rejected "
            f"{first.rejected}; second run {again:5.1f} s wall, {second.new_documents} new"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")
    shutil.rmtree(root)


if __name__ == "__main__":
    main()
