"""Which files a run lints: walking, excludes, .gitignore files, named paths."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, List

import pytest

from dllint import discovery
from dllint.discovery import DiscoveryResult, discover
from dllint.settings import Settings


def make(root: Path, *files: str, **contents: str) -> None:
    """Create empty `files` (paths relative to `root`)."""
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contents.get(name, ""), encoding="utf-8")


def gitignore(folder: Path, *lines: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".gitignore").write_text("\n".join(lines) + "\n", encoding="utf-8")


def found(result: DiscoveryResult) -> List[str]:
    return [path.as_posix() for path in result.files]


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """An empty project folder that is the working folder and the settings' root."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(paths: Iterable[str], **settings) -> DiscoveryResult:
    settings.setdefault("root", Path.cwd())
    return discover(list(paths), Settings(**settings))


# --------------------------------------------------------------------------- walking


def test_walks_folders_in_sorted_order_for_python_files_only(project):
    make(project, "b.py", "a.py", "pkg/z.py", "pkg/sub/m.py", "pkg/notes.txt", "pkg/types.pyi", "c.py")
    result = run(["."])
    assert found(result) == ["a.py", "b.py", "c.py", "pkg/sub/m.py", "pkg/z.py"]
    assert result.missing == [] and result.errors == []
    assert all(isinstance(path, Path) for path in result.files)


def test_order_follows_the_given_paths_and_repeats_are_dropped(project):
    make(project, "src/a.py", "src/b.py", "tests/t.py")
    result = run(["tests", "src", "src/a.py", "./src", str(project / "tests" / "t.py")])
    assert found(result) == ["tests/t.py", "src/a.py", "src/b.py"]


def test_the_result_is_the_same_run_after_run(project):
    make(project, *[f"pkg{i}/mod{j}.py" for i in range(5) for j in range(5)])
    assert found(run(["."])) == found(run(["."])) == sorted(found(run(["."])))


def test_missing_paths_are_reported_and_the_rest_still_found(project):
    make(project, "a.py")
    result = run(["nope.py", "a.py", "gone/"])
    assert result.missing == ["nope.py", "gone/"]
    assert found(result) == ["a.py"]


def test_paths_keep_the_form_they_were_given_in(project):
    make(project, "src/a.py")
    assert found(run([str(project / "src")])) == [(project / "src" / "a.py").as_posix()]
    assert found(run(["src/"])) == ["src/a.py"]


# --------------------------------------------------------------------------- exclude patterns


def test_default_excludes_are_skipped_at_any_depth(project):
    make(
        project,
        "train.py",
        "build/gen.py",
        "src/build/gen.py",
        ".venv/lib/site.py",
        "src/__pycache__/x.py",
        "web/node_modules/pkg/x.py",
        ".git/hooks/x.py",
        "src/model.py",
    )
    assert found(run(["."])) == ["src/model.py", "train.py"]


def test_exclude_replaces_the_defaults(project):
    make(project, "build/gen.py", "old/x.py")
    assert found(run(["."], exclude=["old"])) == ["build/gen.py"]


def test_extend_exclude_adds_to_the_defaults(project):
    make(project, "build/gen.py", "proto/msg_pb2.py", "proto/msg.py", "notebooks/n.py")
    assert found(run(["."], extend_exclude=["*_pb2.py", "notebooks/"])) == ["proto/msg.py"]


def test_patterns_with_a_slash_are_anchored_to_the_root(project):
    make(project, "src/generated/a.py", "other/src/generated/b.py", "src/keep.py")
    result = run(["."], extend_exclude=["src/generated"])
    assert found(result) == ["other/src/generated/b.py", "src/keep.py"]


def test_patterns_also_match_relative_to_the_walked_folder(tmp_path, monkeypatch):
    # The root is elsewhere, so only the walked-folder frame can match "pkg/legacy".
    code = tmp_path / "code"
    make(code, "pkg/legacy/old.py", "pkg/new.py")
    (tmp_path / "config").mkdir()
    monkeypatch.chdir(tmp_path)
    result = discover(["code"], Settings(root=tmp_path / "config", extend_exclude=["pkg/legacy"]))
    assert found(result) == ["code/pkg/new.py"]


def test_patterns_match_bare_names(project):
    make(project, "a/b/c/vendored/x.py", "a/b/y.py")
    assert found(run(["a"], extend_exclude=["/vendored"])) == ["a/b/y.py"]


