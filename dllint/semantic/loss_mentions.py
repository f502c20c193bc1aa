"""Where a module's text mentions a loss (`loss`, `criterion`, `*_entropy`,
`kl_div`, in any case): the cheap pre-test `Autograd.may_see_losses` asks of
a file and of every project definition the file imports by name.

The same definitions are asked about by every file that imports them (on
PyTorch's sources, 14,700 searches), and a case-insensitive alternation is
the slowest kind of search for `re`: it tries every branch at every
character. So each module's text is searched once, for the offsets where a
mention starts, kept per `SourceFile` (its text never changes), and a
definition's question is a binary search among them. A mention lies within
one line, so it is inside a definition's lines exactly when it starts there.
"""
from array import array
from bisect import bisect_left
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from dllint.lazy_pattern import LazyPattern

if TYPE_CHECKING:
    from dllint.source import SourceFile

# Every way `Autograd.graph()` can learn that a value is a loss is spelled
# with one of these: loss functions and classes, `outputs.loss`, `criterion`,
# `*_loss`.
# On ASCII text, `re`'s case-insensitive match of these ASCII words is a match
# of the lowercased text (its other equivalents, such as the Kelvin sign for
# `k` or the long s for `s`, are not ASCII): `_search` uses `str.find` there.
_WORDS = ("loss", "criterion", "entropy", "kl_div")
LOSS_TEXT = LazyPattern("(?i)" + "|".join(_WORDS))

# (the offsets hold no reference back to their source)
_offsets_of: "WeakKeyDictionary[SourceFile, array]" = WeakKeyDictionary()


def mentions_loss(source: "SourceFile") -> bool:
    """`LOSS_TEXT` occurs in the text."""
    return len(_mention_offsets(source)) > 0


def lines_mention_loss(source: "SourceFile", first: int, last: int) -> bool:
    """`LOSS_TEXT` occurs in lines `first` to `last` (`source.lines_text(first, last)`)."""
    offsets = _mention_offsets(source)
    if not offsets:
        return False
    begin, end = source.lines_span(first, last)
    index = bisect_left(offsets, begin)
    return index < len(offsets) and offsets[index] < end


def _mention_offsets(source: "SourceFile") -> array:
    found = _offsets_of.get(source)
    if found is None:
        found = _offsets_of[source] = _search(source.text)
    return found


def _search(text: str) -> array:
    """The sorted offsets where a match of `LOSS_TEXT` starts: every one on
    ASCII text, those `finditer` reports otherwise (a match starting inside
    another one shares its line, so no line with a mention is missed)."""
    if not text.isascii():
        return array("q", (match.start() for match in LOSS_TEXT.finditer(text)))
    lowered = text.lower()
    found = []
    for word in _WORDS:
        at = lowered.find(word)
        while at != -1:
            found.append(at)
            at = lowered.find(word, at + 1)
    found.sort()
    return array("q", found)
