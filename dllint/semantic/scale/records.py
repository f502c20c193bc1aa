"""What the scale analysis answers with and passes around.

`Scale`: the level data is at, where that was decided and the steps seen on
the way; `ModelInput`: what a model does with its input; an `Effect`: one
step of a transform pipeline; `Arg` and `Env`: the arguments a project
function is evaluated with.
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, Hashable, List, Optional, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass
from dllint.semantic import catalog

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.scale import Scales

RAW, UNIT, STANDARDIZED, UNSCALED, TOKEN_IDS, ENCODED = (
    "raw-0-255", "0-1", "standardized", "unscaled", "token-ids", "encoded",
)
# One column of a table at its own range: nothing to be heterogeneous with,
# but a scaler or `zscore` applied to it normalizes it (`df["Age"] = ...`).
ONE_COLUMN = "one-column"
NORMALIZED = (UNIT, STANDARDIZED)
MAX_DEPTH = 40

Step = Tuple[str, ast.AST]  # ("/ 255", node), ("Normalize", node), ...
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]


@lazy_dataclass(frozen=True)
class Scale:
    level: str
    origin: ast.AST           # where the scale was decided (the raw source, the reader...)
    module: str               # module holding `origin`
    source: str               # `keras.datasets.mnist.load_data()` (for messages)
    steps: Tuple[Step, ...] = ()   # value-changing steps, in order
    floating: bool = False    # cast to float (ToTensor then leaves the values alone)
    pair: bool = False        # an (input, target) pair; the scale is its input's
    problem: Optional[Tuple[str, ast.AST]] = None  # a visible mistake: ("divided by 255 twice", node)

    @property
    def normalized(self) -> bool:
        return self.level in NORMALIZED

    def step(self, level: str, text: str, node: ast.AST, **changes) -> "Scale":
        return replace(self, level=level, steps=self.steps + ((text, node),), **changes)

    def step_names(self) -> List[str]:
        return [text for text, _ in self.steps]


@lazy_dataclass(frozen=True)
class ModelInput:
    """What a model does with the data it is given."""

    framework: Optional[str]
    qualname: Optional[str]
    node: ast.AST                         # where the model is made
    normalizes_inside: Optional[str] = None   # evidence: "`layers.Rescaling` in the model"
    pretrained: Optional[str] = None      # "`resnet50(weights=...)`": needs its training statistics
    scale_invariant: bool = False          # trees, naive Bayes
    scale_sensitive: bool = False          # SVC, k-NN, LogisticRegression... (scikit-learn)
    estimator: Optional[str] = None        # the final estimator's class name (scikit-learn)
    preprocessing: Optional[Tuple["Effect", ...]] = None  # a Pipeline's steps before the estimator
    pipeline_unknown: bool = False
    opaque: Optional[str] = None           # built from a model dllint cannot read (`load_model`, `inputs=base.input`)


# An effect is one step of a transform pipeline: (kind, node, text, extra)
#   kind: "keep", "to_unit", "unit", "standardize", "pretrained", "float",
#         "call" (a project function / lambda applied to the data; extra = (Scales, function, env)),
#         "encode", "columns" (a ColumnTransformer; extra = [(kind-summary)...]), "unknown"
Effect = Tuple[str, ast.AST, str, object]


class Arg:
    """A parameter bound for one evaluation: the caller's expression (in the
    caller's file and environment), or a scale given directly."""

    __slots__ = ("scales", "expr", "env", "scale", "_meaning")

    def __init__(self, scales: Optional["Scales"] = None, expr: Optional[ast.AST] = None, env=None, scale: Optional[Scale] = None):
        self.scales, self.expr, self.env, self.scale = scales, expr, env or {}, scale
        self._meaning: Optional[Hashable] = None

    def meaning(self, depth: int) -> Hashable:
        """What an evaluation in an environment binding this argument can
        learn of it: its scale and its effect as a transform, or, when they
        cannot be compared (an effect holding an environment), this argument
        itself. Two environments whose arguments mean the same give the same
        answers (see `DataFlow._scale`). Computed once."""
        if self._meaning is None:
            self._meaning = ("argument", id(self))  # (what an evaluation coming back to it sees)
            meaning = (self.evaluate(depth), self.effect(depth))
            try:
                hash(meaning)
            except TypeError:
                return self._meaning
            self._meaning = meaning
        return self._meaning

    def evaluate(self, depth: int) -> Optional[Scale]:
        if self.scale is not None or self.scales is None:
            return self.scale
        return self.scales.flow._scale(self.expr, depth + 1, self.env)

    def effect(self, depth: int) -> Optional[Tuple[Effect, ...]]:
        if self.scales is None:
            return None
        return self.scales.transforms._effect(self.expr, depth + 1, self.env)


Env = Dict[Tuple[int, str], Arg]


def environment_meaning(env: Env, depth: int) -> Hashable:
    """`env` as a key: its parameters and what each argument means (`Arg.meaning`)."""
    return tuple(sorted((parameter, argument.meaning(depth)) for parameter, argument in env.items()))


def catalog_input_keys() -> Tuple[str, ...]:
    return ("image", "images", "img", "pixel_values", "x", "input", "inputs", "data", "features")


def unpacked(value: ast.AST, path: Tuple[int, ...]) -> Optional[ast.AST]:
    """The part of an assigned tuple literal a target gets (`self.a, self.t = a, t`)."""
    for index in path:
        if not isinstance(value, (ast.Tuple, ast.List)) or not 0 <= index < len(value.elts):
            return None
        value = value.elts[index]
    return value


def short(qualname: str) -> str:
    for prefix in ("tensorflow.", "torchvision.", "numpy."):
        if qualname.startswith(prefix):
            return qualname
    return qualname


def self_normalizing_keras(name: str) -> bool:
    return name.startswith(catalog.KERAS_SELF_NORMALIZING_APPLICATIONS) or name.lower().startswith(
        tuple(p.lower() for p in catalog.KERAS_SELF_NORMALIZING_APPLICATIONS))
