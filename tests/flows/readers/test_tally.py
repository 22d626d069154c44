"""The one `Tally`: readers count units with it, and the pipeline counts a run with it."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from flows.readers import Tally
from flows.readers.base import Tally as BaseTally
from schemas import Batch, LoadCounts, RawDocument, Reject

REASONS = ("empty", "binary", "parse_error", "no_content")


def make_doc(i: int) -> RawDocument:
    return RawDocument(
        doc_id=f"{i:064x}", source_uri=f"f{i}.txt", format="text", markup="text",
        raw_bytes=b"x", raw_text="x", encoding="utf-8",
    )  # fmt: skip


def test_there_is_one_tally() -> None:
    import flows.pipeline

    assert Tally is BaseTally
    assert flows.pipeline.Tally is BaseTally  # the run's counts are the readers' class


units = st.lists(st.one_of(st.integers(0, 10**6), st.sampled_from(REASONS)), max_size=60)


@given(units, st.lists(st.integers(1, 10), max_size=20), st.data())
def test_a_run_counted_by_batches_adds_up(
    items: list[int | str], cuts: list[int], data: st.DataObject
) -> None:
    records = [make_doc(i) if isinstance(i, int) else Reject(f"r{k}", i, "d")
               for k, i in enumerate(items)]  # fmt: skip
    run = Tally(files=len(records), waiting=2)
    direct = Tally()
    start, new_total = 0, 0
    for size in [*cuts, len(records)]:
        part = records[start : start + size]
        start += size
        batch = Batch(
            documents=[r for r in part if isinstance(r, RawDocument)],
            rejects=[r for r in part if isinstance(r, Reject)],
        )
        new = data.draw(st.integers(0, len(batch.documents)))
        new_total += new
        run.loaded(batch, LoadCounts(new_documents=new, articles=new))
        for record in part:
            direct.count(record)
        if start >= len(records):
            break
    run.skipped.update({"warc:request": 3})
    summary = run.summary("r", {"near_clusters": 1})
    assert (run.documents, run.rejects) == (direct.documents, direct.rejects)
    assert summary.inputs == len(records)
    assert summary.inputs == summary.new_documents + summary.known_documents + summary.rejected
    assert summary.new_documents == summary.articles == new_total
    assert summary.rejects_by_reason == dict(sorted(Counter(
        r.reason for r in records if isinstance(r, Reject)).items()))  # fmt: skip
    assert (summary.files_seen, summary.skipped, summary.waiting) == (len(records), 3, 2)
    assert run.units == len(records) + 3
