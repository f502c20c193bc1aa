"""Finds the rules in `dllint.rules` and answers questions about codes.

A rule is one module in `rules/` holding one subclass of `Rule`. There is no
hand-kept list: every module in the package is imported and its rule
registered, so adding a rule is adding a file.

A rule module is named after its rule, code then name
(`dl101_inference_in_training_mode.py` holds DL101,
`inference-in-training-mode`; a test holds the two the same), so the codes
and names are known from the file names alone: a run that only needs to know
which codes exist (to read `--select`, a `noqa` comment, a configuration
file) imports no rule, and so none of the semantic model.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple, Type

if TYPE_CHECKING:  # pragma: no cover
    from dllint.rule import Rule

# `dl101_inference_in_training_mode`: the code and the name of the rule inside
_RULE_MODULE_NAME = r"(dl\d+)_(\w+)"

# Codes the engine itself reports; they are not rules and have no examples.
ENGINE_CODES: Dict[str, str] = {
    "DL000": "internal-error",
    "DL001": "syntax-error",
    "DL002": "unreadable-file",
}

ENGINE_SUMMARIES: Dict[str, str] = {
    "DL000": "A rule failed on this file, or ran over the file's time budget (per-file-timeout); the other files still ran.",
    "DL001": "The file is not valid Python; no rule could look at it.",
    "DL002": "The file could not be read or decoded, is not a regular file, is larger than max-file-size, or the path does not exist.",
}


@lru_cache(maxsize=None)
def rule_module_names() -> List[str]:
    """The modules of `dllint.rules`, found without importing them."""
    import dllint.rules as package

    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


@lru_cache(maxsize=None)
def code_names_of_rules() -> Dict[str, str]:
    """Each rule's code and name, read from its module's name (no rule is imported)."""
    names = {}
    for module in rule_module_names():
        named = re.fullmatch(_RULE_MODULE_NAME, module)
        if named is not None:
            names[named.group(1).upper()] = named.group(2).replace("_", "-")
    return names


@lru_cache(maxsize=None)
def all_rules() -> List[Type[Rule]]:
    found = [rule for module_name in rule_module_names() for rule in _rules_in(module_name)]
    found.sort(key=lambda rule: rule.code)
    codes = [rule.code for rule in found]
    duplicated = {code for code in codes if codes.count(code) > 1}
    if duplicated:
        raise RuntimeError(f"two rules share the code(s) {sorted(duplicated)}")
    return found


@lru_cache(maxsize=None)
def _rules_in(module_name: str) -> List[Type[Rule]]:
    """The rules a module of `dllint.rules` defines (it is imported)."""
    import dllint.rules as package
    from dllint.rule import Rule

    module = importlib.import_module(f"{package.__name__}.{module_name}")
    return [
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__
    ]


def triggered_rules(text: str, enabled: Callable[[str], bool]) -> List[Type[Rule]]:
    """The rules, by code, that `enabled` accepts and whose `triggers` occur
    in `text` (or that have none): what a file with this text is checked
    with. Only their modules are imported: the triggers are read from
    `rule_triggers.TRIGGERS`, generated from the rules, so a small file that
    can need three rules does not import the other eleven and their analyses.
    A rule module the table does not know (added since it was generated) is
    always imported."""
    from dllint.rule_triggers import TRIGGERS

    found = []
    for module_name, code in _codes_of_rule_modules():
        if code is not None and (not enabled(code) or (TRIGGERS.get(code) is not None and not TRIGGERS[code].occurs_in(text))):
            continue
        found += [rule for rule in _rules_in(module_name) if enabled(rule.code)]
    found.sort(key=lambda rule: rule.code)
    return found


@lru_cache(maxsize=None)
def _codes_of_rule_modules() -> List[Tuple[str, Optional[str]]]:
    """(module name, the code its name gives, or None) of each module of `dllint.rules`."""
    found = []
    for module_name in rule_module_names():
        named = re.fullmatch(_RULE_MODULE_NAME, module_name)
        found.append((module_name, named.group(1).upper() if named is not None else None))
    return found


def rules_by_code() -> Dict[str, Type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


def known_codes() -> List[str]:
    return sorted(set(ENGINE_CODES) | set(code_names_of_rules()))


def code_names() -> Dict[str, str]:
    names = dict(ENGINE_CODES)
    names.update(code_names_of_rules())
    return names


def is_known_selector(selector: str) -> bool:
    """A selector is a code or a prefix of one (`DL`, `DL1`, `DL101`), as in flake8."""
    selector = selector.strip().upper()
    return bool(selector) and any(code.startswith(selector) for code in known_codes())