def test_excluded_folders_are_not_entered(project, monkeypatch):
    make(project, "big/x.py", "small/y.py")
    entered = []
    real_scandir = os.scandir

    def recording_scandir(path):
        entered.append(Path(path).name)
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", recording_scandir)
    assert found(run(["."], extend_exclude=["big"])) == ["small/y.py"]
    assert "big" not in entered and "small" in entered


def test_negated_exclude_pattern(project):
    make(project, "gen/a.py", "gen/b.py")
    assert found(run(["."], extend_exclude=["gen/*.py", "!gen/b.py"])) == ["gen/b.py"]


# --------------------------------------------------------------------------- .gitignore


def test_nested_gitignore_files_apply_below_their_folder_with_anchoring(project):
    (project / ".git").mkdir()
    make(
        project,
        "out/a.py",
        "src/out/b.py",
        "src/gen/c.py",
        "src/pkg/gen/d.py",
        "src/local.py",
        "src/pkg/local.py",
        "gen/e.py",
    )
    gitignore(project, "/out")
    gitignore(project / "src", "gen/", "/local.py")
    assert found(run(["."])) == ["gen/e.py", "src/out/b.py", "src/pkg/local.py"]


def test_gitignore_negation_and_deeper_files_override_shallower(project):
    (project / ".git").mkdir()
    make(project, "secret_ok.py", "secret_key.py", "sub/secret_ok.py", "sub/secret_key.py", "gen_a.py", "gen_keep.py")
    gitignore(project, "secret*.py", "gen_*.py", "!gen_keep.py")
    gitignore(project / "sub", "!secret_ok.py")
    assert found(run(["."])) == ["gen_keep.py", "sub/secret_ok.py"]


