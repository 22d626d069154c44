"""End-to-end pipeline throughput: the real Prefect flow into a real DuckDB file.

Builds a corpus from the benchmark's real pages (text dumps and HTML, each copy with a
numbered paragraph of its own appended, so every file is a distinct document), then, in
each round and on the same files:

- the bare loop: `cleaners.clean()` over every file in this process, nothing else;
- `presswash run` into an empty warehouse with `--workers 1`, then `--workers 2`
  (the whole run: read, clean, sign, load, site templates, dedup);

and prints docs/s and each run's ratio to the bare loop of the same round. Rounds are
repeated because the machine is shared: read the median ratio and its spread.

    PYTHONPATH=. .venv/bin/python bench/pipeline_speed.py [--docs 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gzip
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

DEV = Path("/work/shared/bench/extraction/dev")
"""127 real pages as HTML and as text dumps (see its DATA.md); read in place, never copied."""

WORDS_TEXT = (
    "council budget harbour minister vote river bridge school hospital court rail market "
    "farmers storm election museum festival police union airport energy water tax report "
    "league coach season village mayor grant housing"
)
WORDS = WORDS_TEXT.split()


def pages() -> list[tuple[str, str, str]]:
    """(name, markup, text) of every dev page: 127 text dumps and 127 HTML pages."""
    out = [(p.stem, "text", p.read_text(encoding="utf-8")) for p in sorted(DEV.glob("text/*.txt"))]
    for page in sorted(DEV.glob("html/*.html.gz")):
        html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        out.append((page.name.removesuffix(".html.gz"), "html", html))
    return out


def numbered_paragraph(copy: int, page: int) -> str:
    """A sentence of its own for each copy, so copies are distinct but still near-dups."""
    rng = random.Random(copy * 1_000_003 + page)
    words = " ".join(rng.choice(WORDS) for _ in range(18))
    return f"Update {copy}: the {words} story continues."


def build_corpus(folder: Path, n_docs: int) -> list[tuple[Path, str]]:
    """Write `n_docs` files cycling over the dev pages; returns (file, markup) per file."""
    source = pages()
    files: list[tuple[Path, str]] = []
    for n in range(n_docs):
        copy, index = divmod(n, len(source))
        name, markup, text = source[index]
        line = numbered_paragraph(copy, index)
        if markup == "html":
            path = folder / f"{name}_{copy}.html"
            path.write_text(text.replace("</body>", f"<p>{line}</p></body>", 1), "utf-8")
        else:
            path = folder / f"{name}_{copy}.txt"
            path.write_text(f"{text}\n\n{line}\n", encoding="utf-8")
        files.append((path, markup))
    return files


def bare_loop(files: list[tuple[Path, str]]) -> float:
    """Seconds for `clean()` over every file, read from disk, in this process."""
    from cleaners import clean

    started = time.perf_counter()
    for path, markup in files:
        clean(path.read_bytes(), fmt=markup)  # type: ignore[arg-type]
    return time.perf_counter() - started


def timed_run(corpus: Path, db: Path, workers: int) -> tuple[float, int]:
    """Wall seconds of one `presswash run` flow into an empty `db`, and its articles."""
    from flows.pipeline import run_pipeline

    started = time.perf_counter()
    summary = run_pipeline([corpus], db=db, workers=workers)
    return time.perf_counter() - started, summary.articles


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the corpus")
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of the three runs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    import flows  # noqa: F401  (quiet Prefect defaults)
    from flows.pipeline import run_pipeline

    root = Path(tempfile.mkdtemp(prefix="presswash-speed-"))
    corpus = root / "corpus"
    corpus.mkdir()
    files = build_corpus(corpus, args.docs)
    n = len(files)
    print(f"corpus: {n} files from {len(pages())} dev pages, {root}")
    run_pipeline([], db=root / "warmup.duckdb")  # starts Prefect's server: not timed
    ratios: dict[int, list[float]] = {1: [], 2: []}
    rates: dict[str, list[float]] = {"bare": [], "w1": [], "w2": []}
    try:
        for round_no in range(1, args.rounds + 1):
            bare = bare_loop(files)
            line = [f"round {round_no}: bare loop {n / bare:6.1f} docs/s"]
            rates["bare"].append(n / bare)
            for workers in (1, 2):
                db = root / f"r{round_no}w{workers}.duckdb"
                wall, articles = timed_run(corpus, db, workers)
                rates[f"w{workers}"].append(n / wall)
                ratios[workers].append(bare / wall)
                line.append(
                    f"workers {workers} {n / wall:6.1f} docs/s ({bare / wall:.2f}x, "
                    f"{articles} articles)"
                )
                db.unlink()
            print("; ".join(line), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(root)
    print(f"bare loop docs/s: {spread(rates['bare'])}")
    for workers in (1, 2):
        print(
            f"workers {workers}: docs/s {spread(rates[f'w{workers}'])}; "
            f"ratio to the bare loop {spread(ratios[workers])}"
        )


if __name__ == "__main__":
    main()
