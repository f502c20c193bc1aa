"""Configuration files and command-line options become `Settings`, or a clear `ConfigError`."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dllint import registry
from dllint.config import ConfigError, apply_cli_overrides, find_config_file, load_settings
from dllint.settings import DEFAULT_EXCLUDES, Settings


class FakeHeadRule:
    code = "DL301"
    name = "frozen-head-trained"
    options = {
        "allow-names": ["head"],
        "max-depth": 3,
        "strict": False,
        "threshold": 0.5,
        "mode": "auto",
    }


class FakeOptionlessRule:
    code = "DL101"
    name = "missing-eval"
    options: dict = {}


FAKE_RULES = {rule.code: rule for rule in (FakeHeadRule, FakeOptionlessRule)}
FAKE_CODES = ["DL000", "DL001", "DL002", "DL101", "DL103", "DL201", "DL301"]


@pytest.fixture(autouse=True)
def fake_registry(monkeypatch):
    monkeypatch.setattr(registry, "known_codes", lambda: list(FAKE_CODES))
    monkeypatch.setattr(registry, "rules_by_code", lambda: dict(FAKE_RULES))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def pyproject(folder: Path, body: str) -> Path:
    return write(folder / "pyproject.toml", "[tool.dllint]\n" + textwrap.dedent(body).lstrip("\n"))


def error_of(**load_kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(**load_kwargs)
    return str(caught.value)


# --------------------------------------------------------------------------- defaults and finding


def test_without_any_file_the_defaults_apply_and_root_is_cwd(tmp_path):
    settings = load_settings(cwd=tmp_path)
    assert settings == Settings(root=tmp_path)
    assert settings.config_path is None
    assert settings.select == ["DL"]
    assert settings.exclude == list(DEFAULT_EXCLUDES)


def test_cwd_defaults_to_the_working_folder(tmp_path, monkeypatch):
    config = write(tmp_path / "dllint.toml", 'select = ["DL1"]\n')
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.config_path == config
    assert settings.select == ["DL1"]


def test_search_goes_upward_and_root_is_the_config_folder(tmp_path, monkeypatch):
    config = pyproject(tmp_path, 'select = ["DL2"]\n')
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_config_file() == config
    settings = load_settings(cwd=deep)
    assert settings.root == tmp_path
    assert settings.config_path == config
    assert settings.select == ["DL2"]


def test_in_one_folder_dllint_toml_beats_dot_dllint_toml_beats_pyproject(tmp_path):
    pyproject(tmp_path, 'select = ["DL3"]\n')
    hidden = write(tmp_path / ".dllint.toml", 'select = ["DL2"]\n')
    assert find_config_file(tmp_path) == hidden
    plain = write(tmp_path / "dllint.toml", 'select = ["DL1"]\n')
    assert find_config_file(tmp_path) == plain
    assert load_settings(cwd=tmp_path).select == ["DL1"]


def test_pyproject_without_tool_dllint_is_skipped(tmp_path):
    config = write(tmp_path / "dllint.toml", 'ignore = ["DL101"]\n')
    project = tmp_path / "project"
    write(project / "pyproject.toml", '[tool.black]\nline-length = 100\n')
    assert find_config_file(project) == config
    assert load_settings(cwd=project).root == tmp_path


def test_the_nearest_file_wins_and_nothing_is_merged(tmp_path):
    write(tmp_path / "dllint.toml", 'ignore = ["DL101"]\nextend-exclude = ["far"]\n')
    near = pyproject(tmp_path / "project", 'extend-select = ["DL2"]\n')
    settings = load_settings(cwd=tmp_path / "project")
    assert settings.config_path == near
    assert settings.ignore == []
    assert settings.extend_exclude == []
    assert settings.extend_select == ["DL2"]


def test_find_config_file_returns_none_when_there_is_none(tmp_path):
    (tmp_path / "empty").mkdir()
    found = find_config_file(tmp_path / "empty")
    assert found is None or tmp_path not in found.parents


def test_isolated_ignores_every_file(tmp_path):
    write(tmp_path / "dllint.toml", 'select = ["DL1"]\nthis-is-wrong = 1\n')
    settings = load_settings(isolated=True, cwd=tmp_path)
    assert settings == Settings(root=tmp_path)


def test_isolated_ignores_an_explicit_file_too(tmp_path):
    config = write(tmp_path / "custom.toml", 'select = ["DL1"]\n')
    assert load_settings(config_file=config, isolated=True, cwd=tmp_path).select == ["DL"]


# --------------------------------------------------------------------------- explicit --config


def test_explicit_config_with_any_name_is_a_top_level_table(tmp_path):
    config = write(tmp_path / "conf" / "lint-settings.toml", 'select = ["DL2"]\n')
    settings = load_settings(config_file=config, cwd=tmp_path)
    assert settings.select == ["DL2"]
    assert settings.root == tmp_path / "conf"
    assert settings.config_path == config


def test_explicit_pyproject_reads_tool_dllint(tmp_path):
    config = pyproject(tmp_path / "elsewhere", 'select = ["DL201"]\n')
    write(tmp_path / "dllint.toml", 'select = ["DL1"]\n')
    settings = load_settings(config_file=config, cwd=tmp_path)
    assert settings.select == ["DL201"]
    assert settings.root == tmp_path / "elsewhere"


def test_explicit_pyproject_without_tool_dllint_gives_defaults(tmp_path):
    config = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    settings = load_settings(config_file=config, cwd=tmp_path)
    assert settings.select == ["DL"]
    assert settings.config_path == config


def test_explicit_relative_config_is_relative_to_cwd(tmp_path):
    write(tmp_path / "cfg" / "dllint.toml", 'ignore = ["DL2"]\n')
    settings = load_settings(config_file=Path("cfg/dllint.toml"), cwd=tmp_path)
    assert settings.ignore == ["DL2"]
    assert settings.root == tmp_path / "cfg"


def test_missing_explicit_config_is_an_error(tmp_path):
    message = error_of(config_file=tmp_path / "nope.toml", cwd=tmp_path)
    assert message.startswith("--config:")
    assert str(tmp_path / "nope.toml") in message
    assert "does not exist" in message


# --------------------------------------------------------------------------- every key


def test_every_top_level_key_is_read(tmp_path):
    pyproject(
        tmp_path,
        """
        select = ["DL1", "DL2"]
        ignore = ["DL103"]
        extend-select = ["DL3"]
        extend-ignore = ["DL201"]
        exclude = ["legacy"]
        extend-exclude = ["generated/", "*_pb2.py"]
        respect-gitignore = false
        force-exclude = true

        [tool.dllint.per-file-ignores]
        "tests/*" = ["DL1"]
        "scripts/run.py" = "DL201, DL3"
        """,
    )
    settings = load_settings(cwd=tmp_path)
    assert settings.select == ["DL1", "DL2"]
    assert settings.ignore == ["DL103"]
    assert settings.extend_select == ["DL3"]
    assert settings.extend_ignore == ["DL201"]
    assert settings.exclude == ["legacy"]
    assert settings.extend_exclude == ["generated/", "*_pb2.py"]
    assert settings.respect_gitignore is False
    assert settings.force_exclude is True
    assert settings.per_file_ignores == {"tests/*": ["DL1"], "scripts/run.py": ["DL201", "DL3"]}


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path):
    pyproject(tmp_path, 'extend-exclude = ["notebooks"]\n')
    settings = load_settings(cwd=tmp_path)
    assert settings.exclude == list(DEFAULT_EXCLUDES)
    assert settings.extend_exclude == ["notebooks"]


def test_codes_may_be_one_comma_separated_string_in_any_case(tmp_path):
    pyproject(tmp_path, 'select = "dl1, DL201,"\nignore = ["dl103,DL2"]\n')
    settings = load_settings(cwd=tmp_path)
    assert settings.select == ["DL1", "DL201"]
    assert settings.ignore == ["DL103", "DL2"]


def test_rule_table_by_code_merges_over_the_defaults(tmp_path):
    pyproject(
        tmp_path,
        """
        [tool.dllint.DL301]
        allow-names = ["head", "classifier"]
        strict = true
        """,
    )
    options = load_settings(cwd=tmp_path).rule_options["DL301"]
    assert options == {
        "allow-names": ["head", "classifier"],
        "max-depth": 3,
        "strict": True,
        "threshold": 0.5,
        "mode": "auto",
    }


def test_rule_table_by_kebab_case_name(tmp_path):
    write(tmp_path / "dllint.toml", '[frozen-head-trained]\nmax-depth = 5\nmode = "strict"\n')
    options = load_settings(cwd=tmp_path).rule_options["DL301"]
    assert options["max-depth"] == 5
    assert options["mode"] == "strict"
    assert options["allow-names"] == ["head"]


def test_an_integer_is_accepted_for_a_float_option(tmp_path):
    pyproject(tmp_path, "[tool.dllint.DL301]\nthreshold = 1\n")
    value = load_settings(cwd=tmp_path).rule_options["DL301"]["threshold"]
    assert value == 1.0 and isinstance(value, float)


def test_unconfigured_rules_have_no_rule_options_entry(tmp_path):
    pyproject(tmp_path, 'select = ["DL"]\n')
    assert load_settings(cwd=tmp_path).rule_options == {}


# --------------------------------------------------------------------------- errors


def test_invalid_toml_names_the_file_and_the_line(tmp_path):
    config = write(tmp_path / "dllint.toml", 'select = ["DL1"]\nignore = [\n"DL2"\n  oops\n')
    message = error_of(cwd=tmp_path)
    assert message.startswith(f"invalid TOML in {config}:")
    assert "line 4" in message


def test_invalid_pyproject_met_during_the_search_is_an_error(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.dllint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        find_config_file(tmp_path)


def test_unreadable_file_is_an_error(tmp_path):
    (tmp_path / "folder.toml").mkdir()
    message = error_of(config_file=tmp_path / "folder.toml", cwd=tmp_path)
    assert message.startswith(f"cannot read {tmp_path / 'folder.toml'}")


def test_file_that_is_not_utf8_is_an_error(tmp_path):
    config = tmp_path / "dllint.toml"
    config.write_bytes(b'select = ["DL1"]\n# caf\xe9\n')
    message = error_of(cwd=tmp_path)
    assert message.startswith(f"cannot read {config}: not UTF-8")


def test_unknown_key_suggests_the_closest_known_key(tmp_path):
    config = pyproject(tmp_path, 'selct = ["DL1"]\n')
    assert error_of(cwd=tmp_path) == f"unknown key 'selct' in [tool.dllint] of {config} (did you mean 'select'?)"


def test_unknown_key_in_dllint_toml_without_anything_close(tmp_path):
    config = write(tmp_path / "dllint.toml", "colour = true\n")
    assert error_of(cwd=tmp_path) == f"unknown key 'colour' in {config}"


def test_unknown_code_is_a_warning_naming_the_key_and_file(tmp_path):
    config = pyproject(tmp_path, 'extend-ignore = ["DL101", "DL999"]\n')
    settings = load_settings(cwd=tmp_path)
    assert settings.extend_ignore == ["DL101"]
    assert settings.warnings == [f"unknown code 'DL999' in 'extend-ignore' of [tool.dllint] of {config}; it selects nothing"]


def test_unknown_code_in_per_file_ignores(tmp_path):
    pyproject(tmp_path, '[tool.dllint.per-file-ignores]\n"tests/*" = ["XY1"]\n')
    (message,) = load_settings(cwd=tmp_path).warnings
    assert "unknown code 'XY1'" in message
    assert 'per-file-ignores."tests/*"' in message


@pytest.mark.parametrize(
    "line, expected",
    [
        ("select = 3", "'select' in [tool.dllint] of {config} must be a list of codes or a comma-separated string, not integer"),
        ("ignore = [1, 2]", "'ignore' in [tool.dllint] of {config} must be a list of codes or a comma-separated string, not list"),
        ('exclude = "build"', "'exclude' in [tool.dllint] of {config} must be a list of strings, not string"),
        ("extend-exclude = [true]", "'extend-exclude' in [tool.dllint] of {config} must be a list of strings, not list"),
        ('respect-gitignore = "yes"', "'respect-gitignore' in [tool.dllint] of {config} must be true or false, not string"),
        ("force-exclude = 1", "'force-exclude' in [tool.dllint] of {config} must be true or false, not integer"),
        ('per-file-ignores = ["tests/*"]', "'per-file-ignores' in [tool.dllint] of {config} must be a table of glob = [codes], not list"),
        ('DL301 = "strict"', "'DL301' in [tool.dllint] of {config} must be a table of DL301's options, not string"),
    ],
)
def test_wrong_types_of_top_level_values(tmp_path, line, expected):
    config = pyproject(tmp_path, line + "\n")
    assert error_of(cwd=tmp_path) == expected.format(config=config)


def test_tool_dllint_that_is_not_a_table(tmp_path):
    config = write(tmp_path / "pyproject.toml", '[tool]\ndllint = "on"\n')
    assert error_of(config_file=config, cwd=tmp_path) == f"[tool.dllint] of {config} must be a table, not string"


@pytest.mark.parametrize(
    "line, expected",
    [
        ("max-depth = true", "option 'max-depth' in [tool.dllint.DL301] of {config} must be an integer, not boolean"),
        ("max-depth = 2.5", "option 'max-depth' in [tool.dllint.DL301] of {config} must be an integer, not float"),
        ("strict = 1", "option 'strict' in [tool.dllint.DL301] of {config} must be a boolean, not integer"),
        ('threshold = "high"', "option 'threshold' in [tool.dllint.DL301] of {config} must be a float, not string"),
        ("mode = 2", "option 'mode' in [tool.dllint.DL301] of {config} must be a string, not integer"),
        ('allow-names = "head"', "option 'allow-names' in [tool.dllint.DL301] of {config} must be a list, not string"),
        ("allow-names = [1]", "option 'allow-names' in [tool.dllint.DL301] of {config} must be a list of strings, but holds an integer"),
    ],
)
def test_rule_option_of_the_wrong_type(tmp_path, line, expected):
    config = pyproject(tmp_path, f"[tool.dllint.DL301]\n{line}\n")
    assert error_of(cwd=tmp_path) == expected.format(config=config)


def test_unknown_rule_option_suggests_the_closest(tmp_path):
    config = pyproject(tmp_path, "[tool.dllint.DL301]\nallow-name = ['x']\n")
    assert error_of(cwd=tmp_path) == (
        f"unknown option 'allow-name' for DL301 in [tool.dllint.DL301] of {config} (did you mean 'allow-names'?)"
    )


def test_option_for_a_rule_without_options(tmp_path):
    config = pyproject(tmp_path, "[tool.dllint.missing-eval]\nstrict = true\n")
    assert error_of(cwd=tmp_path) == f"DL101 has no options, but [tool.dllint.missing-eval] of {config} sets 'strict'"


def test_unknown_rule_table(tmp_path):
    config = pyproject(tmp_path, "[tool.dllint.DL302]\nstrict = true\n")
    assert error_of(cwd=tmp_path) == f"unknown rule table [tool.dllint.DL302] of {config} (did you mean 'DL301'?)"


def test_unknown_rule_table_in_dllint_toml(tmp_path):
    config = write(tmp_path / "dllint.toml", "[no-such-rule-at-all]\nx = 1\n")
    assert error_of(cwd=tmp_path) == f"unknown rule table [no-such-rule-at-all] of {config}"


def test_engine_codes_have_no_table(tmp_path):
    config = pyproject(tmp_path, "[tool.dllint.DL001]\nx = 1\n")
    assert error_of(cwd=tmp_path) == f"DL001 has no options, so [tool.dllint.DL001] of {config} cannot configure it"


def test_a_rule_configured_by_code_and_by_name_is_an_error(tmp_path):
    pyproject(tmp_path, "[tool.dllint.DL301]\nstrict = true\n[tool.dllint.frozen-head-trained]\nstrict = false\n")
    assert "DL301 is configured twice" in error_of(cwd=tmp_path)


# --------------------------------------------------------------------------- command line


def test_cli_select_replaces_select_and_the_files_extend_select(tmp_path):
    pyproject(tmp_path, 'select = ["DL1"]\nextend-select = ["DL2"]\n')
    settings = apply_cli_overrides(load_settings(cwd=tmp_path), select=["DL301"])
    assert settings.select == ["DL301"]
    assert settings.extend_select == []


def test_cli_ignore_replaces_ignore_and_the_files_extend_ignore(tmp_path):
    pyproject(tmp_path, 'ignore = ["DL1"]\nextend-ignore = ["DL2"]\n')
    settings = apply_cli_overrides(load_settings(cwd=tmp_path), ignore=["dl103"])
    assert settings.ignore == ["DL103"]
    assert settings.extend_ignore == []


def test_cli_extensions_append(tmp_path):
    pyproject(tmp_path, 'extend-select = ["DL2"]\nextend-ignore = ["DL201"]\nextend-exclude = ["a"]\n')
    settings = apply_cli_overrides(
        load_settings(cwd=tmp_path),
        extend_select=["DL3"],
        extend_ignore=["DL103,DL101"],
        extend_exclude=["b/"],
        force_exclude=True,
    )
    assert settings.extend_select == ["DL2", "DL3"]
    assert settings.extend_ignore == ["DL201", "DL103", "DL101"]
    assert settings.extend_exclude == ["a", "b/"]
    assert settings.force_exclude is True


def test_cli_select_then_extend_select_both_apply():
    settings = apply_cli_overrides(Settings(extend_select=["DL2"]), select=["DL1"], extend_select=["DL3"])
    assert settings.select == ["DL1"]
    assert settings.extend_select == ["DL3"]


def test_cli_overrides_leave_the_original_untouched():
    original = Settings(extend_exclude=["a"], rule_options={"DL301": {"strict": True}})
    changed = apply_cli_overrides(original, extend_exclude=["b"], select=["DL1"])
    assert original.extend_exclude == ["a"]
    assert original.select == ["DL"]
    changed.rule_options["DL301"]["strict"] = False
    assert original.rule_options["DL301"]["strict"] is True


def test_cli_without_values_changes_nothing():
    original = Settings(select=["DL1"], ignore=["DL103"], force_exclude=False)
    assert apply_cli_overrides(original) == original


@pytest.mark.parametrize(
    "option, keyword",
    [
        ("--select", "select"),
        ("--ignore", "ignore"),
        ("--extend-select", "extend_select"),
        ("--extend-ignore", "extend_ignore"),
    ],
)
def test_cli_unknown_code_names_the_option(option, keyword):
    with pytest.raises(ConfigError) as caught:
        apply_cli_overrides(Settings(), **{keyword: ["DL1", "DL999"]})
    assert str(caught.value) == f"{option}: unknown code 'DL999'"
