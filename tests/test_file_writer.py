"""The atomic writer that `--fix` (and every other rewrite of a user's file) uses."""
import os
import stat

import pytest

from dllint.file_writer import RefusedWrite, write_bytes_atomically, write_text_atomically


def test_replaces_the_file_and_keeps_its_mode(tmp_path):
    path = tmp_path / "train.py"
    path.write_text("x = 1\n")
    os.chmod(path, 0o754)
    write_text_atomically(path, "x = 2\r\n")
    assert path.read_bytes() == b"x = 2\r\n"  # line endings as given
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o754
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]  # no temporary file left


def test_refuses_python_that_does_not_parse_and_leaves_the_file(tmp_path):
    path = tmp_path / "train.py"
    path.write_text("x = 1\n")
    with pytest.raises(RefusedWrite):
        write_text_atomically(path, "x = (\n")
    assert path.read_text() == "x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]


def test_refuses_a_notebook_that_is_not_one(tmp_path):
    path = tmp_path / "nb.ipynb"
    path.write_text('{"cells": []}')
    with pytest.raises(RefusedWrite):
        write_text_atomically(path, '{"cells": [}')
    with pytest.raises(RefusedWrite):
        write_text_atomically(path, '{"nbformat": 4}')
    write_text_atomically(path, '{"cells": [], "nbformat": 4}')
    assert path.read_text() == '{"cells": [], "nbformat": 4}'


def test_keeps_the_byte_order_mark_and_follows_links(tmp_path):
    real = tmp_path / "real.py"
    real.write_bytes(b"\xef\xbb\xbfx = 1\n")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    write_text_atomically(link, "x = 'é'\n", bom=True)
    assert link.is_symlink()
    assert real.read_bytes() == "\ufeffx = 'é'\n".encode("utf-8")


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "train.py"
    path.write_text("x = 1\n")

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_bytes_atomically(path, b"x = 2\n")
    assert path.read_text() == "x = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["train.py"]