def test_gitignore_of_ancestors_up_to_the_git_root_apply(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    make(repo, "src/pkg/skip.py", "src/pkg/keep.py", "src/cache/x.py", "src/data/y.py")
    gitignore(repo, "skip.py", "/src/cache/")
    gitignore(repo / "src", "data/")
    # Above the repository: git would never read this one.
    gitignore(tmp_path, "*.py")
    monkeypatch.chdir(repo / "src" / "pkg")
    result = discover([".", "../cache", "../data"], Settings(root=repo / "src" / "pkg", force_exclude=True))
    assert found(result) == ["keep.py"]


def test_ancestor_gitignore_reaches_into_a_walk_from_a_subfolder(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    make(repo, "src/models/net.py", "src/models/ckpt/net_old.py")
    # A slash inside a pattern anchors it to the .gitignore's own folder, so
    # the second line means repo/models/net.py, which does not exist.
    gitignore(repo, "src/models/ckpt/", "models/net.py")
    monkeypatch.chdir(repo)
    assert found(discover(["src"], Settings(root=repo))) == ["src/models/net.py"]


def test_outside_a_git_repository_no_gitignore_applies(tmp_path, monkeypatch):
    # as git and ruff behave: an exported tarball or a copied folder is linted whole
    gitignore(tmp_path, "*.py")
    make(tmp_path, "project/a.py", "project/sub/b.py")
    gitignore(tmp_path / "project" / "sub", "b.py")
    monkeypatch.chdir(tmp_path / "project")
    assert found(discover(["."], Settings(root=tmp_path / "project"))) == ["a.py", "sub/b.py"]


def test_a_repository_met_by_the_walk_applies_its_gitignore_below_itself(tmp_path, monkeypatch):
    make(tmp_path, "export/a.py", "export/gen.py", "repo/a.py", "repo/gen.py", "repo/sub/gen.py")
    gitignore(tmp_path / "export", "gen.py")
    gitignore(tmp_path / "repo", "gen.py")
    (tmp_path / "repo" / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    assert found(discover(["."], Settings(root=tmp_path))) == ["export/a.py", "export/gen.py", "repo/a.py"]


def test_respect_gitignore_off(project):
    make(project, "ignored.py", "build/x.py")
    gitignore(project, "ignored.py")
    assert found(run(["."], respect_gitignore=False)) == ["ignored.py"]


def test_git_file_marks_a_worktree_root(tmp_path, monkeypatch):
    repo = tmp_path / "worktree"
    make(repo, ".git", "src/skip.py", "src/keep.py", **{".git": "gitdir: /elsewhere\n"})
    gitignore(repo, "skip.py")
    monkeypatch.chdir(repo)
    assert found(discover(["src"], Settings(root=repo))) == ["src/keep.py"]


# --------------------------------------------------------------------------- named paths


def test_named_files_are_linted_even_when_excluded_or_not_python(project):
    make(project, "build/gen.py", "ignored.py", "script")
    gitignore(project, "ignored.py")
    result = run(["build/gen.py", "ignored.py", "script"])
    assert found(result) == ["build/gen.py", "ignored.py", "script"]


def test_force_exclude_applies_patterns_and_gitignore_to_named_files(project):
    (project / ".git").mkdir()
    make(project, "build/gen.py", "ignored.py", "proto/m_pb2.py", "ok.py")
    gitignore(project, "ignored.py")
    result = run(["build/gen.py", "ignored.py", "proto/m_pb2.py", "ok.py"], force_exclude=True, extend_exclude=["*_pb2.py"])
    assert found(result) == ["ok.py"]


def test_a_named_excluded_folder_is_walked_unless_force_exclude(project):
    make(project, "build/gen.py", "build/build/deeper.py", "build/sub/x.py")
    assert found(run(["build"])) == ["build/gen.py", "build/sub/x.py"]
    assert found(run(["build"], force_exclude=True)) == []


def test_a_named_gitignored_folder_is_walked_unless_force_exclude(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    make(tmp_path, "scratch/a.py", "scratch/b.py")
    gitignore(tmp_path, "scratch/")
    gitignore(tmp_path / "scratch", "b.py")
    monkeypatch.chdir(tmp_path)
    assert found(discover(["scratch"], Settings(root=tmp_path))) == ["scratch/a.py"]
    assert found(discover(["scratch"], Settings(root=tmp_path, force_exclude=True))) == []
    assert found(discover(["."], Settings(root=tmp_path))) == []


def test_force_exclude_does_not_drop_a_project_whose_own_folder_has_an_excluded_name(tmp_path, monkeypatch):
    project = tmp_path / "build"
    make(project, "train.py")
    monkeypatch.chdir(project)
    assert found(discover(["."], Settings(root=project, force_exclude=True))) == ["train.py"]


# --------------------------------------------------------------------------- links and errors


def test_a_symlink_loop_ends(project):
    make(project, "src/a.py", "src/pkg/b.py")
    os.symlink(project / "src", project / "src" / "pkg" / "back_to_src")
    os.symlink(".", project / "src" / "self")
    result = run(["src"])
    assert found(result) == ["src/a.py", "src/pkg/b.py"]
    assert result.errors == []


def test_symlinked_folders_are_followed_and_each_file_listed_once(project):
    make(project, "shared/common.py", "src/a.py")
    os.symlink(project / "shared", project / "src" / "linked")
    assert found(run(["src"])) == ["src/a.py", "src/linked/common.py"]
    assert found(run(["src", "shared"])) == ["src/a.py", "src/linked/common.py"]


def test_dangling_links_and_other_files_that_are_not_regular_are_listed_so_that_reading_says_why(project):
    make(project, "a.py")
    os.symlink(project / "nowhere.py", project / "dangling.py")
    os.symlink(project / "nowhere", project / "dangling_folder")
    os.symlink("loop_b.py", project / "loop_a.py")
    os.symlink("loop_a.py", project / "loop_b.py")
    os.mkfifo(project / "pipe.py")
    os.mkfifo(project / "pipe.txt")
    # only names a walk would lint; the reader reports each as DL002 (tests/test_reliability.py)
    assert found(run(["."])) == ["a.py", "dangling.py", "loop_a.py", "loop_b.py", "pipe.py"]


def test_an_unreadable_folder_is_reported_and_the_walk_goes_on(project, monkeypatch):
    make(project, "locked/secret.py", "open/a.py", "z.py")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(discovery.os, "scandir", scandir)
    result = run(["."])
    assert found(result) == ["open/a.py", "z.py"]
    assert [(Path(folder).as_posix(), reason) for folder, reason in result.errors] == [("locked", "Permission denied")]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_a_chmod_000_folder_is_reported(project):
    make(project, "locked/secret.py", "a.py")
    (project / "locked").chmod(0)
    try:
        result = run(["."])
    finally:
        (project / "locked").chmod(0o755)
    assert found(result) == ["a.py"]
    assert [Path(folder).name for folder, _ in result.errors] == ["locked"]
