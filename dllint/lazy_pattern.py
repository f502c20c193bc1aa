"""Regular expressions compiled when first used.

dllint names some sixty patterns at module level (the rules' `triggers`, the
name patterns of the semantic model, noqa comments, notebook magics).
Compiling one costs a fifth of a millisecond or more, and a run on one small
file uses a handful of them: compiled at import, they were a tenth of that
run's time. A `LazyPattern` is written where the compiled pattern was and
compiles itself the first time one of its methods is asked for.
"""
import re
from typing import Any, Optional, Tuple

# the methods of a compiled pattern callers use; each is copied onto the
# instance when the pattern is compiled
_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split")


class LazyPattern:
    """Stands for `re.compile(pattern, flags)`. `pattern` is the text, as on
    a compiled pattern. Once compiled, the compiled pattern's own methods are
    attributes of the instance, so a search costs what it costs on a compiled
    pattern: no call goes through this class again."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Python calls this only for an attribute the instance lacks: before
        # the first use, every method; after it, what is not copied below.
        if name.startswith("__") or name in ("pattern", "_flags", "_words"):
            raise AttributeError(name)  # (copying and pickling probe for these)
        compiled = re.compile(self.pattern, self._flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def occurs_in(self, text: str) -> bool:
        """`bool(self.search(text))`. A pattern of plain alternatives (a rule's
        `triggers`, mostly: `loss|criterion`) is answered with `in`, one
        fast scan of the text per alternative, where `re` tries every
        alternative at every character: on PyTorch's sources the triggers of
        DL201 to DL204 cost a third of the time."""
        words = self.__dict__.get("_words", _UNKNOWN)
        if words is _UNKNOWN:
            words = self._words = _plain_alternatives(self.pattern) if not self._flags else None
        if words is None:
            return self.search(text) is not None
        return any(word in text for word in words)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}{', ' + str(self._flags) if self._flags else ''})"


_UNKNOWN = object()
# what a backslash may stand before in a plain alternative: punctuation only
# (`\.`, `\(`; `\b` or `\s` are not plain text)
_ESCAPABLE = frozenset(".^$*+?{}[]()|\\-=<>!:#'\",/ ")
_SPECIAL = frozenset(".^$*+?{}[]()|\\")


def _plain_alternatives(pattern: str) -> Optional[Tuple[str, ...]]:
    """The texts of `a|b|c` when every alternative is plain text (its
    special characters escaped), else None."""
    words = []
    for alternative in pattern.split("|"):
        word = []
        escaped = False
        for character in alternative:
            if escaped:
                if character not in _ESCAPABLE:
                    return None
                word.append(character)
                escaped = False
            elif character == "\\":
                escaped = True
            elif character in _SPECIAL:
                return None
            else:
                word.append(character)
        if escaped or not word:
            return None
        words.append("".join(word))
    return tuple(words)
