"""Writing a changed source file back to disk, atomically.

Whatever rewrites a user's file (`--fix`, `--add-noqa`) goes through here, so
that a crash, a full disk or a second process never leaves half a file
behind: the new text goes to a temporary file in the same folder (same file
system, so the rename is atomic), is flushed and fsynced, takes the old
file's permission bits, and is renamed over the old file. Text that no
longer parses is refused before anything is written: a fixer's bug must
cost the user a message, never their file.
"""
from __future__ import annotations

import ast
import os
import stat
import warnings
from typing import Union

# json and tempfile are imported where they are used: a run that writes
# nothing (most runs) does not pay for them.

PathLike = Union[str, "os.PathLike[str]"]


class RefusedWrite(Exception):
    """The new text does not parse; nothing was written."""


def check_parses(text: str, path: PathLike) -> None:
    """Raise `RefusedWrite` unless `text` is valid for the kind of file `path` is:
    Python source, or for `.ipynb` a notebook `notebook.read_notebook` reads."""
    if str(path).endswith(".ipynb"):
        # the reader's own check, so that what is written is what a next run reads
        from dllint.notebook import MalformedNotebook, read_notebook

        try:
            read_notebook(text)
        except MalformedNotebook as error:
            raise RefusedWrite(f"the notebook would be malformed: {error}") from None
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(text)
        except (SyntaxError, ValueError) as error:
            raise RefusedWrite(f"the new text would not parse: {error}") from None


def write_bytes_atomically(path: PathLike, data: bytes) -> None:
    """Replace the file at `path` by `data` in one rename, keeping its mode.

    A symbolic link is followed: the file it points to is replaced, the link
    stays a link."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(target) + ".", suffix=".dllint-tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _fsync_folder(folder)


def write_text_atomically(path: PathLike, text: str, *, encoding: str = "utf-8", bom: bool = False) -> None:
    """Check that `text` parses (see `check_parses`), then write it atomically.

    The text is written as given: line endings are the caller's (keep the
    file's own), and `encoding` / `bom` should be what the file was read with.
    """
    check_parses(text, path)
    data = text.encode(encoding)
    if bom and encoding.replace("-", "").replace("_", "").lower() in ("utf8", "utf8sig"):
        data = b"\xef\xbb\xbf" + data
    write_bytes_atomically(path, data)


def _fsync_folder(folder: str) -> None:
    """Make the rename itself durable (not possible on every platform)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


__all__ = ["RefusedWrite", "check_parses", "write_bytes_atomically", "write_text_atomically"]
