"""Calls that read data or change its scale.

Library readers (`cv2.imread`, `pd.read_csv`, `load_data`, torchvision
datasets with their transform), casts and reshapes that keep the scale,
normalizing functions, `DataLoader` (and its `collate_fn`), `TensorDataset`,
`tf.data` pipelines and their `.map(fn)`, Keras `ImageDataGenerator`,
scikit-learn `fit_transform` / `transform`, a transform object called on
data, and project functions and `Dataset` classes (evaluated with the
caller's arguments bound to their parameters).
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Optional, Tuple, Union

from dllint.semantic import catalog
from dllint.semantic.arguments import constant_string, keyword_value, positional_or_keyword
from dllint.semantic.module import return_expressions, yield_expressions
from dllint.semantic.scale.part import ScalePart
from dllint.semantic.scale.records import (
    ONE_COLUMN, RAW, STANDARDIZED, UNIT, UNSCALED, Arg, Env, FunctionNode, Scale, self_normalizing_keras, short,
)

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.scale import Scales


class DataCalls(ScalePart):
    """The scale of what the calls of one file return."""

    def _call(self, node: ast.Call, depth: int, env: Env) -> Optional[Scale]:
        qualname = self.scales.flow._qualified(node.func)
        first = node.args[0] if node.args and not isinstance(node.args[0], ast.Starred) else None
        if first is None:  # albumentations `transform(image=img)`, image processors `processor(images=img)`
            first = keyword_value(node, "image") or keyword_value(node, "images")
        if qualname is not None:
            found = self._library_call(node, qualname, first, depth, env)
            if found is not False:
                return found  # type: ignore[return-value]
        func = node.func
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in ("map", "map_batches") and first is not None:
                # the function may read the data itself (`map(load)` over file names)
                base = self.scales.flow._scale(func.value, depth + 1, env)
                return self._map(base, first, depth, env)
            if method in ("flow", "flow_from_directory", "flow_from_dataframe"):
                return self._image_generator(node, func.value, method, depth, env)
            if method in ("fit_transform", "transform") and not (
                    isinstance(func.value, ast.Name) and self.semantic._class_of_self(func.value, func) is not None):
                transformer = self.scales.transforms._effect(func.value, depth + 1, env)
                data = self.scales.flow._scale(first, depth + 1, env) if first is not None else None
                if transformer is None or data is None:
                    return None
                return self.scales.transforms._apply(transformer, data, depth)
            if method in catalog.SCALE_KEEPING_METHODS:
                base = self.scales.flow._scale(func.value, depth + 1, env)
                if base is None:
                    return None
                if method in ("float", "double", "half") or (method in ("astype", "to", "type") and _float_dtype(node)):
                    return replace(base, floating=True)
                return base
            if method in ("div", "div_", "true_divide", "mul", "mul_", "sub", "sub_") and first is not None:
                base = self.scales.flow._scale(func.value, depth + 1, env)
                op = {"div": ast.Div(), "div_": ast.Div(), "true_divide": ast.Div(), "mul": ast.Mult(),
                      "mul_": ast.Mult(), "sub": ast.Sub(), "sub_": ast.Sub()}[method]
                return self.scales.arithmetic._arithmetic(base, op, first, node, depth, env)
            if method in ("__getitem__",) and first is not None:
                return self.scales.flow._scale(func.value, depth + 1, env)
        # a transform object called on data: `self.transform(img)`, `preprocess(x)`
        if first is not None:
            effect = self.scales.transforms._callable_effect(func, depth, env)
            if effect is not None:
                data = self.scales.flow._scale(first, depth + 1, env)
                return self.scales.transforms._apply(effect, data, depth) if data is not None else None
        resolved_class = self.semantic.resolve_class(node.func)
        if resolved_class is not None:
            return self._project_dataset(resolved_class, node, depth, env)
        resolved = self.semantic.resolve_function(node)
        if resolved is not None:
            model, function = resolved
            inner = model.scale.flow._bind(function, node, self.scales, env)
            return model.scale.flow._returned(function, depth + 1, inner)
        return None

    def _library_call(self, node: ast.Call, qualname: str, first: Optional[ast.AST], depth: int, env: Env):
        """A library call's scale; False when the call is not a library call dllint knows."""
        here = self.here
        last = qualname.rsplit(".", 1)[-1]
        if qualname in catalog.RAW_IMAGE_SOURCES:
            found = Scale(RAW, node, here, f"`{short(qualname)}` (line {node.lineno})")
            if "image_dataset_from_directory" in qualname:
                found = replace(found, pair=True, floating=True)
            return found
        if qualname in catalog.TABLE_READERS:
            if self._reads_shared_scale_table(first):
                return None  # `pd.read_csv(".../iris.data")`: the data `load_iris` gives, one unit for every feature
            return Scale(UNSCALED, node, here, f"`{short(qualname)}` (line {node.lineno})")
        if qualname in catalog.SKLEARN_HETEROGENEOUS_LOADERS:
            return None  # a Bunch or an (X, y) pair: read through `.data` / unpacking
        if qualname in catalog.SCALE_KEEPING_FUNCTIONS:
            base = self.scales.flow._scale(first, depth + 1, env) if first is not None else None
            if base is None:
                return None
            if _float_dtype(node) or last in ("float32", "float64", "FloatTensor"):
                return replace(base, floating=True)
            return base
        if qualname in catalog.NORMALIZING_FUNCTIONS:
            base = self.scales.flow._scale(first, depth + 1, env) if first is not None else None
            if base is None:
                return None
            level = catalog.NORMALIZING_FUNCTIONS[qualname]
            if level == UNIT and base.level not in (RAW, UNIT):
                level = base.level if base.level not in (UNSCALED, ONE_COLUMN) else UNIT
            return base.step(level, f"`{last}`", node)
        if last == "preprocess_input" and qualname.startswith("keras.applications."):
            base = self.scales.flow._scale(first, depth + 1, env) if first is not None else None
            if base is None:
                return None
            application = qualname.split(".")[2] if qualname.count(".") >= 3 else ""
            if base.level == UNIT and not self_normalizing_keras(application):
                return base.step(STANDARDIZED, f"`{application}.preprocess_input`", node,
                                 problem=(f"divided to 0-1 before `{application}.preprocess_input`, which expects 0-255 input", node))
            if self_normalizing_keras(application):
                return base.step(base.level, f"`{application}.preprocess_input` (a pass-through)", node)
            return base.step(STANDARDIZED, f"`{application}.preprocess_input`", node)
        if qualname in ("torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader", "monai.data.DataLoader"):
            dataset = positional_or_keyword(node, 0, "dataset")
            found = self.scales.flow._scale(dataset, depth + 1, env) if dataset is not None else None
            collate = keyword_value(node, "collate_fn")
            if collate is not None and not (isinstance(collate, ast.Constant) and collate.value is None):
                return self._collate(collate, found, depth, env)
            return found
        if qualname in ("torch.utils.data.TensorDataset", "tensorflow.data.Dataset.from_tensor_slices",
                        "tensorflow.data.Dataset.from_tensors", "tensorflow.data.Dataset.zip"):
            if first is None:
                return None
            found = self.scales.flow._scale(first, depth + 1, env)
            if found is None:
                return None
            return replace(found, pair=found.pair or len(node.args) > 1 or isinstance(first, (ast.Tuple, ast.Dict)))
        if qualname in ("torch.utils.data.Subset", "torch.utils.data.ConcatDataset"):
            return self.scales.flow._scale(first, depth + 1, env) if first is not None else None
        if qualname.startswith("torchvision.datasets."):
            transform = positional_or_keyword(node, -1, "transform")
            if transform is None and last in ("ImageFolder", "DatasetFolder") and len(node.args) > 1:
                transform = node.args[1]
            if transform is None or (isinstance(transform, ast.Constant) and transform.value is None):
                return None  # PIL images: they cannot reach a model as they are
            raw = Scale(RAW, node, here, f"the images of `{short(qualname)}` (line {node.lineno})", pair=True)
            effect = self.scales.transforms._effect(transform, depth + 1, env)
            return self.scales.transforms._apply(effect, raw, depth) if effect is not None else None
        if qualname.startswith("sklearn.datasets."):
            return None
        if qualname.startswith(("numpy.", "torch.", "tensorflow.", "pandas.", "cv2.", "PIL.", "keras.", "sklearn.",
                                "torchvision.", "albumentations.", "skimage.", "imageio.", "scipy.", "math.")):
            if last in catalog.TRANSFORM_EFFECTS or qualname in catalog.PRETRAINED_PRESETS:
                return False  # a transform object (applied later), not data
            return None
        return False

    def _reads_shared_scale_table(self, path: Optional[ast.AST]) -> bool:
        """The file a table reader reads is a public data set whose features
        share one unit and range (`catalog.SHARED_SCALE_TABLES`), by its file
        name: written in the call, or in a variable bound once to it."""
        if isinstance(path, ast.Name):
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(path.id, scopes.scope_at(path), path.lineno)
            path = binding.value if binding is not None and binding.kind == "assign" and not binding.path else None
        text = constant_string(path)
        if text is None:
            return False
        stem = text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].split(".", 1)[0].lower()
        return stem in catalog.SHARED_SCALE_TABLES

    def _sklearn_loader(self, node: ast.Call, qualname: str, bunch: bool = False) -> Optional[Scale]:
        if qualname not in catalog.SKLEARN_HETEROGENEOUS_LOADERS:
            return None
        return_x_y = keyword_value(node, "return_X_y")
        if not bunch and not (isinstance(return_x_y, ast.Constant) and return_x_y.value is True):
            return None
        return Scale(UNSCALED, node, self.here, f"`{short(qualname)}` (line {node.lineno}), whose features span very different ranges")

    def _map(self, base: Optional[Scale], function: ast.AST, depth: int, env: Env) -> Optional[Scale]:
        """`dataset.map(fn)`: fn applied to each element (its first parameter gets the input)."""
        target = self._function_expr(function)
        if base is None:
            if target is None:
                return None
            scales, node = target
            returned = return_expressions(node)
            for expr in returned:
                found = scales.flow._scale(expr, depth + 1, {})
                if found is not None:
                    return found
            return None
        if target is None:
            effect = self.scales.transforms._effect(function, depth + 1, env)
            return self.scales.transforms._apply(effect, base, depth) if effect is not None else None
        scales, node = target
        positional = node.args.posonlyargs + node.args.args
        if not positional:
            return None
        element = replace(base, pair=False) if base.pair and len(positional) > 1 else base
        inner: Env = {(id(node), positional[0].arg): Arg(scale=element)}
        returned = return_expressions(node)
        for expr in returned:
            found = scales.flow._scale(expr, depth + 1, inner)
            if found is not None:
                return replace(found, pair=found.pair or base.pair)
        return None

    def _collate(self, collate: ast.AST, dataset: Optional[Scale], depth: int, env: Env) -> Optional[Scale]:
        target = self._function_expr(collate)
        if target is None or dataset is None:
            return None
        scales, node = target
        positional = node.args.posonlyargs + node.args.args
        if not positional:
            return None
        inner: Env = {(id(node), positional[0].arg): Arg(scale=dataset)}
        returned = return_expressions(node)
        for expr in returned:
            found = scales.flow._scale(expr, depth + 1, inner)
            if found is not None:
                return found
        return None

    def _function_expr(self, expr: ast.AST) -> Optional[Tuple["Scales", Union[FunctionNode, ast.Lambda]]]:
        if isinstance(expr, ast.Lambda):
            return self.scales, expr
        resolved = self.semantic.function_named(expr, expr)
        if resolved is not None:
            return resolved[0].scale, resolved[1]
        return None

    def _image_generator(self, node: ast.Call, generator: ast.AST, method: str, depth: int, env: Env) -> Optional[Scale]:
        """Keras `ImageDataGenerator(...).flow(x)` / `.flow_from_directory(...)`."""
        made = self.scales.flow._construction(generator, depth)
        if not isinstance(made, ast.Call) or not (self.semantic.qualified_name(made.func) or "").endswith("ImageDataGenerator"):
            return None
        if method == "flow":
            first = node.args[0] if node.args else keyword_value(node, "x")
            base = self.scales.flow._scale(first, depth + 1, env) if first is not None else None
        else:
            base = Scale(RAW, node, self.here, f"`{method}` (line {node.lineno})")
        if base is None:
            return None
        base = replace(base, pair=True)
        for keyword in made.keywords:
            if keyword.arg == "rescale" and not (isinstance(keyword.value, ast.Constant) and keyword.value.value in (None, 1, 1.0)):
                return base.step(UNIT, "`ImageDataGenerator(rescale=...)`", made)
            if keyword.arg == "preprocessing_function":
                return None
            if keyword.arg in ("featurewise_std_normalization", "samplewise_std_normalization", "featurewise_center", "samplewise_center") \
                    and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                return base.step(STANDARDIZED, f"`ImageDataGenerator({keyword.arg}=...)`", made)
        return base

    def _project_dataset(self, resolved, node: ast.Call, depth: int, env: Env) -> Optional[Scale]:
        """An instance of a project class: a Dataset (its `__getitem__`) or an iterable (`__iter__`)."""
        model, class_node = resolved
        methods = {s.name: s for s in class_node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        reader = methods.get("__getitem__") or methods.get("__iter__")
        if reader is None:
            return None
        init = methods.get("__init__")
        inner = model.scale.flow._bind(init, node, self.scales, env, skip_self=True) if init is not None else {}
        found = model.scale.flow._returned(reader, depth + 1, inner)
        return replace(found, pair=True) if found is not None and not found.pair and _returns_pair(reader) else found


def _returns_pair(function: FunctionNode) -> bool:
    return any(isinstance(r, (ast.Tuple, ast.Dict)) for r in return_expressions(function) + yield_expressions(function))


def _float_dtype(call: ast.Call) -> bool:
    for argument in list(call.args) + [k.value for k in call.keywords if k.arg == "dtype"]:
        text = ast.unparse(argument) if hasattr(ast, "unparse") else ""
        if "float" in text or "double" in text or "half" in text:
            return True
    return False
