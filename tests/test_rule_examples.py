"""Every VALID and INVALID example of every rule, run as a test.

The examples are the rules' specification and documentation; this module is
what makes them true. Each example is written to disk (a project example as
several files) and linted through the same runner the CLI uses, with only
its rule selected.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dllint.fixes import apply_fixes
from dllint.registry import all_rules
from dllint.runner import Input, Runner
from dllint.settings import Settings


def _cases():
    for rule in all_rules():
        for kind, examples in (("invalid", rule.INVALID), ("valid", rule.VALID)):
            for index, example in enumerate(examples):
                yield pytest.param(rule, example, id=f"{rule.code}-{kind}-{index}-{example.title or 'example'}")


def lint_example(rule, example, tmp_path: Path):
    paths = []
    for relative, text in example.sources().items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    settings = Settings(select=[rule.code], root=tmp_path)
    inputs = [Input(display_path=path.relative_to(tmp_path).as_posix(), path=path) for path in paths]
    return Runner(settings, rules=[rule]).run(inputs).diagnostics


@pytest.mark.parametrize("rule, example", list(_cases()))
def test_example(rule, example, tmp_path):
    diagnostics = lint_example(rule, example, tmp_path)
    assert not [d for d in diagnostics if d.code in ("DL000", "DL001", "DL002")], diagnostics
    if example.files:
        found = sorted(f"{d.path}:{d.line}:{d.column}" for d in diagnostics)
    else:
        found = sorted(f"{d.line}:{d.column}" for d in diagnostics)
    assert found == sorted(example.expect)
    assert all(d.code == rule.code for d in diagnostics)
    if example.fix is not None:
        (path_name, text), = example.sources().items()
        fixed = apply_fixes(text, [d.fix for d in diagnostics if d.fix])
        assert fixed == textwrap.dedent(example.fix).lstrip("\n")


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_is_documented(rule):
    doc = rule.documentation()
    for heading in ("## What it does", "## Why is this bad?", "## Known limits"):
        assert heading in doc, f"{rule.code} docstring lacks {heading!r}"
    assert rule.INVALID and rule.VALID, f"{rule.code} needs both INVALID and VALID examples"
    assert rule.name == rule.name.lower() and " " not in rule.name and "_" not in rule.name
    assert rule.code.startswith("DL") and rule.code[2:].isdigit() and len(rule.code) == 5


def test_rules_are_discovered_from_the_package():
    codes = [rule.code for rule in all_rules()]
    assert "DL103" in codes
    assert codes == sorted(codes)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_module_is_named_after_its_code_and_name(rule):
    # the registry reads codes and names from the module names without
    # importing the rules (`registry.code_names_of_rules`)
    assert rule.__module__.rsplit(".", 1)[1] == f"{rule.code.lower()}_{rule.name.replace('-', '_')}"


def test_codes_and_names_read_from_module_names_are_the_rules_own():
    from dllint.registry import code_names_of_rules, rule_module_names

    assert code_names_of_rules() == {rule.code: rule.name for rule in all_rules()}
    assert len(rule_module_names()) == len(all_rules())  # every module holds a rule
