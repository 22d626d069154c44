"""Every CLI command has help text and appears in the README."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from flows.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_is_in_the_readme() -> None:
    group = get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert {"run", "clean", "sql", "export", "clusters", "serve", "report"} <= set(names)
    for name in names:
        command = group.commands[name]  # type: ignore[attr-defined]
        assert (command.help or "").strip(), f"`presswash {name}` has no help"
        assert f"presswash {name}" in README, f"`presswash {name}` is not in the README"


def test_readme_opens_with_the_two_commands() -> None:
    head = README[:600]
    assert "make run" in head and "make test" in head
