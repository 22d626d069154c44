"""Scheduled runs over an inbox folder, served by Prefect.

"Only new files" needs no bookkeeping of its own: documents are keyed by the sha256
of their bytes, so a scheduled run over the whole inbox skips every file already
loaded (without cleaning it again) and processes only what arrived since.
"""

from __future__ import annotations

from pathlib import Path

from flows.pipeline import pipeline


def serve(inbox: str | Path, *, cron: str, db: str | Path | None = None) -> None:
    """Block, running the pipeline over `inbox` on the `cron` schedule until interrupted."""
    pipeline.serve(
        name="presswash-inbox",
        cron=cron,
        parameters={"paths": [str(Path(inbox).resolve())], "db": str(db) if db else None},
        description=f"presswash over {inbox}",
    )
