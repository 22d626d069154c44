"""Every expected failure of presswash's warehouse layer, as a named exception.

Kept apart from `warehouse.db` so that the CLI can catch them without importing DuckDB
(`presswash --help` starts faster). Each message is one line the CLI prints as is.
"""

from __future__ import annotations

import errno
import re
import sys
from pathlib import Path


class PresswashError(Exception):
    """An expected failure the CLI turns into one line on stderr."""


class DatabaseLocked(PresswashError):
    """Another process holds the database longer than we are willing to wait."""


class NotADuckDB(PresswashError):
    """The path exists but is not a DuckDB database (or is corrupt)."""


class NotAWarehouse(PresswashError):
    """A DuckDB database that presswash did not create; it is never written to."""


class NewerSchema(PresswashError):
    """A warehouse written by a newer presswash than this one."""


class DatabaseMissing(PresswashError):
    """A read-only command was pointed at a database that does not exist yet."""


class BadDatabasePath(PresswashError):
    """`--db` names something that cannot hold a database: a directory, a FIFO, a path
    under a regular file."""


class StorageFailure(PresswashError):
    """The operating system refused a write: permissions, a read-only file system."""


class DiskFull(StorageFailure):
    """No space left on the device (or quota) while writing."""


_OS_REFUSALS: tuple[tuple[int, str, type[StorageFailure]], ...] = (
    (errno.ENOSPC, "No space left on device", DiskFull),
    (errno.EDQUOT, "Disk quota exceeded", DiskFull),
    (errno.EROFS, "Read-only file system", StorageFailure),
    (errno.EACCES, "Permission denied", StorageFailure),
    (errno.EPERM, "Operation not permitted", StorageFailure),
    (errno.EFBIG, "File too large", StorageFailure),
)
"""errno, the text DuckDB puts in its message for it, and the error it becomes."""

_DUCKDB_FILE = re.compile(r'(?:file|directory) "([^"]+)"')


def storage_failure(exc: BaseException, path: str | Path | None = None) -> StorageFailure | None:
    """The named error for an OS refusal (raised by Python or reported by DuckDB), or None.

    Args:
        exc: any exception; only OS refusals of a write are translated.
        path: the file being written, when the exception does not name it.
    """
    if isinstance(exc, StorageFailure):
        return exc
    if isinstance(exc, OSError):
        for code, _, kind in _OS_REFUSALS:
            if exc.errno == code:
                where = exc.filename if exc.filename is not None else path
                return kind(_refusal_message(code, where))
        return None
    duckdb = sys.modules.get("duckdb")  # not imported: the exception cannot be DuckDB's
    if duckdb is not None and isinstance(exc, duckdb.Error):
        text = str(exc)
        for code, phrase, kind in _OS_REFUSALS:
            if phrase.lower() in text.lower():
                named = _DUCKDB_FILE.search(text)
                return kind(_refusal_message(code, named.group(1) if named else path))
    return None


def _refusal_message(code: int, where: str | Path | None) -> str:
    target = f" {where}" if where is not None else ""
    if code in (errno.ENOSPC, errno.EDQUOT):
        what = "no space left on device" if code == errno.ENOSPC else "disk quota exceeded"
        return f"{what} writing{target} (free some space and run again)"
    reason = {
        errno.EROFS: "read-only file system",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.EFBIG: "file too large for this file system or limit",
    }[code]
    return f"cannot write{target}: {reason}"
