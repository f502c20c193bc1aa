"""What a model does with its input: normalizes it inside, needs its
pretraining statistics, is scale-sensitive or scale-invariant, or cannot be seen.

Keras: a `Rescaling` / `Normalization` layer in the file that builds the
model, self-normalizing applications, `keras.Model(inputs=base.input, ...)`.
PyTorch: a project `nn.Module` that divides or standardizes (or a base class
that does), a norm layer first in an `nn.Sequential`, torchvision / timm
models with pretrained weights. scikit-learn: the final estimator of a
`Pipeline` (its earlier steps are the preprocessing) or of a meta-estimator.
"""
from __future__ import annotations

import ast
from dataclasses import replace
from typing import TYPE_CHECKING, Optional, Tuple

from dllint.semantic import catalog
from dllint.semantic.arguments import keyword_value, positional_or_keyword
from dllint.semantic.scale.part import ScalePart
from dllint.semantic.scale.records import Effect, ModelInput, self_normalizing_keras, short
from dllint.semantic.values import MODEL

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


class ModelInputs(ScalePart):
    """What the models of one file do with their input."""

    def model_input(self, model_expr: ast.AST) -> Optional[ModelInput]:
        value = self.semantic.value_of(model_expr)
        if value is None or value.kind != MODEL or value.origin is None or value.by_name:
            return None
        owner = self._model_of(value.module)
        origin = value.origin
        qualname = value.qualname or ""
        last = qualname.rsplit(".", 1)[-1]
        if value.framework == "sklearn":
            return owner.scale.models._sklearn_model(origin, qualname)
        if value.framework == "keras":
            return owner.scale.models._keras_model(origin, qualname)
        if value.framework == "torch":
            return owner.scale.models._torch_model(origin, qualname, last)
        return ModelInput(value.framework, qualname, origin)

    def _model_of(self, module: str) -> "ModuleModel":
        if module == self.here:
            return self.semantic
        info = self.semantic.project.module(module, self.semantic.info)
        return self.semantic.project.model_for(info) if info is not None else self.semantic

    def _sklearn_model(self, origin: ast.AST, qualname: str) -> ModelInput:
        last = qualname.rsplit(".", 1)[-1]
        preprocessing: Tuple[Effect, ...] = ()
        unknown = False
        estimator_node = origin
        for _ in range(4):
            if not isinstance(estimator_node, ast.Call):
                break
            name = (self.semantic.qualified_name(estimator_node.func) or "").rsplit(".", 1)[-1]
            if name in catalog.SKLEARN_META_ESTIMATORS:
                # `base_estimator=` is the name scikit-learn used before 1.2
                inner = positional_or_keyword(estimator_node, 0, "estimator") or keyword_value(estimator_node, "base_estimator")
                resolved = self.scales.flow._construction(inner, 0) if inner is not None else None
                if resolved is None:
                    return ModelInput("sklearn", qualname, origin, pipeline_unknown=True)
                estimator_node = resolved
                continue
            if name in ("Pipeline", "make_pipeline"):
                steps = self.scales.transforms._pipeline_steps(estimator_node)
                if not steps:
                    return ModelInput("sklearn", qualname, origin, pipeline_unknown=True)
                effect = self.scales.transforms._sequence_effect(steps[:-1], 0, {})
                if effect is None:
                    unknown = True
                else:
                    preprocessing += effect
                final = self.scales.flow._construction(steps[-1], 0)
                if final is None:
                    return ModelInput("sklearn", qualname, origin, pipeline_unknown=True)
                estimator_node = final
                continue
            last = name
            break
        normalizing = _normalizes_features(estimator_node, last)
        return ModelInput(
            "sklearn", qualname, origin, estimator=last, normalizes_inside=normalizing,
            scale_sensitive=last in catalog.SCALE_SENSITIVE_ESTIMATORS and normalizing is None,
            scale_invariant=last.endswith(("Tree", "Forest", "Boosting", "Regressor", "Classifier", "NB", "Trees")) and last not in catalog.SCALE_SENSITIVE_ESTIMATORS,
            preprocessing=preprocessing, pipeline_unknown=unknown,
        )

    def _keras_model(self, origin: ast.AST, qualname: str) -> ModelInput:
        last = qualname.rsplit(".", 1)[-1]
        if qualname.startswith("keras.applications."):
            if self_normalizing_keras(last):
                return ModelInput("keras", qualname, origin, normalizes_inside=f"`{last}` normalizes its 0-255 input inside the graph")
            weights = keyword_value(origin, "weights") if isinstance(origin, ast.Call) else None
            if weights is None or not (isinstance(weights, ast.Constant) and weights.value is None):
                return ModelInput("keras", qualname, origin, pretrained=f"`{last}` with ImageNet weights (expects `preprocess_input`)")
        if isinstance(origin, ast.Call):
            inputs = positional_or_keyword(origin, 0, "inputs")
            if isinstance(inputs, ast.Attribute) or isinstance(inputs, ast.Subscript):
                # keras.Model(inputs=model.input, outputs=...): a view of another model,
                # whose input needs are the application's when it is one
                application = self._application_behind(inputs)
                if application is not None:
                    return application
                return ModelInput("keras", qualname, origin, opaque=f"built on `{ast.unparse(inputs)}`")
        evidence = self._keras_normalization_in_file()
        opaque = self._loaded_models_in_file()
        pretrained = self._keras_pretrained_base_in_file() if evidence is None else None
        return ModelInput("keras", qualname, origin, normalizes_inside=evidence, opaque=opaque, pretrained=pretrained)

    def _application_behind(self, inputs: ast.AST) -> Optional[ModelInput]:
        """`keras.Model(base.input, head)` where `base = Xception(weights="imagenet", ...)`:
        what the Keras application whose input the model takes expects."""
        from dllint.semantic.training_loops import constructor_of

        if not (isinstance(inputs, ast.Attribute) and inputs.attr in ("input", "inputs")):
            return None
        constructor = constructor_of(self.semantic, inputs.value)
        qualname = self.semantic.qualified_name(constructor.func) if constructor is not None else None
        if constructor is None or not (qualname or "").startswith("keras.applications."):
            return None
        return self._keras_model(constructor, qualname)

    def _loaded_models_in_file(self) -> Optional[str]:
        """A model loaded from disk or a hub in the file: its layers (and any Rescaling) are not visible."""
        for call in self.semantic.nodes_of(ast.Call):
            qualname = self.semantic.qualified_name(call.func) or ""
            if qualname.endswith(catalog.OPAQUE_MODEL_LOADERS):
                return f"`{qualname.rsplit('.', 1)[-1]}` (line {call.lineno})"
        return None

    def _keras_normalization_in_file(self) -> Optional[str]:
        """A normalizing layer or preprocessing anywhere in the file that builds the model."""
        for call in self.semantic.nodes_of(ast.Call):
            qualname = self.semantic.qualified_name(call.func) or ""
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("keras.") and last in ("Rescaling", "Normalization", "preprocess_input", "Lambda", "CenterCrop_"):
                return f"`{last}` (line {call.lineno})"
            if qualname.startswith("keras.applications.") and self_normalizing_keras(last):
                return f"`{last}` (line {call.lineno}) normalizes inside the graph"
        return None

    def _keras_pretrained_base_in_file(self) -> Optional[str]:
        """A Keras application with ImageNet weights built in the file (a base inside the model)."""
        for call in self.semantic.nodes_of(ast.Call):
            qualname = self.semantic.qualified_name(call.func) or ""
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith("keras.applications.") and last[:1].isupper() and not self_normalizing_keras(last):
                weights = keyword_value(call, "weights")
                if weights is None or not (isinstance(weights, ast.Constant) and weights.value is None):
                    return f"the pretrained `{last}` base (line {call.lineno}, expects `preprocess_input`)"
        return None

    def _torch_model(self, origin: ast.AST, qualname: str, last: str) -> ModelInput:
        if isinstance(origin, ast.Call) and qualname == "torch.hub.load":
            repo = positional_or_keyword(origin, 0, "repo_or_dir")
            entry = positional_or_keyword(origin, 1, "model")
            repo_text = repo.value if isinstance(repo, ast.Constant) and isinstance(repo.value, str) else None
            if repo_text is None or repo_text.split(":")[0] != catalog.TORCH_HUB_TORCHVISION:
                return ModelInput("torch", qualname, origin, opaque=f"loaded with `torch.hub.load` (line {origin.lineno}), whose code may prepare its own input")
            if isinstance(entry, ast.Constant) and isinstance(entry.value, str):
                qualname, last = f"torchvision.models.{entry.value}", entry.value
        if isinstance(origin, ast.Call) and qualname.startswith(catalog.PRETRAINED_VISION_FACTORIES):
            if any(part in last.lower() for part in catalog.TORCHVISION_SELF_NORMALIZING_MODELS):
                return ModelInput("torch", qualname, origin, normalizes_inside=f"`{last}` normalizes in its own transform")
            if _loads_pretrained(origin):
                return ModelInput("torch", qualname, origin, pretrained=f"`{short(qualname)}` with pretrained weights (line {origin.lineno})")
            return ModelInput("torch", qualname, origin)
        resolved = self.semantic.resolve_class(origin.func) if isinstance(origin, ast.Call) else None
        if resolved is not None:
            model, class_node = resolved
            return model.scale.models._torch_class(class_node, qualname, origin)
        if isinstance(origin, ast.Call) and qualname == "torch.nn.Sequential":
            first_layer = origin.args[0] if origin.args and isinstance(origin.args[0], ast.Call) else None
            first_name = (self.semantic.qualified_name(first_layer.func) or "") if first_layer is not None else ""
            if first_name.startswith("torch.nn.") and first_name.rsplit(".", 1)[-1].startswith(("BatchNorm", "LayerNorm", "InstanceNorm", "GroupNorm")):
                return ModelInput("torch", qualname, origin, normalizes_inside=f"`{first_name.rsplit('.', 1)[-1]}` is the model's first layer")
            for element in origin.args:
                made = element if isinstance(element, ast.Call) else None
                if made is None:
                    continue
                name = self.semantic.qualified_name(made.func) or ""
                if name.endswith(("Normalize", "Rescaling")):
                    return ModelInput("torch", qualname, origin, normalizes_inside=f"`{name.rsplit('.', 1)[-1]}` in the model")
                inner = self.semantic.resolve_class(made.func)
                if inner is not None:
                    found = inner[0].scale.models._torch_class(inner[1], name, made)
                    if found.normalizes_inside or found.pretrained:
                        return replace(found, qualname=qualname, node=origin)
                if name.startswith(catalog.PRETRAINED_VISION_FACTORIES) and _loads_pretrained(made):
                    return ModelInput("torch", qualname, origin, pretrained=f"`{short(name)}` with pretrained weights (line {made.lineno})")
        return ModelInput("torch", qualname, origin)

    def _torch_class(self, class_node: ast.ClassDef, qualname: str, origin: ast.AST, depth: int = 0) -> ModelInput:
        pretrained = None
        for base in class_node.bases:  # a project base class that normalizes, or holds a pretrained backbone
            resolved = self.semantic.resolve_class(base) if depth < 4 else None
            if resolved is not None and resolved[1] is not class_node:
                inherited = resolved[0].scale.models._torch_class(resolved[1], qualname, origin, depth + 1)
                if inherited.normalizes_inside:
                    return inherited
                pretrained = pretrained or inherited.pretrained
        for node in ast.walk(class_node):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                value = self.scales.arithmetic._number(node.right, 0)
                if (value is not None and value >= 2) or isinstance(node.left, ast.BinOp) and isinstance(node.left.op, ast.Sub):
                    return ModelInput("torch", qualname, origin, normalizes_inside=f"`{class_node.name}` scales its input (line {node.lineno})")
            if isinstance(node, ast.Call):
                name = self.semantic.qualified_name(node.func) or ""
                attr = node.func.attr if isinstance(node.func, ast.Attribute) else ""
                if name.endswith(("Normalize", "normalize", "Rescaling")) or attr in ("div", "div_", "sub_", "register_buffer") and _mentions_mean(node):
                    return ModelInput("torch", qualname, origin, normalizes_inside=f"`{class_node.name}` normalizes its input (line {node.lineno})")
                if name.startswith(catalog.PRETRAINED_VISION_FACTORIES) and _loads_pretrained(node):
                    pretrained = f"`{short(name)}` with pretrained weights (line {node.lineno})"
        return ModelInput("torch", qualname, origin, pretrained=pretrained)


def _loads_pretrained(call: ast.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg in ("weights", "pretrained"):
            value = keyword.value
            if isinstance(value, ast.Constant):
                return value.value not in (None, False)
            return True
    return False


def _mentions_mean(node: ast.Call) -> bool:
    text = ast.dump(node).lower()
    return "mean" in text or "std" in text or "255" in text


def _normalizes_features(estimator: ast.AST, name: str) -> Optional[str]:
    """`Ridge(normalize=True)`: scikit-learn's linear models before 1.2 scaled
    each feature inside `fit` when asked to."""
    if not isinstance(estimator, ast.Call):
        return None
    flag = keyword_value(estimator, "normalize")
    if isinstance(flag, ast.Constant) and flag.value is True:
        return f"`{name}(normalize=True)` scales each feature inside `fit`"
    return None
