"""Scale: what value scale data is at, and which steps changed it.

    scales = semantic.scale
    scales.scale_of(expr) -> Scale | None       # None: dllint cannot tell
    scales.model_input(model_expr) -> ModelInput | None   # what a model does with its input

A `Scale` says where the data's scale was decided (`origin`: `cv2.imread`,
`keras.datasets.mnist.load_data()`, `pd.read_csv`...), the level it is at
(`raw-0-255`, `0-1`, `standardized`, `unscaled`, `token-ids`, `encoded`) and
the value-changing steps seen on the way (`/ 255`, `Normalize`,
`StandardScaler`...). Casts, reshapes, device moves and geometric
augmentation keep the scale; anything dllint does not know (a library
function it has no row for) makes the scale unknown, so rules stay quiet.

Data is followed through assignments, tuple unpacking, `for` loops over
loaders, parameters (from every call of the function, in this file or
another), project functions (their returns, with the caller's arguments
bound to the parameters), generators (`yield`), project `Dataset` classes
(`__getitem__`, with the instantiation's arguments bound to `__init__`'s
parameters, so `self.transform` is the transform this dataset was given),
`DataLoader(..., collate_fn=)`, `TensorDataset`, `tf.data` pipelines and
their `.map(...)` functions, torchvision / albumentations / Keras
preprocessing pipelines (`Compose([...])`), scikit-learn transformers,
`Pipeline`s and `ColumnTransformer`s.

The data a dataset, loader or `tf.data` pipeline yields is an (input,
target) pair; a pair's `Scale` describes its input (`pair=True`), and
unpacking or indexing it with 0 gives the input itself.

Library knowledge is in catalog.py (`# -- input scale --`).

`Scales` is the front door; each question lives in its own module, with one
object per file (`scales.flow`, `scales.calls`, ...):

    records.py     Scale, ModelInput, Effect, Arg/Env: what the analysis passes around
    flow.py        following data to where its scale was decided (`scales.flow`)
    calls.py       calls that read data or change its scale (`scales.calls`)
    arithmetic.py  `/ 255`, `(x - mean) / std` and the numbers involved (`scales.arithmetic`)
    transforms.py  what a transform pipeline does to a scale (`scales.transforms`)
    models.py      what a model does with its input (`scales.models`)
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional, Tuple, Union

from dllint.semantic.scale.arithmetic import Arithmetic
from dllint.semantic.scale.calls import DataCalls
from dllint.semantic.scale.flow import DataFlow
from dllint.semantic.scale.models import ModelInputs
from dllint.semantic.scale.records import (
    ENCODED, NORMALIZED, ONE_COLUMN, RAW, STANDARDIZED, TOKEN_IDS, UNIT, UNSCALED, Arg, Effect, Env, FunctionNode,
    ModelInput, Scale, Step,
)
from dllint.semantic.scale.transforms import Transforms

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

__all__ = [
    "ENCODED", "NORMALIZED", "ONE_COLUMN", "RAW", "STANDARDIZED", "TOKEN_IDS", "UNIT", "UNSCALED", "Arg", "Effect", "Env",
    "FunctionNode", "ModelInput", "Scale", "Scales", "Step",
]


class Scales:
    """The scale facts of one file; other files' through their own `Scales`."""

    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self.flow = DataFlow(self)
        self.calls = DataCalls(self)
        self.arithmetic = Arithmetic(self)
        self.transforms = Transforms(self)
        self.models = ModelInputs(self)

    @property
    def here(self) -> str:
        return self.semantic.info.name

    def scale_of(self, expr: ast.AST) -> Optional[Scale]:
        """The scale of the data `expr` holds (its input part, for a pair)."""
        return self.flow._scale(expr, 0, {})

    def scale_in(self, expr: ast.AST, env: Env) -> Optional[Scale]:
        """`scale_of` with the parameters of the function `expr` is in bound
        by `env` (see `environment`)."""
        return self.flow._scale(expr, 0, env)

    def environment(self, function: Union[FunctionNode, ast.Lambda], call: Optional[ast.Call], caller: "Scales",
                    env: Env) -> Env:
        """The environment for evaluating `function` (of this file) called by
        `call`, made in `caller`'s file with `env` bound there."""
        return self.flow._bind(function, call, caller, env)

    def effect_of(self, transform: ast.AST) -> Optional[Tuple[Effect, ...]]:
        """What a transform (pipeline) does to the scale of what it is applied to."""
        return self.transforms._effect(transform, 0, {})

    def apply(self, transform: ast.AST, scale: Scale) -> Optional[Scale]:
        effect = self.transforms._effect(transform, 0, {})
        return None if effect is None else self.transforms._apply(effect, scale, 0)

    def apply_effect(self, effect: Tuple[Effect, ...], scale: Optional[Scale]) -> Optional[Scale]:
        """The scale after the steps `effect` (a pipeline's preprocessing)."""
        return self.transforms._apply(effect, scale, 0)

    def model_input(self, model_expr: ast.AST) -> Optional[ModelInput]:
        """What the model `model_expr` does with its input, None if unknown."""
        return self.models.model_input(model_expr)
