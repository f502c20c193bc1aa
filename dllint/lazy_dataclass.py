"""Dataclasses whose methods are written when their first instance is made.

`@dataclass` writes a class's `__init__`, `__repr__` and `__eq__` (a frozen
one's `__hash__`, `__setattr__` and `__delattr__` too) as source text and
compiles each: about half a millisecond a class. dllint declares some fifty
dataclasses, and a run on one small file makes instances of fewer than half
of them; compiling the rest at import was over a tenth of that run.

A class declared `@lazy_dataclass(frozen=True)` becomes, when its first
instance is made (by a call, by `copy`, or by unpickling one), exactly what
`@dataclass(frozen=True)` makes of it: `dataclasses.dataclass` runs then, on
the class itself, with the same options. From then on nothing of this module
is left on the class.

Until then the class is not yet a dataclass: `dataclasses.fields()` and
`is_dataclass()` do not know it, and a field declared with `field(...)` reads
as that `Field` on the class. dllint asks those things of instances only.
Not for dataclasses that inherit from another dataclass (the base's fields
would be missing while it waits); declaring one is an error.
"""
import dataclasses
import threading
from typing import Any, Optional, Type, TypeVar

T = TypeVar("T")


def lazy_dataclass(cls: Optional[Type[T]] = None, **options: Any) -> Any:
    """`@lazy_dataclass` or `@lazy_dataclass(frozen=True, ...)`, as `@dataclass`."""

    def declare(cls: Type[T]) -> Type[T]:
        for base in cls.__mro__[1:]:
            if "__dataclass_fields__" in vars(base) or _WAITING in vars(base):
                raise TypeError(f"{cls.__qualname__}: a lazy dataclass cannot inherit from the dataclass {base.__qualname__}")
        for method in ("__init__", "__setstate__"):
            if method in vars(cls):
                raise TypeError(f"{cls.__qualname__}: a lazy dataclass has no {method} of its own")

        def become_dataclass() -> None:
            with _BECOMING:  # (two threads may make the first instances at once)
                if _WAITING in vars(cls):
                    del cls.__init__, cls.__setstate__, cls._lazy_dataclass_waiting  # type: ignore[attr-defined]
                    dataclasses.dataclass(cls, **options)

        # A new instance meets one of these two first: `__init__` when the
        # class is called, `__setstate__` when pickle or copy restore one.
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            become_dataclass()
            cls.__init__(self, *args, **kwargs)  # type: ignore[misc]

        def __setstate__(self: Any, state: Any) -> None:
            become_dataclass()
            self.__dict__.update(state)

        cls.__init__ = __init__  # type: ignore[assignment]
        cls.__setstate__ = __setstate__  # type: ignore[attr-defined]
        setattr(cls, _WAITING, True)
        return cls

    return declare if cls is None else declare(cls)


# set on a lazy dataclass until its first instance
_WAITING = "_lazy_dataclass_waiting"
_BECOMING = threading.RLock()
