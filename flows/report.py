"""A self-contained HTML report of a warehouse: runs, clusters, and edits between copies.

One file with inline CSS and no scripts or external assets, so it can be mailed or
archived and still open years later.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Literal

from cleaners.compare import compare_texts
from warehouse import Warehouse

MAX_CLUSTERS = 50
"""Largest clusters shown per level; a report is read, not searched."""

MAX_SENTENCES = 8
"""Added/dropped sentences shown per copy before "and N more"."""

CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top;font-size:.9em}
th{background:#f5f5f5}.num{text-align:right}.canon{font-weight:600}
.add{color:#0a6b2f}.drop{color:#a11}.muted{color:#777}
details{margin:.6em 0;padding:.4em .8em;border:1px solid #e3e3e3;border-radius:4px}
summary{cursor:pointer}
"""


def render_report(wh: Warehouse) -> str:
    """The whole report as one HTML string."""
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<title>presswash report</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>presswash report</h1><p class=muted>warehouse {escape(str(wh.path))}</p>",
        _totals(wh),
        _runs(wh),
        _rejects(wh),
        _clusters(wh, "near"),
        _clusters(wh, "story"),
        "</body></html>",
    ]
    return "\n".join(parts)


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"<td class=num>{value}</td>"
    return f"<td>{escape('' if value is None else str(value))}</td>"


def _totals(wh: Warehouse) -> str:
    rows = [[t, wh.count(t)] for t in
            ("documents", "articles", "removed_lines", "rejects", "unique_articles", "stories")]
    return "<h2>Totals</h2>" + _table(["table", "rows"], rows)


def _runs(wh: Warehouse) -> str:
    runs = wh.arrow(
        "SELECT run_id, status, started_at, finished_at, counts FROM runs "
        "ORDER BY started_at DESC LIMIT 100"
    ).to_pylist()
    rows = []
    for r in runs:
        counts = json.loads(r["counts"]) if r["counts"] else {}
        rows.append([
            r["run_id"], r["status"], str(r["started_at"])[:19],
            counts.get("files_seen", ""), counts.get("new_documents", ""),
            counts.get("rejected", ""), counts.get("articles", ""),
            counts.get("seconds", ""),
        ])
    headers = ["run", "status", "started (UTC)", "files", "new docs", "rejected", "articles", "s"]
    return "<h2>Run history</h2>" + _table(headers, rows)


def _rejects(wh: Warehouse) -> str:
    rows = wh.arrow(
        "SELECT reason, count(*) AS n, any_value(source_uri) AS example, "
        "any_value(detail) AS detail FROM rejects GROUP BY reason ORDER BY n DESC"
    ).to_pylist()
    if not rows:
        return "<h2>Rejects</h2><p class=muted>none</p>"
    return "<h2>Rejects</h2>" + _table(
        ["reason", "inputs", "example", "detail"],
        [[r["reason"], r["n"], r["example"], r["detail"]] for r in rows],
    )


def _clusters(wh: Warehouse, level: Literal["near", "story"]) -> str:
    found = wh.clusters(level)
    title = {"near": "Near-duplicate clusters", "story": "Story clusters"}[level]
    if not found:
        return f"<h2>{title}</h2><p class=muted>no cluster with more than one article</p>"
    texts = _texts(wh, [m.doc_id for c in found[:MAX_CLUSTERS] for m in c.members])
    out = [f"<h2>{title} ({len(found)})</h2>"]
    for cluster in found[:MAX_CLUSTERS]:
        canon = next((m for m in cluster.members if m.is_canonical), cluster.members[0])
        out.append(
            f"<details><summary><b>{escape(canon.title or canon.doc_id[:12])}</b> "
            f"<span class=muted>{len(cluster.members)} articles, "
            f"{len(cluster.sites)} sites</span></summary>"
        )
        for m in cluster.members:
            cls = " class=canon" if m is canon else ""
            out.append(
                f"<p{cls}>{escape(m.site or '-')} · {escape(m.published_at or 'undated')} · "
                f"{escape(m.title or '')} <span class=muted>{m.doc_id[:12]} "
                f"similarity {m.similarity:.2f}</span></p>"
            )
            if m is not canon and level == "near":
                out.append(_changes(texts.get(canon.doc_id, ""), texts.get(m.doc_id, "")))
        out.append("</details>")
    return "\n".join(out)


def _changes(canonical: str, copy: str) -> str:
    changes = compare_texts(canonical, copy)
    if not changes.added and not changes.dropped:
        return "<p class=muted>&nbsp;&nbsp;same sentences as the canonical copy</p>"
    items = [f"<li class=add>+ {escape(s)}</li>" for s in changes.added[:MAX_SENTENCES]]
    if len(changes.added) > MAX_SENTENCES:
        items.append(f"<li class=muted>and {len(changes.added) - MAX_SENTENCES} more added</li>")
    items += [f"<li class=drop>− {escape(s)}</li>" for s in changes.dropped[:MAX_SENTENCES]]
    if len(changes.dropped) > MAX_SENTENCES:
        items.append(
            f"<li class=muted>and {len(changes.dropped) - MAX_SENTENCES} more dropped</li>"
        )
    return f"<ul>{''.join(items)}</ul>"


def _texts(wh: Warehouse, doc_ids: list[str]) -> dict[str, str]:
    if not doc_ids:
        return {}
    placeholders = ", ".join("?" for _ in doc_ids)
    table = wh.arrow(f"SELECT doc_id, text FROM articles WHERE doc_id IN ({placeholders})", doc_ids)
    return dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))
