"""Each reader decision in one place: the size limit (`limits.MAX_BYTES`) and the magic
bytes (`sniff.COMPRESSION_MAGIC` and the container table in `sniff`).

Checked by walking the source with `ast`: a constant expression that equals the limit,
or a bytes literal that starts with a magic number, anywhere else is a second copy that
can drift from the first (as the CLI's `--max-mb 20.0` default once could).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.readers.limits import MAX_BYTES
from flows.readers.sniff import COMPRESSION_MAGIC

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("cleaners", "flows", "schemas", "warehouse")
MAGIC = (*COMPRESSION_MAGIC.values(), b"PK\x03\x04", b"PAR1")


def constants(path: Path) -> list[tuple[int, object]]:
    """(line, value) of every constant and every all-constant arithmetic expression."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant | ast.BinOp):
            try:
                value = eval(compile(ast.Expression(node), str(path), "eval"), {"__builtins__": {}})
            except Exception:  # a BinOp over names: not a constant
                continue
            found.append((node.lineno, value))
    return found


def places(wanted) -> set[str]:
    return {
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, value in constants(path)
        if wanted(value)
    }


def megabyte_defaults(path: Path) -> list[tuple[int, object]]:
    """(line, value) of every constant default of a parameter named in MB (`max_mb`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = [*node.args.posonlyargs, *node.args.args]
            positional = args[len(args) - len(node.args.defaults) :]
            pairs = [
                *zip(positional, node.args.defaults, strict=True),
                *zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True),
            ]
            found += [
                (default.lineno, default.value)
                for arg, default in pairs
                if "mb" in arg.arg.split("_") and isinstance(default, ast.Constant)
            ]
    return found


def test_the_size_limit_is_written_once() -> None:
    assert places(lambda v: type(v) is int and v == MAX_BYTES) == {"flows/readers/limits.py:27"}
    in_mb = {
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, value in megabyte_defaults(path)
        if value is not None
    }
    assert in_mb == set()  # `--max-mb` defaults to None: the readers' limit


def test_the_magic_bytes_are_written_once() -> None:
    def is_magic(value: object) -> bool:
        return isinstance(value, bytes) and any(value.startswith(m) for m in MAGIC)

    assert {p.split(":")[0] for p in places(is_magic)} == {"flows/readers/sniff.py"}


def test_the_cli_default_is_the_readers_limit() -> None:
    result = CliRunner().invoke(app, ["run", "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert f"default {MAX_BYTES / 2**20:g}, the readers' limit" in " ".join(result.output.split())


def _wrap(kind: str, data: bytes, inner: str) -> tuple[bytes, str]:
    """`data` (named `inner`) inside one container of `kind`; the container's name."""
    import bz2
    import gzip
    import io
    import lzma
    import tarfile
    import zipfile

    import zstandard

    if kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(inner, data)
        return buffer.getvalue(), inner + ".zip"
    if kind == "tar":
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            info = tarfile.TarInfo(inner)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue(), inner + ".tar"
    pack = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress,
            "zst": zstandard.ZstdCompressor().compress}[kind]  # fmt: skip
    return pack(data), f"{inner}.{kind}"


KINDS = ("gz", "bz2", "xz", "zst", "zip", "tar")


@pytest.mark.parametrize("outer", KINDS)
@pytest.mark.parametrize("inner", KINDS)
def test_one_nesting_guard_for_every_kind_of_container(tmp_path, outer: str, inner: str) -> None:
    """Compression and archives nest through one guard (`dispatch._read_as`): any mix,
    `max_nesting` levels deep, is read; one level more is one `archive_bomb`."""
    from flows.readers import Limits, read_file
    from schemas import RawDocument, Reject

    limits = Limits(max_nesting=2)
    page = b"A plain page of text that is long enough to be a page.\n"
    two, name = _wrap(outer, *_wrap(inner, page, "page.txt"))
    three, name3 = _wrap(outer, *_wrap(inner, *_wrap(outer, page, "page.txt")))
    (tmp_path / name).write_bytes(two)
    (tmp_path / name3).write_bytes(three)
    ok = list(read_file(tmp_path / name, limits=limits))
    assert [type(r) for r in ok] == [RawDocument] and ok[0].raw_bytes == page
    deep = list(read_file(tmp_path / name3, limits=limits))
    assert [(type(r), r.reason) for r in deep if isinstance(r, Reject)] == [
        (Reject, "archive_bomb")
    ]
    assert len(deep) == 1 and "nested deeper than 2" in deep[0].detail


def test_the_nesting_guard_is_called_in_one_place() -> None:
    """`nesting_refusal` is asked only by `Context.too_deep`, and that only by the
    dispatcher: no reader keeps a depth check of its own."""

    def calls(name: str) -> set[str]:
        found = set()
        for package in PACKAGES:
            for path in sorted((ROOT / package).rglob("*.py")):
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                    if isinstance(node, ast.Call):
                        func = node.func
                        called = func.attr if isinstance(func, ast.Attribute) else getattr(
                            func, "id", None
                        )
                        if called == name:
                            found.add(str(path.relative_to(ROOT)))
        return found

    assert calls("nesting_refusal") == {"flows/readers/base.py"}
    assert calls("too_deep") == {"flows/readers/dispatch.py"}
    assert calls("check_nesting") == {"flows/readers/base.py"}  # the markup guard, once
