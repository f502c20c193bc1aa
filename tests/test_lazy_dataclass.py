"""`lazy_dataclass`: `@dataclass`, done when the first instance is made."""
import copy
import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

from dllint.lazy_dataclass import lazy_dataclass

ROOT = Path(__file__).resolve().parent.parent


@lazy_dataclass(frozen=True)
class Point:
    x: int
    tags: Tuple[str, ...] = ()


@lazy_dataclass
class Bag:
    items: List[int] = dataclasses.field(default_factory=list)


@lazy_dataclass(frozen=True)
class Restored:
    x: int


@lazy_dataclass(frozen=True)
class Copied:
    x: int


def test_the_first_instance_makes_it_the_dataclass_it_declares():
    assert not dataclasses.is_dataclass(Point)
    point = Point(1, ("a",))
    assert dataclasses.is_dataclass(Point)
    assert point == Point(1, ("a",)) and hash(point) == hash(Point(1, ("a",)))
    assert repr(point) == "Point(x=1, tags=('a',))"
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    assert dataclasses.replace(point, x=3) == Point(3, ("a",))
    # nothing of the waiting is left on the class
    assert "__setstate__" not in vars(Point) and not hasattr(Point, "_lazy_dataclass_waiting")


def test_a_mutable_one_gets_its_defaults_and_no_hash():
    first, second = Bag(), Bag()
    first.items.append(1)
    assert second.items == [] and Bag.__hash__ is None


def test_an_instance_restored_by_pickle_first_makes_it_a_dataclass_too():
    # pickled in one process, restored in another that has made no instance yet
    pickled = subprocess.run(
        [sys.executable, "-c", "import pickle, sys\nfrom tests.test_lazy_dataclass import Restored\n"
                               "sys.stdout.buffer.write(pickle.dumps(Restored(7)))\n"],
        cwd=ROOT, capture_output=True, check=True).stdout
    restore = (
        "import dataclasses, pickle, sys\n"
        "from tests.test_lazy_dataclass import Restored\n"
        "before = dataclasses.is_dataclass(Restored)\n"
        "restored = pickle.loads(sys.stdin.buffer.read())\n"
        "print(before, dataclasses.is_dataclass(Restored), restored == Restored(7), hash(restored) == hash(Restored(7)))\n"
    )
    done = subprocess.run([sys.executable, "-c", restore], cwd=ROOT, input=pickled, capture_output=True, check=True)
    assert done.stdout.split() == [b"False", b"True", b"True", b"True"]


def test_a_copy_made_without_calling_the_class_gets_value_equality():
    blank = Copied.__new__(Copied)  # what copy and pickle do before restoring the fields
    blank.__setstate__({"x": 4})
    assert blank == Copied(4) and copy.copy(blank) == Copied(4)


def test_it_refuses_what_it_cannot_defer():
    with pytest.raises(TypeError, match="inherit"):
        @lazy_dataclass
        class Child(Point):
            pass

    with pytest.raises(TypeError, match="__init__"):
        @lazy_dataclass
        class OwnInit:
            def __init__(self):
                pass
