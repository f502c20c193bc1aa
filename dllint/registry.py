"""Finds the rules in `dllint.rules` and answers questions about codes.

A rule is one module in `rules/` holding one subclass of `Rule`. There is no
hand-kept list: every module in the package is imported and its rule
registered, so adding a rule is adding a file.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from functools import lru_cache
from typing import Dict, List, Type

from dllint.rule import Rule

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
def all_rules() -> List[Type[Rule]]:
    import dllint.rules as package

    found = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__:
                found.append(value)
    found.sort(key=lambda rule: rule.code)
    codes = [rule.code for rule in found]
    duplicated = {code for code in codes if codes.count(code) > 1}
    if duplicated:
        raise RuntimeError(f"two rules share the code(s) {sorted(duplicated)}")
    return found


def rules_by_code() -> Dict[str, Type[Rule]]:
    return {rule.code: rule for rule in all_rules()}


def known_codes() -> List[str]:
    return sorted(set(ENGINE_CODES) | set(rules_by_code()))


def code_names() -> Dict[str, str]:
    names = dict(ENGINE_CODES)
    names.update({rule.code: rule.name for rule in all_rules()})
    return names


def is_known_selector(selector: str) -> bool:
    """A selector is a code or a prefix of one (`DL`, `DL1`, `DL101`), as in flake8."""
    selector = selector.strip().upper()
    return bool(selector) and any(code.startswith(selector) for code in known_codes())
