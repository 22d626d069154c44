"""Every record the readers make of some inputs, one JSON line each; or compare two dumps.

Run it under two trees to check that a change of the readers changed no record (byte
fields and long strings are dumped as their sha256):

    git archive 31f70df | tar -x -C /tmp/old
    PYTHONPATH=/tmp/old .venv/bin/python bench/readers_dump.py seeds DEV/html DEV/text > old.jsonl
    PYTHONPATH=. .venv/bin/python bench/readers_dump.py seeds DEV/html DEV/text > new.jsonl
    .venv/bin/python bench/readers_dump.py --compare old.jsonl new.jsonl
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from dataclasses import fields
from pathlib import Path


def dump(paths: list[str]) -> None:
    from flows.readers import iter_inputs  # whichever tree is on PYTHONPATH

    for record in iter_inputs(paths):
        row = {}
        for f in fields(record):
            value = getattr(record, f.name)
            if isinstance(value, bytes):
                value = hashlib.sha256(value).hexdigest()
            elif isinstance(value, str) and len(value) > 200:
                value = hashlib.sha256(value.encode()).hexdigest()
            row[f.name] = value
        print(json.dumps(row, sort_keys=True, default=str))


def compare(old_path: str, new_path: str) -> int:
    old = [json.loads(line) for line in Path(old_path).read_text("utf-8").splitlines()]
    new = [json.loads(line) for line in Path(new_path).read_text("utf-8").splitlines()]
    same_order = [a["source_uri"] for a in old] == [b["source_uri"] for b in new]
    print(f"{len(old)} records before, {len(new)} after; same source_uri order: {same_order}")
    shared = set().union(*old) & set().union(*new)
    differing: Counter[str] = Counter()
    for a, b in zip(old, new, strict=False):
        differing.update(k for k in shared if a.get(k) != b.get(k))
    print(f"fields compared: {', '.join(sorted(shared))}")
    print(f"fields differing: {dict(differing) or 'none'}")
    print(f"fields only before: {sorted(set().union(*old) - shared)}; "
          f"only after: {sorted(set().union(*new) - shared)}")  # fmt: skip
    return 0 if same_order and not differing and len(old) == len(new) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--compare"]:
        raise SystemExit(compare(sys.argv[2], sys.argv[3]))
    dump(sys.argv[1:])
