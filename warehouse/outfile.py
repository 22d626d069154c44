"""An output file (`export -o`, `report -o`) is written whole or not at all.

The data goes to a temporary file next to the target, renamed over it once complete:
a place that cannot be written fails before any work is done, and a full disk leaves
no half-written export behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from warehouse.errors import PresswashError, storage_failure


class OutputUnwritable(PresswashError):
    """The output file's place is missing, not a folder, or refuses writes."""


@contextmanager
def open_output(path: str | Path) -> Iterator[BinaryIO]:
    """A binary file handle whose data replaces `path` when the block completes.

    Raises:
        OutputUnwritable: the folder is missing or not a folder, or `path` is a folder.
        StorageFailure, DiskFull: the file system refused the write.
    """
    out = Path(path)
    parent = out.parent
    if out.is_dir():
        raise OutputUnwritable(f"cannot write {out}: it is a directory")
    if not parent.exists():
        raise OutputUnwritable(f"cannot write {out}: no such directory {parent}")
    if not parent.is_dir():
        raise OutputUnwritable(f"cannot write {out}: {parent} is not a directory")
    try:
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{out.name}.", suffix=".part")
    except OSError as exc:
        raise _refusal(exc, out) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, out)
    except OSError as exc:
        _remove(tmp)
        raise _refusal(exc, out) from None
    except BaseException:
        _remove(tmp)
        raise


def _refusal(exc: OSError, out: Path) -> Exception:
    # the temporary file's name means nothing to the user: name the target instead
    return storage_failure(OSError(exc.errno, exc.strerror), out) or OutputUnwritable(
        f"cannot write {out}: {exc.strerror or exc}"
    )


def _remove(tmp: str) -> None:
    with suppress(FileNotFoundError):
        os.unlink(tmp)


def _umask() -> int:
    """The process umask, read without setting it (os.umask would race other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022
