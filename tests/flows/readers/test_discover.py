"""flows.readers discovery: walking, loops, special files, links out of the inputs, odd names."""

from __future__ import annotations

import os

from flows.readers import discover
from schemas import RawDocument
from tests.flows.readers.helpers import (
    read_all,
    tar_bytes,
    write,
)


def test_discover_walks_dirs_sorted_and_keeps_relative_paths(tmp_path, monkeypatch) -> None:
    for name in ("b/2.txt", "b/1.txt", "a.html", "c/d/e.txt"):
        write(tmp_path / "in" / name, "x")
    monkeypatch.chdir(tmp_path)
    files, bad = discover(["in", "in/a.html"])
    assert [str(p) for p in files] == ["in/a.html", "in/b/1.txt", "in/b/2.txt", "in/c/d/e.txt"]
    assert bad == []


def test_discover_rejects_missing_and_dangling_paths(tmp_path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    files, bad = discover([tmp_path / "missing.txt", tmp_path / "dangling"])
    assert files == []
    assert [(r.reason, "dangling" in r.detail) for r in bad] == [
        ("not_found", False),
        ("not_found", True),
    ]


def test_discover_survives_symlink_loops(tmp_path) -> None:
    write(tmp_path / "d" / "ok.txt", "x")
    (tmp_path / "d" / "self").symlink_to(tmp_path / "d" / "self")
    (tmp_path / "d" / "up").symlink_to(tmp_path / "d", target_is_directory=True)
    files, bad = discover([tmp_path / "d"])
    assert files == [tmp_path / "d" / "ok.txt"]
    assert sorted(r.source_uri.rsplit("/", 1)[1] for r in bad) == ["self", "up"]
    assert {r.reason for r in bad} == {"unreadable"}


def test_discover_rejects_special_files(tmp_path) -> None:
    os.mkfifo(tmp_path / "pipe")
    files, bad = discover([tmp_path])
    assert files == []
    assert [(r.reason, r.detail) for r in bad] == [("unreadable", "not a regular file (fifo)")]


def test_unlistable_directory_is_rejected_simulated(tmp_path, monkeypatch) -> None:
    write(tmp_path / "locked" / "a.txt", "x")
    real_scandir = os.scandir

    def scandir(path):  # the effect of chmod 000 on a directory, even for root
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, bad = discover([tmp_path])
    assert files == []
    assert [r.reason for r in bad] == ["unreadable"]
    assert "Permission denied" in bad[0].detail


def test_discover_survives_a_very_deep_tree(tmp_path) -> None:
    deep = tmp_path
    for _ in range(600):  # a recursive walk (2 frames a level) would pass the recursion
        deep = deep / "d"  # limit; shutil.rmtree (1 frame a level) can still clean it up
        deep.mkdir()
    (deep / "x.txt").write_text("deep")
    try:
        files, bad = discover([tmp_path])
        assert (files, bad) == ([deep / "x.txt"], [])
    finally:  # shutil.rmtree (pytest's cleanup) recurses too: take the tree down here
        (deep / "x.txt").unlink()
        while deep != tmp_path:
            deep.rmdir()
            deep = deep.parent


def test_a_file_name_that_is_not_utf8_is_read_and_its_source_escaped(tmp_path) -> None:
    """Fault on 31f70df: `caf\\xe9.txt` made every run abort writing its source."""
    name = os.fsdecode(b"caf\xe9.txt")
    write(tmp_path / "in" / name, "Un article sur le caf\xe9 du coin.")
    files, bad = discover([tmp_path / "in"])
    assert bad == [] and len(files) == 1
    [doc] = read_all(files[0])
    assert isinstance(doc, RawDocument)
    assert doc.source_uri == f"{tmp_path}/in/caf\\xe9.txt"
    assert doc.source_uri.encode("utf-8")  # storable: no lone surrogates


def test_a_member_name_that_is_not_utf8_is_escaped(tmp_path) -> None:
    data = tar_bytes({os.fsdecode(b"dir/\xff.txt"): b"tar member text"})
    [doc] = read_all(write(tmp_path / "t.tar", data))
    assert doc.source_uri == f"{tmp_path}/t.tar!dir/\\xff.txt"


def test_links_out_of_the_inputs_are_rejected_unless_followed(tmp_path) -> None:
    secret = write(tmp_path / "outside" / "passwd", "root:x:0:0")
    write(tmp_path / "outside" / "more" / "a.txt", "outside text")
    inbox = tmp_path / "inbox"
    write(inbox / "ok.txt", "inside text")
    write(inbox / "sub" / "b.txt", "inside too")
    (inbox / "passwd").symlink_to(secret)
    (inbox / "dir").symlink_to(tmp_path / "outside" / "more", target_is_directory=True)
    (inbox / "inside.txt").symlink_to(inbox / "sub" / "b.txt")
    files, bad = discover([inbox])
    assert files == [inbox / "inside.txt", inbox / "ok.txt", inbox / "sub" / "b.txt"]
    assert [(r.source_uri, r.reason) for r in bad] == [
        (str(inbox / "dir"), "outside_input"),
        (str(inbox / "passwd"), "outside_input"),
    ]
    assert all("--follow-symlinks" in r.detail for r in bad)
    followed, none = discover([inbox], follow_symlinks=True)
    assert none == [] and inbox / "passwd" in followed and inbox / "dir" / "a.txt" in followed


def test_a_link_named_on_the_command_line_is_read(tmp_path) -> None:
    target = write(tmp_path / "elsewhere" / "page.txt", "text")
    (tmp_path / "link.txt").symlink_to(target)
    assert discover([tmp_path / "link.txt"]) == ([tmp_path / "link.txt"], [])
