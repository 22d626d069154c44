"""Input readers: find input files, open them, and turn each unit into a record.

One file may hold many units (WARC records, JSONL lines, Parquet rows, archive
members); every unit comes out as exactly one `RawDocument` or one `Reject`, or is
*skipped and counted* in a `Tally` (WARC request/metadata records, non-HTML responses,
WET `warcinfo`, blank JSONL lines, tar links), so a run's summary adds up:

    tally.units == tally.documents + sum(tally.rejects.values()) + sum(tally.skipped.values())

The API is small: `discover(paths) -> (files, rejects)` and
`read_file(path, *, max_bytes, tally)`, iterating `RawDocument | Reject`. Formats are
recognised by content (`sniff`); compression and archives nest (`.warc.gz`,
`.jsonl.zst`, `.tar.gz`, a zip inside a tar). One module per format over `base`:

- `dispatch`: format -> reader, and the accounting; `sniff`: magic bytes and markup;
- `limits`: the size limit and bomb limits; `streams`: decompression and guards;
- `discover`; `pages`, `jsonl`, `warc`, `wet`, `parquet`, `archives`, and `records`
  (WARC record framing, shared by `warc` and `wet`);
- `spans`: a run's pieces of input (a whole file, or a Parquet file's rows or a plain
  JSONL file's lines by range) and its batches of them.

`source_uri` addressing:

- a file: the path as discovered (`seeds/000_x.txt`, relative if given relative;
  bytes that are not UTF-8 escaped as `\\xNN`);
- compression is transparent: `page.html.gz`, `dump.jsonl.gz#L3`;
- archive members: `archive.zip!path/in/archive` (nesting: `a.tar!b.zip!c.html`);
- WARC and WET records: `crawl.warc.gz#urn:uuid:...` (the WARC-Record-ID without `<>`),
  or `#offset-N` when a record has no id;
- JSONL lines: `dump.jsonl#L7` (1-based); Parquet rows: `dump.parquet#row-6` (0-based);
- damage: `container#offset-N` (bytes into the stream where the damage starts).

Expected failures are `Reject`s (reasons from `schemas.REJECT_REASONS`); anything else
is a bug and raises, with a note naming the input.
"""

from flows.readers.base import Source, Tally
from flows.readers.discover import discover
from flows.readers.dispatch import READERS, iter_inputs, read_file, read_stream
from flows.readers.limits import MAX_BYTES, Limits

__all__ = [
    "MAX_BYTES",
    "READERS",
    "Limits",
    "Source",
    "Tally",
    "discover",
    "iter_inputs",
    "read_file",
    "read_stream",
]
