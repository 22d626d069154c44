"""What a run leaves in Prefect for the UI: log lines and a markdown artifact.

The CLI prints its own summary table; a served run has no terminal, so its record is
in Prefect: one log line per step through the run logger, and at the end a markdown
artifact with the counts, the rejects by reason and the largest clusters the run's
new articles joined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas import RunSummary
from warehouse import Warehouse

LARGEST_CLUSTERS = 5
"""Clusters listed per level in a run's artifact."""

ARTIFACT_KEY = "presswash-run"
"""One key for every run's artifact, so the UI shows them as one history."""

COUNT_LABELS = (
    ("files_seen", "files seen"),
    ("waiting", "waiting to settle"),
    ("new_documents", "new documents"),
    ("known_documents", "already loaded"),
    ("exact_duplicates", "exact duplicates"),
    ("rejected", "rejected"),
    ("articles", "articles"),
    ("near_clusters", "near-duplicate clusters"),
    ("story_clusters", "story clusters"),
    ("seconds", "seconds"),
)

NEW_CLUSTERS_SQL = """
SELECT c.{level}_cluster AS cluster,
       count(*) AS articles,
       count(*) FILTER (WHERE d.run_id = ?) AS new,
       count(DISTINCT a.site) AS sites,
       coalesce(max(a.title) FILTER (WHERE c.is_canonical), max(a.title)) AS title
FROM clusters c JOIN documents d USING (doc_id) JOIN articles a USING (doc_id)
GROUP BY 1
HAVING count(*) FILTER (WHERE d.run_id = ?) > 0
ORDER BY articles DESC, new DESC, cluster
LIMIT ?
"""


@dataclass(slots=True, frozen=True)
class NewCluster:
    """A cluster that gained articles in a run."""

    level: str
    cluster_id: str
    articles: int
    new: int
    sites: int
    title: str | None


def new_clusters(wh: Warehouse, run_id: str, limit: int = LARGEST_CLUSTERS) -> list[NewCluster]:
    """The largest near and story clusters that articles of `run_id` are in."""
    found = []
    for level in ("near", "story"):
        rows = wh.con.execute(
            NEW_CLUSTERS_SQL.format(level=level), [run_id, run_id, limit]
        ).fetchall()
        found += [NewCluster(level, cluster, articles, new, sites, title)
                  for cluster, articles, new, sites, title in rows]
    return found


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def run_markdown(summary: RunSummary, clusters: Sequence[NewCluster]) -> str:
    """The artifact's text: counts, rejects by reason, largest clusters with new articles."""
    lines = [f"# presswash run `{summary.run_id}`", "", "| count | value |", "|---|---:|"]
    for attr, label in COUNT_LABELS:
        lines.append(f"| {label} | {getattr(summary, attr)} |")
    lines += ["", "## Rejects by reason", ""]
    if summary.rejects_by_reason:
        lines += ["| reason | files |", "|---|---:|"]
        lines += [f"| {_cell(r)} | {n} |" for r, n in summary.rejects_by_reason.items()]
    else:
        lines.append("none")
    for level in ("near", "story"):
        chosen = [c for c in clusters if c.level == level]
        lines += ["", f"## Largest {level} clusters with new articles", ""]
        if not chosen:
            lines.append("none")
            continue
        lines += ["| cluster | articles | new | sites | title |", "|---|---:|---:|---:|---|"]
        lines += [
            f"| `{c.cluster_id[:12]}` | {c.articles} | {c.new} | {c.sites} | "
            f"{_cell(c.title or '')} |"
            for c in chosen
        ]
    return "\n".join(lines) + "\n"


def publish_run(wh: Warehouse, summary: RunSummary) -> None:
    """Log the run's outcome and leave its artifact (inside a flow run; else a no-op).

    `wh` is the run's own open warehouse: a second connection would cost another open
    and checkpoint of the file (a third of a no-op run's time in the flow).
    """
    from prefect.artifacts import create_markdown_artifact
    from prefect.context import FlowRunContext

    from flows.logs import run_logger

    log = run_logger()
    log.info(
        "run %s: %d files seen, %d new documents, %d rejected, %d waiting to settle, "
        "%d near and %d story clusters, %.1f s",
        summary.run_id, summary.files_seen, summary.new_documents, summary.rejected,
        summary.waiting, summary.near_clusters, summary.story_clusters, summary.seconds,
    )
    if FlowRunContext.get() is None:
        return
    create_markdown_artifact(
        markdown=run_markdown(summary, new_clusters(wh, summary.run_id)),
        key=ARTIFACT_KEY,
        description=f"presswash run {summary.run_id}",
    )
