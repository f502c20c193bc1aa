"""Regular expressions compiled when first used.

dllint names some sixty patterns at module level (the rules' `triggers`, the
name patterns of the semantic model, noqa comments, notebook magics).
Compiling one costs a fifth of a millisecond or more, and a run on one small
file uses a handful of them: compiled at import, they were a tenth of that
run's time. A `LazyPattern` is written where the compiled pattern was and
compiles itself the first time one of its methods is asked for.
"""
import re
from typing import Any

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
        if name.startswith("__") or name in ("pattern", "_flags"):
            raise AttributeError(name)  # (copying and pickling probe for these)
        compiled = re.compile(self.pattern, self._flags)
        for method in _METHODS:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}{', ' + str(self._flags) if self._flags else ''})"
