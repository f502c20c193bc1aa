"""Which codes are reported: select/ignore specificity and per-file-ignores."""
from __future__ import annotations

from pathlib import Path

import pytest

from dllint.selection import CodeSelection
from dllint.settings import Settings


def enabled(settings: Settings, *codes: str) -> dict:
    selection = CodeSelection(settings)
    return {code: selection.is_enabled(code) for code in codes}


def test_default_select_enables_every_dl_code():
    assert enabled(Settings(), "DL000", "DL101", "DL301") == {"DL000": True, "DL101": True, "DL301": True}


def test_code_outside_select_is_disabled():
    assert enabled(Settings(select=["DL1"]), "DL101", "DL201") == {"DL101": True, "DL201": False}


def test_empty_select_enables_nothing():
    assert enabled(Settings(select=[]), "DL101") == {"DL101": False}


def test_a_more_specific_ignore_beats_a_broader_select():
    # select DL1 + ignore DL10: DL10x off, DL11x still on
    result = enabled(Settings(select=["DL1"], ignore=["DL10"]), "DL101", "DL103", "DL110", "DL115")
    assert result == {"DL101": False, "DL103": False, "DL110": True, "DL115": True}


def test_a_more_specific_select_beats_a_broader_ignore():
    result = enabled(Settings(select=["DL"], ignore=["DL1"], extend_select=["DL101"]), "DL101", "DL103", "DL201")
    assert result == {"DL101": True, "DL103": False, "DL201": True}


def test_on_a_tie_ignore_wins():
    assert enabled(Settings(select=["DL101"], ignore=["DL101"]), "DL101") == {"DL101": False}
    assert enabled(Settings(select=["DL1"], extend_ignore=["DL1"]), "DL103") == {"DL103": False}


def test_extend_ignore_adds_to_ignore():
    result = enabled(Settings(ignore=["DL101"], extend_ignore=["DL2"]), "DL101", "DL103", "DL201")
    assert result == {"DL101": False, "DL103": True, "DL201": False}


def test_codes_and_selectors_are_case_insensitive():
    selection = CodeSelection(Settings(select=["dl1"], ignore=[" dl103 "]))
    assert selection.is_enabled("dl101") is True
    assert selection.is_enabled("DL103") is False
    assert selection.is_enabled("dl103") is False


def test_results_are_cached_per_code():
    selection = CodeSelection(Settings(select=["DL1"]))
    assert selection.is_enabled("DL101") is True
    # Changing the (private) selectors afterwards shows the answer is remembered.
    selection._select = []
    assert selection.is_enabled("DL101") is True
    assert selection.is_enabled("DL102") is False


@pytest.fixture
def project(tmp_path) -> Settings:
    return Settings(
        root=tmp_path,
        per_file_ignores={
            "tests/*": ["DL1"],
            "scripts/train.py": ["DL201", "dl3"],
            "*_pb2.py": ["DL"],
            "/docs/": ["DL101"],
        },
    )


def test_per_file_ignores_apply_relative_to_the_root(project, tmp_path):
    selection = CodeSelection(project)
    assert selection.is_enabled_for(tmp_path / "tests" / "test_model.py", "DL101") is False
    assert selection.is_enabled_for(tmp_path / "tests" / "test_model.py", "DL201") is True
    assert selection.is_enabled_for(tmp_path / "src" / "model.py", "DL101") is True


def test_per_file_ignores_match_relative_paths_from_the_root(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    selection = CodeSelection(project)
    assert selection.is_enabled_for(Path("scripts/train.py"), "DL201") is False
    assert selection.is_enabled_for(Path("scripts/train.py"), "DL301") is False
    assert selection.is_enabled_for(Path("scripts/train.py"), "DL101") is True


def test_per_file_ignore_globs_are_gitignore_style(project, tmp_path):
    selection = CodeSelection(project)
    # no slash: any depth
    assert selection.is_enabled_for(tmp_path / "a" / "b" / "msg_pb2.py", "DL301") is False
    # anchored folder: everything below it, but only at the root
    assert selection.is_enabled_for(tmp_path / "docs" / "examples" / "x.py", "DL101") is False
    assert selection.is_enabled_for(tmp_path / "src" / "docs" / "x.py", "DL101") is True
    # "tests/*" is anchored to the root by its slash
    assert selection.is_enabled_for(tmp_path / "src" / "tests" / "t.py", "DL101") is True


def test_per_file_ignores_outside_the_root_match_the_path_as_given(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    selection = CodeSelection(Settings(root=root, per_file_ignores={"*_test.py": ["DL1"]}))
    assert selection.is_enabled_for(tmp_path / "elsewhere" / "model_test.py", "DL101") is False
    assert selection.is_enabled_for(tmp_path / "elsewhere" / "model.py", "DL101") is True


def test_per_file_ignores_never_enable_a_disabled_code(tmp_path):
    selection = CodeSelection(Settings(root=tmp_path, ignore=["DL2"], per_file_ignores={"tests/*": ["DL1"]}))
    assert selection.is_enabled_for(tmp_path / "src" / "a.py", "DL201") is False


def test_per_file_ignores_compare_codes_case_insensitively(tmp_path):
    selection = CodeSelection(Settings(root=tmp_path, per_file_ignores={"a.py": ["dl10"]}))
    assert selection.is_enabled_for(tmp_path / "a.py", "dl103") is False
    assert selection.is_enabled_for(tmp_path / "a.py", "DL110") is True
