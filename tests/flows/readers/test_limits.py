"""Each reader decision in one place: the size limit (`limits.MAX_BYTES`) and the magic
bytes (`sniff.COMPRESSION_MAGIC` and the container table in `sniff`).

Checked by walking the source with `ast`: a constant expression that equals the limit,
or a bytes literal that starts with a magic number, anywhere else is a second copy that
can drift from the first (as the CLI's `--max-mb 20.0` default once could).
"""

from __future__ import annotations

import ast
from pathlib import Path

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
