"""What calling an instance returns: a layer's activation, the last layer of
a `nn.Sequential` / `keras.Sequential`, the functional Keras graph,
`keras.applications` models and torchvision / timm classifiers (logits,
unless their head was replaced), and a project class (its `forward()`).
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, List, Optional, Tuple

from dllint.semantic import catalog
from dllint.semantic.activations.containers import added_layers, container_is_changed, replaced_heads
from dllint.semantic.activations.part import WalkPart
from dllint.semantic.activations.records import (
    LOGITS, SOFTMAX, Activation, Path, short, unknown, unpacks_arguments,
)
from dllint.semantic.arguments import constant_string, positional_or_keyword

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel


class LayerWalk(WalkPart):
    """What layers, containers and library models return."""

    def instance_output(self, constructor: ast.Call, ctor_model: "ModuleModel", call: Optional[ast.Call], call_model, frame,
                        path: Path, depth: int, *, framework_call: bool = False) -> Activation:
        qualname = ctor_model.qualified_name(constructor.func)

        def input_activation() -> Activation:
            if call is None or not call.args or isinstance(call.args[0], ast.Starred):
                return unknown("input unknown")
            return self.walk.value(call.args[0], call_model or ctor_model, frame, path, depth)

        resolved_class = ctor_model.resolve_class(constructor.func)
        if resolved_class is not None:
            class_model, class_node = resolved_class
            return self.walk.calls.class_output(class_node, class_model, call, call_model, frame, (constructor, ctor_model), path, depth, framework_call=framework_call)
        if qualname is None:
            return unknown("unknown constructor")
        layer = self.layer_effect(constructor, ctor_model, qualname, depth)
        if layer is not None:
            if layer == "preserve":
                return input_activation()
            return self.walk.leaf(layer, path)
        if qualname == "torch.nn.Sequential":
            return self.sequence_output(self.torch_sequential_layers(constructor, ctor_model), ctor_model, input_activation, path, depth, "nn.Sequential")
        if qualname == "keras.Sequential":
            return self.sequence_output(self.keras_sequential_layers(constructor, ctor_model), ctor_model, input_activation, path, depth, "Sequential")
        if qualname == "keras.Model":
            outputs = positional_or_keyword(constructor, 1, "outputs")
            if outputs is None:
                return unknown("a subclassed keras.Model")
            return self.walk.value(outputs, ctor_model, None, path, depth)
        if unpacks_arguments(constructor) and (
            qualname.startswith((catalog.KERAS_APPLICATIONS_PREFIX, "torchvision.models.")) or qualname == catalog.TIMM_CREATE_MODEL
        ):
            return unknown("arguments passed with * or **")
        if qualname.startswith(catalog.KERAS_APPLICATIONS_PREFIX):
            return self.walk.leaf(self.keras_application_output(constructor, ctor_model), path)
        if qualname.startswith("torchvision.models.") or qualname == catalog.TIMM_CREATE_MODEL:
            return self.walk.leaf(self.classifier_factory_output(constructor, ctor_model, qualname, depth), path)
        if qualname.startswith("transformers.") and path and path[0] in (".logits", "logits"):
            # a Hugging Face model's output: `outputs.logits` are raw scores
            return self.walk.leaf(Activation(LOGITS, constructor, ctor_model, label="`.logits` of a Hugging Face model"), path[1:])
        return unknown("library model")

    def layer_effect(self, constructor: ast.Call, model: "ModuleModel", qualname: str, depth: int):
        """A layer's effect: an Activation it sets, "preserve", or None (not a layer)."""
        label = f"`{_layer_text(model, constructor)}`"
        if qualname in catalog.TORCH_ACTIVATION_LAYERS:
            return Activation(catalog.TORCH_ACTIVATION_LAYERS[qualname], constructor, model, label=label)
        if qualname in catalog.TORCH_LOGIT_LAYERS:
            return Activation(LOGITS, constructor, model, label=label)
        if qualname in catalog.TORCH_ACTIVATION_PRESERVING_LAYERS:
            return "preserve"
        if qualname in catalog.KERAS_FIXED_ACTIVATION_LAYERS:
            return Activation(catalog.KERAS_FIXED_ACTIVATION_LAYERS[qualname], constructor, model, label=label)
        if qualname == catalog.KERAS_ACTIVATION_LAYER:
            effect = self.keras_activation_argument(positional_or_keyword(constructor, 0, "activation"), constructor, model, label)
            # `Activation("linear", dtype="float32")` is the identity (a cast): its input's activation goes through
            return "preserve" if effect.kind == LOGITS else effect
        if qualname in catalog.KERAS_LAYERS_WITH_ACTIVATION:
            if unpacks_arguments(constructor):
                return unknown("arguments passed with * or **")
            argument = positional_or_keyword(constructor, catalog.KERAS_LAYERS_WITH_ACTIVATION[qualname], "activation")
            if argument is None or (isinstance(argument, ast.Constant) and argument.value is None):
                return Activation(LOGITS, constructor, model, label=label, note="with no activation")
            return self.keras_activation_argument(argument, constructor, model, f"`activation={model.source.segment(argument)}`")
        if qualname in catalog.KERAS_ACTIVATION_PRESERVING_LAYERS or qualname in catalog.KERAS_INPUTS:
            return "preserve"
        return None

    def keras_activation_argument(self, argument: Optional[ast.AST], constructor: ast.Call, model: "ModuleModel", label: str) -> Activation:
        """What a Keras `activation=` argument applies: a name (`"softmax"`),
        an activation function given as an object (`keras.activations.linear`,
        `tf.nn.softmax`), `keras.activations.get("softmax")`, or a variable
        assigned one of these."""
        argument = keras_activation_value(argument, model)
        name = constant_string(argument)
        if name is None and argument is not None:
            if isinstance(argument, ast.Constant) and argument.value is None:
                return Activation(LOGITS, constructor, model, label=label)
            qualname = model.qualified_name(argument)
            if qualname in catalog.ACTIVATION_FUNCTIONS:
                return Activation(catalog.ACTIVATION_FUNCTIONS[qualname], constructor, model, label=label)
            if qualname in catalog.KERAS_ACTIVATION_OBJECTS:
                return Activation(catalog.KERAS_ACTIVATION_OBJECTS[qualname], constructor, model, label=label)
            return unknown("activation given by an expression")
        kind = catalog.KERAS_ACTIVATION_NAMES.get((name or "").lower())
        if kind is None:
            return unknown(f"activation {name!r}")
        return Activation(kind, constructor, model, label=label)

    def sequence_output(self, layers: Optional[List[Tuple[ast.AST, "ModuleModel"]]], model: "ModuleModel",
                        input_activation: Callable[[], Activation], path: Path, depth: int, container: str) -> Activation:
        """The output of a sequence of layers: the last one that is not a
        reshape or dropout decides; with only those, the input does."""
        if layers is None:
            return unknown("layers not known")
        for layer, layer_model in reversed(layers):
            effect = self.element_effect(layer, layer_model, depth)
            if effect == "preserve":
                continue
            if isinstance(effect, Activation):
                if effect.known and any(effect.node is candidate for candidate in (layer, bound_call(layer, layer_model))):
                    note = f"{effect.note}, " if effect.note else ""
                    where = "on the last layer" if effect.label.startswith("`activation=") else "the last layer"
                    effect = Activation(effect.kind, effect.node, effect.source, effect.label, f"{note}{where} of the `{container}`")
                return self.walk.leaf(effect, path)
            return unknown("last layer not understood")
        return input_activation()

    def element_effect(self, layer: ast.AST, model: "ModuleModel", depth: int):
        """The effect of one layer of a sequence (a constructor call, a
        variable holding one, or a nested model)."""
        if isinstance(layer, ast.Name):
            scope, binding = model.scopes.lookup(layer.id, model.scopes.scope_at(layer), layer.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path and isinstance(binding.value, ast.Call):
                layer = binding.value
        if not isinstance(layer, ast.Call):
            output = self.walk.calls.model_object_output(layer, model, None, None, None, depth)
            return output if output.known else None
        qualname = model.qualified_name(layer.func)
        if qualname is not None:
            effect = self.layer_effect(layer, model, qualname, depth)
            if effect is not None:
                return effect
        output = self.instance_output(layer, model, None, None, None, (), depth)
        return output if output.known else None

    def torch_sequential_layers(self, constructor: ast.Call, model: "ModuleModel") -> Optional[List[Tuple[ast.AST, "ModuleModel"]]]:
        if constructor.keywords or any(isinstance(a, ast.Starred) for a in constructor.args):
            return None
        arguments = list(constructor.args)
        if len(arguments) == 1 and isinstance(arguments[0], ast.Call) and model.qualified_name(arguments[0].func) in ("collections.OrderedDict", "dict"):
            pairs = arguments[0].args[0] if arguments[0].args else None
            if not isinstance(pairs, (ast.List, ast.Tuple)) or not all(isinstance(p, ast.Tuple) and len(p.elts) == 2 for p in pairs.elts):
                return None
            arguments = [p.elts[1] for p in pairs.elts]
        if container_is_changed(constructor, model, ("append", "extend", "insert", "add_module", "pop")):
            return None
        return [(argument, model) for argument in arguments]

    def keras_sequential_layers(self, constructor: ast.Call, model: "ModuleModel") -> Optional[List[Tuple[ast.AST, "ModuleModel"]]]:
        layers = positional_or_keyword(constructor, 0, "layers")
        found: List[Tuple[ast.AST, "ModuleModel"]] = []
        if isinstance(layers, ast.Name):
            scope, binding = model.scopes.lookup(layers.id, model.scopes.scope_at(layers), layers.lineno)
            layers = binding.value if binding is not None and binding.kind == "assign" and not binding.path else None
            if layers is None:
                return None
        if layers is not None:
            if not isinstance(layers, (ast.List, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in layers.elts):
                return None
            found = [(element, model) for element in layers.elts]
        added = added_layers(constructor, model)
        if added is None:
            return None
        return found + [(layer, model) for layer in added]

    def keras_application_output(self, constructor: ast.Call, model: "ModuleModel") -> Activation:
        include_top = positional_or_keyword(constructor, -1, "include_top")
        if include_top is not None and not (isinstance(include_top, ast.Constant) and include_top.value is True):
            return unknown("no classification head")
        argument = positional_or_keyword(constructor, -1, "classifier_activation")
        if argument is None:
            return Activation(SOFTMAX, constructor, model, label=f"`{short(model, constructor)}`", note="whose `classifier_activation` defaults to softmax")
        if isinstance(argument, ast.Constant) and argument.value is None:
            return Activation(LOGITS, constructor, model, label=f"`{short(model, constructor)}`", note="with `classifier_activation=None`")
        return self.keras_activation_argument(argument, constructor, model, f"`classifier_activation={model.source.segment(argument)}`")

    def classifier_factory_output(self, constructor: ast.Call, model: "ModuleModel", qualname: str, depth: int) -> Activation:
        """torchvision classifiers and timm models return logits, unless their
        head was replaced (then the new head decides) or removed."""
        label = f"`{short(model, constructor)}`"
        if qualname == catalog.TIMM_CREATE_MODEL:
            classes = positional_or_keyword(constructor, -1, "num_classes")
            if isinstance(classes, ast.Constant) and classes.value == 0:
                return unknown("features only")
            head_attributes = catalog.MODEL_HEAD_ATTRIBUTES
        else:
            name = qualname[len("torchvision.models."):]
            if "." in name or not name[:1].islower() or name.startswith(("get_", "list_")):
                return unknown("not a classifier factory")
            head_attributes = frozenset(attr for prefix, attr in catalog.TORCHVISION_CLASSIFIER_HEADS if name.startswith(prefix))
            if not head_attributes:
                return unknown("not a known classifier")
        replaced = replaced_heads(constructor, model, head_attributes)
        if replaced is None:
            return unknown("head changed in a way dllint does not follow")
        if not replaced:
            return Activation(LOGITS, constructor, model, label=label, note="a classifier that returns logits")
        results = []
        for value, indexed in replaced:
            effect = self.element_effect(value, model, depth)
            if not isinstance(effect, Activation) or not effect.known:
                return unknown("replaced head not understood")
            if indexed and effect.kind != LOGITS:
                return unknown("one layer of the head replaced")
            results.append(Activation(effect.kind, effect.node, effect.source, effect.label, "in the replaced head"))
        return results[-1]


def _layer_text(model: "ModuleModel", constructor: ast.Call) -> str:
    """A layer as written when it is short (`nn.Linear(84, 10)`), else its class."""
    text = " ".join((model.source.segment(constructor) or "").split())
    return text if len(text) <= 40 else f"{short(model, constructor)}(...)"


def bound_call(node: ast.AST, model: "ModuleModel") -> Optional[ast.AST]:
    """The call a plain name was assigned (`head = nn.Linear(...)`)."""
    if isinstance(node, ast.Name):
        scope, binding = model.scopes.lookup(node.id, model.scopes.scope_at(node), node.lineno)
        if binding is not None and binding.kind == "assign" and not binding.path:
            return binding.value
    return None


def keras_activation_value(argument: Optional[ast.AST], model: "ModuleModel", depth: int = 0) -> Optional[ast.AST]:
    """The expression an activation argument stands for: a variable's
    assigned value (`act = tf.nn.softmax`), the name inside
    `keras.activations.get("softmax")`."""
    if argument is None or depth > 3:
        return argument
    if isinstance(argument, ast.Name):
        scope, binding = model.scopes.lookup(argument.id, model.scopes.scope_at(argument), getattr(argument, "lineno", None))
        if binding is not None and binding.kind == "assign" and not binding.path and binding.value is not None \
                and scope is not None and len(scope.bindings.get(argument.id, ())) == 1:  # assigned once: no branch decides
            return keras_activation_value(binding.value, model, depth + 1)
        return argument
    if isinstance(argument, ast.Call) and argument.args and model.qualified_name(argument.func) in catalog.KERAS_ACTIVATION_GETTERS:
        return keras_activation_value(argument.args[0], model, depth + 1)
    return argument
