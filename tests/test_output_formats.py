"""Every `--format` on the same fixture, against golden files; SARIF against
the official SARIF 2.1.0 schema (kept offline in tests/data); `--output-file`.

The fixture is tests/data/formats/project: two DL103 findings with fixes (one
after non-ASCII text on its line) and a file with a syntax error (DL001).
It is linted from a copy outside any git repository, so that SARIF's
%SRCROOT% is the working folder wherever the tests run.
Goldens live in tests/data/formats/expected; after an intended change of
output, rewrite them with `DLLINT_UPDATE_GOLDEN=1 python -m pytest
tests/test_output_formats.py` and read the diff.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from dllint import __version__
from dllint.cli import cli
from dllint.diagnostics import Diagnostic, Edit, Fix
from dllint.formats import github, sarif
from dllint.formats.context import ReportContext, code_info
from dllint.registry import known_codes
from dllint.reporting import FORMATTERS

DATA = Path(__file__).parent / "data"
FIXTURE = DATA / "formats"
EXPECTED = FIXTURE / "expected"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
# Pinned, so that rules added later do not change the goldens.
ARGS = ["--isolated", "--select", "DL0,DL103", "project"]
EXTENSIONS = {"json": "json", "sarif": "sarif.json", "json-lines": "jsonl"}
ROOT_PLACEHOLDER = "file:///PROJECT_ROOT/"
# the fixture's two DL103 findings have safe fixes
SUMMARY = "dllint: 3 findings in 2 files checked.\ndllint: [*] 2 fixable with the `--fix` option.\n"


def cli_runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into the output unless told not to
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    shutil.copytree(FIXTURE / "project", folder / "project")
    return folder


def run_cli(args, cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return cli_runner().invoke(cli, args, catch_exceptions=False)
    finally:
        os.chdir(old)


def normalised_sarif(text: str) -> str:
    """The SARIF log with the machine's root, dllint's version and the rules'
    documentation (checked in their own tests) replaced by placeholders."""
    document = json.loads(text)
    run = document["runs"][0]
    run["tool"]["driver"]["version"] = run["tool"]["driver"]["semanticVersion"] = "<version>"
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = ROOT_PLACEHOLDER
    for rule in run["tool"]["driver"]["rules"]:
        for key in ("shortDescription", "fullDescription"):
            rule[key]["text"] = f"<{key} of {rule['id']}>"
        rule["help"] = {"text": f"<documentation of {rule['id']}>", "markdown": f"<documentation of {rule['id']}>"}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def check_golden(name: str, text: str) -> None:
    path = EXPECTED / f"{name}.{EXTENSIONS.get(name, 'txt')}"
    if os.environ.get("DLLINT_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with DLLINT_UPDATE_GOLDEN=1 to write it"
    assert text == path.read_text(encoding="utf-8")


def test_every_format_has_a_golden_test():
    tested = {path.name.split(".")[0] for path in EXPECTED.iterdir()}
    assert tested == set(FORMATTERS)


@pytest.mark.parametrize("name", sorted(FORMATTERS))
def test_format_matches_golden_file(name, workdir):
    result = run_cli([*ARGS, "--format", name], workdir)
    assert result.exit_code == 1, result.stderr
    assert result.stderr == SUMMARY
    output = normalised_sarif(result.stdout) if name == "sarif" else result.stdout
    check_golden(name, output)


@pytest.mark.parametrize("name", sorted(FORMATTERS))
def test_format_with_no_findings(name, tmp_path):
    (tmp_path / "clean.py").write_text("import torch\nloss.backward()\n", encoding="utf-8")
    result = run_cli(["--isolated", "clean.py", "--format", name], cwd=tmp_path)
    assert result.exit_code == 0
    if name == "json":
        assert json.loads(result.stdout) == []
    elif name == "sarif":
        log = json.loads(result.stdout)
        jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)
        assert log["runs"][0]["results"] == []
    else:
        assert result.stdout == ""


# --------------------------------------------------------------------------- json


def test_json_keys_and_positions_are_rufs(workdir):
    findings = json.loads(run_cli([*ARGS, "--format", "json"], workdir).stdout)
    by_line = {(f["filename"], f["location"]["row"]): f for f in findings}
    backward = by_line[("project/train.py", 17)]
    assert list(backward) == ["code", "name", "message", "filename", "location", "end_location", "noqa_row", "cell", "fix", "url"]
    # 1-based character columns: `print("époque"); ` is 21 characters, 22 UTF-8 bytes
    assert backward["location"] == {"row": 17, "column": 22}
    assert backward["end_location"] == {"row": 17, "column": 35}
    assert backward["fix"] == {
        "applicability": "safe",
        "message": "Call `loss.backward()`",
        "edits": [{"content": "()", "location": {"row": 17, "column": 35}, "end_location": {"row": 17, "column": 35}}],
    }
    assert backward["url"] == code_info("DL103").url == "https://github.com/dllint/dllint/blob/main/docs/rules/DL103.md"
    syntax = by_line[("project/broken.py", 4)]
    assert syntax["fix"] is None and syntax["end_location"] == syntax["location"]
    assert syntax["name"] == "syntax-error"


def test_json_lines_holds_the_json_objects(workdir):
    lines = run_cli([*ARGS, "--format", "json-lines"], workdir).stdout.splitlines()
    assert [json.loads(line) for line in lines] == json.loads(run_cli([*ARGS, "--format", "json"], workdir).stdout)


def test_a_safe_fix_is_safe_in_json():
    diagnostic = Diagnostic("a.py", 1, 1, "DL103", "m", fix=Fix("do it", (Edit((1, 5), (1, 5), "()"),), safe=True))
    finding = json.loads(FORMATTERS["json"]([diagnostic], ReportContext()))[0]
    assert finding["fix"]["applicability"] == "safe"


# --------------------------------------------------------------------------- sarif


def sarif_log(cwd: Path, args=ARGS):
    result = run_cli([*args, "--format", "sarif"], cwd=cwd)
    return json.loads(result.stdout)


def test_sarif_validates_against_the_official_schema(workdir):
    validator = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    validator.validate(sarif_log(workdir))
    # the validator does check: a result without its message is refused, a
    # URI with a space in it too (the `uri` formats are really checked)
    broken = sarif_log(workdir)
    del broken["runs"][0]["results"][0]["message"]
    assert not validator.is_valid(broken)
    broken = sarif_log(workdir)
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b.py"
    assert not validator.is_valid(broken)


def test_sarif_driver_lists_only_the_selected_rules_with_their_docs(workdir):
    driver = sarif_log(workdir)["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"], driver["informationUri"]) == ("dllint", __version__, "https://github.com/dllint/dllint")
    assert [rule["id"] for rule in driver["rules"]] == ["DL000", "DL001", "DL002", "DL103"]
    for rule in driver["rules"]:
        info = code_info(rule["id"])
        assert rule["name"] == info.name
        assert rule["shortDescription"]["text"] == info.summary
        assert rule["fullDescription"]["text"] == info.description
        assert rule["help"]["markdown"] == info.documentation
        assert rule["helpUri"] == info.url
    dl103 = driver["rules"][3]
    assert dl103["fullDescription"]["text"].startswith("Finds `model.eval`, `model.train`")
    assert dl103["help"]["markdown"].startswith("# DL103: method-not-called")

    only = sarif_log(workdir, ["--isolated", "--select", "DL103", "project"])["runs"][0]
    assert [rule["id"] for rule in only["tool"]["driver"]["rules"]] == ["DL103"]
    assert {result["ruleId"] for result in only["results"]} == {"DL103"}

    everything = sarif_log(workdir, ["--isolated", "project"])["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in everything] == known_codes()


def test_sarif_results_are_one_based_and_relative_to_srcroot(workdir):
    run = sarif_log(workdir)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == workdir.resolve().as_uri() + "/"
    rules = run["tool"]["driver"]["rules"]
    results = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in run["results"]}
    backward = results[17]
    location = backward["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "project/train.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 17, "startColumn": 22, "endLine": 17, "endColumn": 35}
    assert rules[backward["ruleIndex"]]["id"] == backward["ruleId"] == "DL103"
    replacement = backward["fixes"][0]["artifactChanges"][0]["replacements"][0]
    assert replacement == {"deletedRegion": {"startLine": 17, "startColumn": 35, "endLine": 17, "endColumn": 35}, "insertedContent": {"text": "()"}}
    assert results[4]["ruleId"] == "DL001" and results[4]["level"] == "error"


def test_sarif_paths_relative_to_the_configuration_root(tmp_path):
    """Outside a git repository, run from a subfolder: URIs stay relative to
    the project root (where the configuration is)."""
    (tmp_path / "pyproject.toml").write_text("[tool.dllint]\nselect = ['DL103']\n", encoding="utf-8")
    (tmp_path / "src dir").mkdir()
    (tmp_path / "src dir" / "train.py").write_text("import torch\nloss.backward\n", encoding="utf-8")
    log = sarif_log(tmp_path / "src dir", ["train.py"])
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "src%20dir/train.py", "uriBaseId": "%SRCROOT%"}
    jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(log)


def test_sarif_paths_are_relative_to_the_repository_root(tmp_path):
    """GitHub resolves relative SARIF paths against the repository root: that
    is %SRCROOT% when dllint runs inside a git work tree, even when the
    configuration lives in a subfolder."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "ml").mkdir()
    (tmp_path / "ml" / "dllint.toml").write_text("select = ['DL103']\n", encoding="utf-8")
    (tmp_path / "ml" / "train.py").write_text("import torch\nloss.backward\n", encoding="utf-8")
    log = sarif_log(tmp_path, ["--config", "ml/dllint.toml", "ml"])
    run = log["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "ml/train.py"
    # from a subfolder of the repository too
    run = sarif_log(tmp_path / "ml", ["train.py"])["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "ml/train.py"


def test_sarif_path_outside_the_root_is_an_absolute_uri(tmp_path):
    diagnostic = Diagnostic(str(tmp_path / "elsewhere.py"), 2, 1, "DL103", "m")
    log = sarif.log([diagnostic], ReportContext(root=tmp_path / "project"))
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": (tmp_path / "elsewhere.py").as_uri()}


# --------------------------------------------------------------------------- github


def test_github_annotation_escaping():
    diagnostic = Diagnostic("dir,1/a:b.py", 3, 7, "DL103", "100% wrong\r\nnext: a, b", end_line=3, end_column=9)
    line = FORMATTERS["github"]([diagnostic], ReportContext())
    assert line == (
        "::error title=dllint (DL103),file=dir%2C1/a%3Ab.py,line=3,col=7,endLine=3,endColumn=9"
        "::dir,1/a:b.py:3:7: DL103 100%25 wrong%0D%0Anext: a, b\n"
    )
    assert github.escape_property("50%:x,y\n") == "50%25%3Ax%2Cy%0A"


# --------------------------------------------------------------------------- --output-file


def test_output_file_receives_the_output(tmp_path, workdir):
    target = tmp_path / "reports" / "dllint.sarif"
    result = run_cli([*ARGS, "--format", "sarif", "--output-file", str(target)], workdir)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == SUMMARY
    assert json.loads(target.read_text(encoding="utf-8")) == sarif_log(workdir)


def test_output_file_that_cannot_be_written_is_a_usage_error(tmp_path, workdir):
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    result = run_cli([*ARGS, "--output-file", str(tmp_path / "a-file" / "out.txt")], workdir)
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_output_file_as_a_subprocess(tmp_path, workdir):
    """The installed command, as CI runs it: nothing but the summary on the terminal."""
    target = tmp_path / "out.json"
    process = subprocess.run(
        [sys.executable, "-m", "dllint", *ARGS, "--format", "json", "-o", str(target)],
        cwd=workdir, capture_output=True, text=True, encoding="utf-8",
    )
    assert process.returncode == 1, process.stderr
    assert process.stdout == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 3
