"""Find the input files under the paths a user gave, in a deterministic order.

Directories are walked depth-first by name. A symbolic link is followed only while it
stays inside the input folders, unless `follow_symlinks` asks for more: anyone who can
drop a link into a `serve` inbox must not make presswash read `/etc/passwd`.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path

from flows.readers.base import os_detail, path_uri
from schemas import Reject

__all__ = ["discover"]


def discover(
    paths: Sequence[str | Path], *, follow_symlinks: bool = False
) -> tuple[list[Path], list[Reject]]:
    """Expand input paths into files, recursively and in sorted (deterministic) order.

    A directory that is its own ancestor (a symlink loop) is rejected instead of walked
    forever. Each path appears once even if named twice.

    Args:
        paths: files and directories, as given by the user. A path named here is read
            even if it is a link; links found while walking must resolve inside one of
            these paths, else they are `outside_input`.
        follow_symlinks: follow links wherever they lead.

    Returns:
        `(files, rejects)`: readable regular files, and a `Reject` for each missing path
        (`not_found`), loop, unreadable directory or special file (`unreadable`), and
        link leading out of the inputs (`outside_input`).
    """
    roots = [Path(raw) for raw in paths]
    inside = None if follow_symlinks else [_resolved(root) for root in roots]
    files: list[Path] = []
    rejects: list[Reject] = []
    seen: set[str] = set()
    for root in roots:
        for item in _walk(root, inside):
            key = item.source_uri if isinstance(item, Reject) else str(item)
            if key in seen:
                continue
            seen.add(key)
            if isinstance(item, Reject):
                rejects.append(item)
            else:
                files.append(item)
    return files, rejects


def _walk(root: Path, inside: list[Path] | None) -> Iterator[Path | Reject]:
    """Yield the files under `root` depth-first by name, or a Reject for what cannot be
    walked. Iterative, so a very deep tree cannot exhaust Python's recursion limit."""
    stack: list[tuple[Path, frozenset[tuple[int, int]]]] = [(root, frozenset())]
    while stack:
        path, ancestors = stack.pop()
        if inside is not None and path is not root and path.is_symlink():
            escape = _outside(path, inside)
            if escape is not None:
                yield escape
                continue
        entry = _stat_entry(path)
        if not isinstance(entry, tuple):
            yield entry
            continue
        if entry in ancestors:
            detail = "symlink loop: directory is its own ancestor"
            yield Reject(path_uri(path), "unreadable", detail)
            continue
        try:
            with os.scandir(path) as entries:
                names = sorted(entry.name for entry in entries)
        except OSError as exc:
            yield Reject(path_uri(path), "unreadable", f"cannot list directory: {os_detail(exc)}")
            continue
        below = ancestors | {entry}
        stack.extend((path / name, below) for name in reversed(names))


def _outside(link: Path, inside: list[Path]) -> Reject | None:
    """An `outside_input` reject when `link` resolves outside every input path."""
    target = _resolved(link)
    if any(target == root or target.is_relative_to(root) for root in inside):
        return None
    detail = f"symbolic link to {target} leads out of the input folders (--follow-symlinks)"
    return Reject(path_uri(link), "outside_input", detail)


def _resolved(path: Path) -> Path:
    """The real path (links and `..` resolved), as far as it exists."""
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError):  # a link loop: keep the absolute path, stat will say
        return path.absolute()


def _stat_entry(path: Path) -> Path | Reject | tuple[int, int]:
    """A regular file as itself, a directory as its (device, inode), else a Reject."""
    try:
        info = path.stat()
    except FileNotFoundError:
        dangling = path.is_symlink()
        detail = f"dangling symlink to {os.readlink(path)}" if dangling else "no such file"
        return Reject(path_uri(path), "not_found", path_uri(detail))
    except OSError as exc:  # ELOOP, EACCES on a parent, ENAMETOOLONG
        return Reject(path_uri(path), "unreadable", os_detail(exc))
    if stat.S_ISREG(info.st_mode):
        return path
    if stat.S_ISDIR(info.st_mode):
        return (info.st_dev, info.st_ino)
    return Reject(path_uri(path), "unreadable", f"not a regular file ({file_kind(info.st_mode)})")


def file_kind(mode: int) -> str:
    """Name a non-regular file type for a reject's detail."""
    kinds = (
        (stat.S_ISDIR, "directory"),
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "char device"),
        (stat.S_ISBLK, "block device"),
    )
    return next((name for test, name in kinds if test(mode)), "unknown type")
