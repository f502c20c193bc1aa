"""What editors rely on, end to end through the installed `dllint` command:
source piped on stdin under the buffer's file name, and output that the
problem-matcher patterns in docs/editors.md parse.

The patterns are copied here from docs/editors.md (a test checks that the
document still holds them) and tried on real output. VS Code's problem
matchers use JavaScript regular expressions; these patterns use only syntax
that Python's `re` reads the same way.
"""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "editors.md"

# VS Code tasks.json problemMatcher.pattern.regexp (JSON-escaped in the doc)
VSCODE_PATTERN = r"^(.*?):(\d+):(\d+): (DL\d{3}) (.*)$"
# PyCharm File Watcher output filter, and the regex it stands for
PYCHARM_FILTER = "$FILE_PATH$:$LINE$:$COLUMN$: $MESSAGE$"

BUFFER = textwrap.dedent(
    """\
    import torch

    model = torch.nn.Linear(4, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        print("époque"); loss.backward
        optimizer.step()
    """
)


def dllint(*args: str, cwd: Path, stdin: str = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dllint", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, encoding="utf-8",
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- stdin


def test_unsaved_buffer_on_stdin_is_reported_under_its_file_name(tmp_path):
    """The editor sends the buffer, not the file on disk."""
    write(tmp_path / "src" / "train.py", "import torch\n")  # what is saved: nothing wrong
    shown = dllint("--quiet", "--stdin-filename", "src/train.py", "-", cwd=tmp_path, stdin=BUFFER)
    assert shown.returncode == 1
    assert shown.stdout == (
        "src/train.py:8:22: DL103 [*] `loss.backward` is not called, so this statement does nothing;"
        " write `loss.backward()` to compute the gradients\n"
    )
    assert shown.stderr == ""


def test_stdin_follows_the_projects_configuration(tmp_path):
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.dllint]
        extend-exclude = ["generated/"]

        [tool.dllint.per-file-ignores]
        "legacy/*" = ["DL103"]
        """,
    )
    sub = tmp_path / "src"
    sub.mkdir()
    # per-file-ignores match the stdin file name, relative to the project root
    # even when the editor runs dllint from a subfolder
    assert dllint("-q", "--stdin-filename", "../legacy/old.py", "-", cwd=sub, stdin=BUFFER).stdout == ""
    assert "DL103" in dllint("-q", "--stdin-filename", "new.py", "-", cwd=sub, stdin=BUFFER).stdout
    # an excluded file gets no findings with --force-exclude, as a named file would
    excluded = dllint("-q", "--force-exclude", "--stdin-filename", "generated/model.py", "-", cwd=tmp_path, stdin=BUFFER)
    assert (excluded.returncode, excluded.stdout) == (0, "")
    assert "DL103" in dllint("-q", "--stdin-filename", "generated/model.py", "-", cwd=tmp_path, stdin=BUFFER).stdout


def test_stdin_in_every_format_names_the_buffer(tmp_path):
    import json

    shown = dllint("-q", "--format", "json", "--stdin-filename", "src/train.py", "-", cwd=tmp_path, stdin=BUFFER)
    assert [finding["filename"] for finding in json.loads(shown.stdout)] == ["src/train.py"]
    shown = dllint("-q", "--format", "github", "--stdin-filename", "src/train.py", "-", cwd=tmp_path, stdin=BUFFER)
    assert shown.stdout.startswith("::error title=dllint (DL103),file=src/train.py,line=8,col=22,")


def test_stdin_with_a_syntax_error_mid_edit(tmp_path):
    shown = dllint("-q", "--stdin-filename", "train.py", "-", cwd=tmp_path, stdin="import torch\nfor x in loader\n")
    assert shown.returncode == 1
    assert re.fullmatch(r"train\.py:2:16: DL001 syntax error: .*\n", shown.stdout)


def test_stdin_without_a_file_name(tmp_path):
    shown = dllint("-q", "-", cwd=tmp_path, stdin=BUFFER)
    assert shown.stdout.startswith("stdin:8:22: DL103")


def test_stdin_bytes_are_decoded_like_a_file(tmp_path):
    """Editors send the buffer's bytes: a BOM and a coding cookie are honoured."""
    data = "\ufeff".encode("utf-8") + BUFFER.encode("utf-8")
    shown = subprocess.run([sys.executable, "-m", "dllint", "-q", "-"], cwd=tmp_path, input=data, capture_output=True)
    assert shown.stdout.decode("utf-8").startswith("stdin:8:22: DL103")
    latin = ("# -*- coding: latin-1 -*-\n" + BUFFER).encode("latin-1")
    shown = subprocess.run([sys.executable, "-m", "dllint", "-q", "-"], cwd=tmp_path, input=latin, capture_output=True)
    assert shown.stdout.decode("utf-8").startswith("stdin:9:22: DL103")


# --------------------------------------------------------------------------- problem matchers


def test_the_documented_patterns_are_the_tested_ones():
    text = DOCS.read_text(encoding="utf-8")
    assert VSCODE_PATTERN.replace("\\", "\\\\") in text
    assert PYCHARM_FILTER in text


def real_output(tmp_path: Path) -> str:
    """Findings on awkward paths: spaces, a colon, non-ASCII, an absolute path."""
    for name in ("my project/train one.py", "a:b/train.py", "données/entraîner.py", "elsewhere/train.py"):
        write(tmp_path / name, BUFFER)
    shown = dllint("-q", "--isolated", "my project", "a:b", "données", str(tmp_path / "elsewhere" / "train.py"), cwd=tmp_path)
    return shown.stdout


def test_vscode_problem_matcher_parses_real_output(tmp_path):
    output = real_output(tmp_path)
    pattern = re.compile(VSCODE_PATTERN)
    matches = [pattern.match(line) for line in output.splitlines()]
    assert all(matches), output
    files = [m.group(1) for m in matches]
    assert files == sorted(files) and len(files) == 4
    assert "a:b/train.py" in files and "données/entraîner.py" in files and "my project/train one.py" in files
    assert str(tmp_path / "elsewhere" / "train.py") in files
    for match in matches:
        assert (match.group(2), match.group(3), match.group(4)) == ("8", "22", "DL103")
        assert match.group(5).startswith("[*] `loss.backward` is not called")


def test_vscode_pattern_reads_a_windows_path():
    match = re.match(VSCODE_PATTERN, r"C:\work\src\train.py:12:5: DL103 `optimizer.step` is not called")
    assert match.groups() == (r"C:\work\src\train.py", "12", "5", "DL103", "`optimizer.step` is not called")


def pycharm_regex(output_filter: str) -> "re.Pattern[str]":
    """PyCharm turns an output filter into a regex: each macro becomes a
    group, the rest is literal. A model of it, since PyCharm cannot run here."""
    groups = {"$FILE_PATH$": r"(?P<file>.+?)", "$LINE$": r"(?P<line>\d+)", "$COLUMN$": r"(?P<column>\d+)", "$MESSAGE$": r"(?P<message>.*)"}
    parts = re.split(r"(\$[A-Z_]+\$)", output_filter)
    return re.compile("^" + "".join(groups.get(part, re.escape(part)) for part in parts) + "$")


def test_pycharm_output_filter_parses_real_output(tmp_path):
    pattern = pycharm_regex(PYCHARM_FILTER)
    for line in real_output(tmp_path).splitlines():
        match = pattern.match(line)
        assert match, line
        assert (match["line"], match["column"]) == ("8", "22")
        assert match["message"].startswith("DL103 [*] `loss.backward`")
