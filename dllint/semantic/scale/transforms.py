"""What a transform does to the scale of the data it is applied to.

torchvision / albumentations / Keras preprocessing pipelines (`Compose`,
`Sequential`, `ToTensor`, `Normalize(mean=..., std=...)`, `Rescaling`),
pretrained presets (`weights.transforms()`, timm `create_transform`),
scikit-learn scalers, encoders, `Pipeline`s and `ColumnTransformer`s, and
project functions, lambdas and classes applied to the data. An effect is a
tuple of steps (`records.Effect`); `_apply` runs it on a `Scale`.
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, List, Optional, Tuple

from dllint.semantic import catalog
from dllint.semantic.arguments import keyword_value, positional_or_keyword
from dllint.semantic.module import return_expressions
from dllint.semantic.scale.arithmetic import number_text
from dllint.semantic.scale.part import ScalePart
from dllint.semantic.scale.records import (
    ENCODED, MAX_DEPTH, RAW, STANDARDIZED, UNIT, UNSCALED, Arg, Effect, Env, Scale, unpacked,
)

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.scale import Scales


class Transforms(ScalePart):
    """The effects of the transforms of one file."""

    def _callable_effect(self, func: ast.AST, depth: int, env: Env) -> Optional[Tuple[Effect, ...]]:
        """The effect of calling `func` on data, when `func` holds a transform object."""
        if isinstance(func, ast.Call):
            return None
        if isinstance(func, ast.Name) and self.semantic.function_named(func, func) is not None:
            return None
        if isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                                          and self.semantic._class_of_self(func.value, func) is not None):
            held = self._transform_expression(func, depth, env)
            if held is None:
                return None
            return self._effect(func, depth + 1, env)
        return None

    def _transform_expression(self, func: ast.AST, depth: int, env: Env) -> Optional[ast.AST]:
        """Whether a name or `self.attr` holds something built by a call or a parameter."""
        scopes = self.semantic.scopes
        if isinstance(func, ast.Name):
            scope, binding = scopes.lookup(func.id, scopes.scope_at(func), func.lineno)
            if binding is None or binding.kind not in ("assign", "param"):
                return None
            return binding.node
        class_node = self.semantic._class_of_self(func.value, func)  # type: ignore[attr-defined]
        class_scope = scopes.scopes.get(class_node) if class_node is not None else None
        bindings = class_scope.attributes.get(func.attr) if class_scope else None  # type: ignore[attr-defined]
        return bindings[-1].node if bindings else None

    def _effect(self, node: Optional[ast.AST], depth: int, env: Env) -> Optional[Tuple[Effect, ...]]:
        """What a transform does to the scale of the data it is applied to; None when unknown."""
        if node is None or depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Constant) and node.value is None:
            return ()
        if isinstance(node, ast.Name):
            scopes = self.semantic.scopes
            scope, binding = scopes.lookup(node.id, scopes.scope_at(node), node.lineno)
            if binding is None:
                return None
            if binding.kind == "param":
                function = scope.node if scope is not None else None
                bound = env.get((id(function), binding.name))
                if bound is not None:
                    return bound.effect(depth)
                if binding.value is not None:  # the default
                    return self._effect(binding.value, depth + 1, env)
                return self._parameter_effect(binding, scope, depth)
            if binding.kind == "assign" and not binding.path:
                return self._effect(binding.value, depth + 1, env)
            if binding.kind == "import":
                imported = self.scales.flow._imported(node)
                return imported[0].transforms._effect(imported[1], depth + 1, {}) if imported is not None else None
            if binding.kind == "def":
                return (("call", binding.value, f"`{node.id}`", (self.scales, binding.value)),)
            return None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            class_node = self.semantic._class_of_self(node.value, node)
            if class_node is not None:
                class_scope = self.semantic.scopes.scopes.get(class_node)
                bindings = class_scope.attributes.get(node.attr) if class_scope else None
                if not bindings:
                    return None
                binding = bindings[-1]
                if binding.kind != "assign":
                    return None
                value = unpacked(binding.value, binding.path)
                if value is None:
                    return None
                return self._effect(value, depth + 1, env)
        if isinstance(node, ast.Lambda):
            return (("call", node, "a lambda", (self.scales, node)),)
        if isinstance(node, ast.IfExp):
            body, orelse = self._effect(node.body, depth + 1, env), self._effect(node.orelse, depth + 1, env)
            if body is not None and orelse is not None and effect_kinds(body) == effect_kinds(orelse):
                return body
            return None
        if isinstance(node, (ast.List, ast.Tuple)):
            return self._sequence_effect(node.elts, depth, env)
        if not isinstance(node, ast.Call):
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("fit", "set_output", "set_params"):
            return self._effect(node.func.value, depth + 1, env)  # `StandardScaler().fit(X_train)` returns the scaler
        qualname = self.semantic.qualified_name(node.func) or ""
        last = qualname.rsplit(".", 1)[-1]
        if isinstance(node.func, ast.Attribute) and node.func.attr == "transforms" and not qualname.startswith("torchvision.transforms"):
            # weights.transforms(), ResNet50_Weights.DEFAULT.transforms()
            return (("pretrained", node, "`weights.transforms()`", None),)
        if qualname in catalog.PRETRAINED_PRESETS or last in ("create_transform",) and qualname.startswith("timm"):
            return (("pretrained", node, f"`{last}`", None),)
        if last in ("Compose", "Sequential") and qualname.startswith(("torchvision.transforms", "albumentations", "keras.", "torch.nn.Sequential")):
            items = node.args[0] if node.args and isinstance(node.args[0], (ast.List, ast.Tuple)) else None
            if items is None and last == "Sequential" and qualname == "torch.nn.Sequential":
                return self._sequence_effect(node.args, depth, env)
            if items is None:
                return None
            return self._sequence_effect(items.elts, depth, env)
        if qualname.startswith(catalog.TRANSFORM_MODULE_PREFIXES) and last in catalog.TRANSFORM_EFFECTS:
            kind = catalog.TRANSFORM_EFFECTS[last]
            if last == "ToDtype" or last == "ConvertImageDtype":
                kind = "unit"
            if last in ("Normalize", "Normalization"):
                return (("standardize", node, f"`{last}{_normalize_constants(self.scales, node)}`", node),)
            if last == "Rescaling":
                scale = self.scales.arithmetic._number(node.args[0], depth) if node.args else None
                if scale is not None and scale >= 0.5:
                    return ()
            return ((kind, node, f"`{last}`", None),)
        if last == "ToDtype" and qualname.startswith("torchvision.transforms"):
            scale = keyword_value(node, "scale")
            if isinstance(scale, ast.Constant) and scale.value is True:
                return (("unit", node, "`ToDtype(scale=True)`", None),)
            return (("float", node, "`ToDtype`", None),)
        if last == "Lambda" and qualname.startswith("torchvision.transforms") and node.args:
            return self._effect(node.args[0], depth + 1, env)
        if last.endswith("Scaler") or last in catalog.SKLEARN_SCALERS:
            if qualname.startswith("sklearn.") or not qualname:
                return (("standardize", node, f"`{last}`", None),)
        if qualname.startswith("sklearn."):
            return self._sklearn_effect(node, qualname, last, depth, env)
        resolved_class = self.semantic.resolve_class(node.func)
        if resolved_class is not None:
            model, class_node = resolved_class
            for statement in class_node.body:
                if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name in ("__call__", "forward", "call"):
                    init = next((s for s in class_node.body if isinstance(s, ast.FunctionDef) and s.name == "__init__"), None)
                    inner = model.scale.flow._bind(init, node, self.scales, env, skip_self=True) if init is not None else {}
                    return (("call", statement, f"`{class_node.name}`", (model.scale, statement, inner)),)
            return None
        resolved = self.semantic.resolve_function(node)
        if resolved is not None:  # a project function building the transform
            model, function = resolved
            inner = model.scale.flow._bind(function, node, self.scales, env)
            for returned in return_expressions(function):
                found = model.scale.transforms._effect(returned, depth + 1, inner)
                if found is not None:
                    return found
        return None

    def _parameter_effect(self, binding, scope, depth: int) -> Optional[Tuple[Effect, ...]]:
        function = scope.node if scope is not None else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not binding.path:
            return None
        from dllint.semantic.module import _call_argument

        effects = []
        calls = [(self.scales, c) for c in self.semantic.callers_of(function)] or [(m.scale, c) for m, c in self.semantic.callers_elsewhere(function)]
        for scales, call in calls:
            argument = _call_argument(call, function, binding.path[0], binding.name)
            if argument is not None:
                effects.append(scales.transforms._effect(argument, depth + 1, {}))
        if not effects or any(e is None for e in effects):
            return None
        if len({effect_kinds(e) for e in effects}) != 1:
            return None  # callers disagree: which one runs is not known here
        return effects[0]

    def _sequence_effect(self, elements, depth: int, env: Env) -> Optional[Tuple[Effect, ...]]:
        total: List[Effect] = []
        for element in elements:
            if isinstance(element, ast.Starred):
                return None
            effect = self._effect(element, depth + 1, env)
            if effect is None:
                if self._is_augmentation(element):
                    continue
                return None
            total.extend(effect)
        return tuple(total)

    def _is_augmentation(self, node: ast.AST) -> bool:
        """A Keras random layer or a project layer named like an augmentation: never value-normalizing."""
        qualname = self.semantic.qualified_name(node.func) if isinstance(node, ast.Call) else None
        last = (qualname or "").rsplit(".", 1)[-1]
        return last.startswith(("Random", "Resiz", "CenterCrop"))

    def _sklearn_effect(self, node: ast.Call, qualname: str, last: str, depth: int, env: Env) -> Optional[Tuple[Effect, ...]]:
        if last in catalog.SKLEARN_ENCODERS:
            return (("encode", node, f"`{last}`", None),)
        if last in catalog.SKLEARN_SCALE_KEEPING:
            return ()
        if last in ("Pipeline", "make_pipeline"):
            steps = self._pipeline_steps(node)
            if steps is None:
                return None
            return self._sequence_effect(steps, depth, env)
        if last in ("ColumnTransformer", "make_column_transformer"):
            return (("columns", node, f"`{last}`", self._column_summary(node, depth, env)),)
        if last == "FunctionTransformer":
            func = positional_or_keyword(node, 0, "func")
            if func is None or (isinstance(func, ast.Constant) and func.value is None):
                return ()
            return None
        if last in ("PCA", "TruncatedSVD", "PolynomialFeatures"):
            return (("keep", node, f"`{last}`", None),)
        return None

    def _pipeline_steps(self, node: ast.Call) -> Optional[List[ast.AST]]:
        qualname = self.semantic.qualified_name(node.func) or ""
        if qualname.endswith("make_pipeline"):
            return [a for a in node.args]
        steps = positional_or_keyword(node, 0, "steps")
        if not isinstance(steps, (ast.List, ast.Tuple)):
            return None
        found = []
        for item in steps.elts:
            if not isinstance(item, ast.Tuple) or len(item.elts) < 2:
                return None
            found.append(item.elts[1])
        return found

    def _column_summary(self, node: ast.Call, depth: int, env: Env) -> Optional[Tuple[str, ...]]:
        """Per column group: "scaled", "encoded", "kept" (passthrough / imputers), "dropped"; None if unknown."""
        qualname = self.semantic.qualified_name(node.func) or ""
        if qualname.endswith("make_column_transformer"):
            transformers = [a.elts[0] for a in node.args if isinstance(a, ast.Tuple) and a.elts]
        else:
            listed = positional_or_keyword(node, 0, "transformers")
            if not isinstance(listed, (ast.List, ast.Tuple)):
                return None
            transformers = [t.elts[1] for t in listed.elts if isinstance(t, ast.Tuple) and len(t.elts) >= 2]
        remainder = keyword_value(node, "remainder")
        if remainder is not None:
            transformers.append(remainder)
        summary = []
        for transformer in transformers:
            if isinstance(transformer, ast.Constant):
                summary.append("kept" if transformer.value == "passthrough" else "dropped")
                continue
            effect = self._effect(transformer, depth + 1, env)
            if effect is None:
                return None
            kinds = effect_kinds(effect)
            if any(k in ("standardize", "unit", "pretrained") for k in kinds):
                summary.append("scaled")
            elif "encode" in kinds:
                summary.append("encoded")
            elif all(k == "keep" for k in kinds):
                summary.append("kept")
            else:
                return None
        return tuple(summary)

    def _apply(self, effect: Tuple[Effect, ...], scale: Optional[Scale], depth: int) -> Optional[Scale]:
        if scale is None:
            return None
        pair = scale.pair
        current = replace(scale, pair=False)
        for kind, node, text, extra in effect:
            if kind == "keep":
                continue
            if kind == "to_unit":
                if current.level == RAW and not current.floating:
                    current = current.step(UNIT, text, node, floating=True)
                elif current.level == RAW:
                    current = replace(current, steps=current.steps + ((f"{text} (which leaves float input at its scale)", node),))
                else:
                    current = replace(current, floating=True)
            elif kind == "unit":
                current = current.step(UNIT if current.level in (RAW, UNIT) else current.level, text, node, floating=True)
            elif kind == "float":
                current = replace(current, floating=True, steps=current.steps + ((f"{text} (a cast: the values stay)", node),))
            elif kind == "standardize":
                if current.level == RAW and isinstance(extra, ast.Call) and _small_means(self.scales, extra):
                    current = current.step(RAW, text, node, problem=(f"{text} expects 0-1 input but gets 0-255 values", node))
                else:
                    current = current.step(STANDARDIZED, text, node)
            elif kind == "pretrained":
                current = current.step(STANDARDIZED, text, node, floating=True)
            elif kind == "encode":
                current = current.step(ENCODED, text, node)
            elif kind == "columns":
                if extra is None:
                    return None
                summary = set(extra)
                if "scaled" in summary:
                    current = current.step(STANDARDIZED, text, node)
                elif "kept" in summary and current.level == UNSCALED:
                    current = replace(current, steps=current.steps + ((f"{text} (numeric columns passed through)", node),))
                elif summary <= {"encoded", "dropped"}:
                    current = current.step(ENCODED, text, node)
                else:
                    return None
            elif kind == "call":
                scales, function = extra[0], extra[1]
                inner = dict(extra[2]) if len(extra) > 2 else {}
                positional = function.args.posonlyargs + function.args.args
                if positional and positional[0].arg in ("self", "cls"):
                    positional = positional[1:]
                if not positional:
                    return None
                inner[(id(function), positional[0].arg)] = Arg(scale=current)
                returned = return_expressions(function)
                result = None
                for expr in returned:
                    result = scales.flow._scale(expr, depth + 1, inner)
                    if result is not None:
                        break
                if result is None:
                    return None
                current = replace(result, pair=False)
            else:
                return None
        return replace(current, pair=pair)


def effect_kinds(effect: Tuple[Effect, ...]) -> Tuple[str, ...]:
    return tuple(kind for kind, _, _, _ in effect if kind != "keep")


def _normalize_constants(scales: "Scales", call: ast.Call) -> str:
    mean = positional_or_keyword(call, 0, "mean")
    std = positional_or_keyword(call, 1, "std")
    parts = []
    for name, node in (("mean", mean), ("std", std)):
        literal = _literal(scales, node)
        if literal is None:
            return ""
        parts.append(f"{name}={literal}")
    return "(" + ", ".join(parts) + ")"


def _literal(scales: "Scales", node: Optional[ast.AST], depth: int = 0) -> Optional[str]:
    if node is None or depth > 4:
        return None
    if isinstance(node, ast.Name):
        s = scales.semantic.scopes
        _, binding = s.lookup(node.id, s.scope_at(node), node.lineno)
        if binding is not None and binding.kind == "assign":
            return _literal(scales, unpacked(binding.value, binding.path), depth + 1)
        return None
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [scales.arithmetic._number(e, 0) for e in node.elts]
        if any(v is None for v in values):
            return None
        return "(" + ", ".join(number_text(v) for v in values) + ")"  # type: ignore[arg-type]
    value = scales.arithmetic._number(node, 0)
    return number_text(value) if value is not None else None


def _small_means(scales: "Scales", call: ast.Call) -> bool:
    """`Normalize(mean=(0.485, ...))`: constants for 0-1 input."""
    mean = positional_or_keyword(call, 0, "mean")
    literal = _literal(scales, mean)
    if literal is None:
        return False
    numbers = [float(p) for p in literal.strip("()").split(",") if p.strip()]
    return bool(numbers) and all(0 <= n <= 1 for n in numbers)
