"""Loss sites: where a model's prediction meets a classification loss, and
what that loss expects the prediction to be.

    semantic.loss_sites.at(call) -> LossSite or None

A site is a call of a cross-entropy-family loss with its prediction argument
(`criterion(output, y)`, `F.nll_loss(out, y)`, `loss_fn(labels, preds)` for
a Keras loss object, `tf.nn.softmax_cross_entropy_with_logits(labels=y,
logits=z)`), or a Keras `model.compile(loss=...)`, whose prediction is the
compiled model's output. The site says what the loss expects (LOGITS,
LOG_PROBS or PROBS: for Keras, decided by `from_logits`) and, lazily, which
activation the prediction carries (semantic/activations/), so a rule only
compares the two.
"""
from __future__ import annotations

import ast
from dataclasses import field
from typing import TYPE_CHECKING, Dict, Optional

from dllint import changes
from dllint.diagnostics import Fix
from dllint.lazy_dataclass import lazy_dataclass
from dllint.semantic.arguments import positional_or_keyword, constant_string
from dllint.semantic import catalog
from dllint.semantic.activations import Activation, unknown
from dllint.semantic.values import LOSS_FUNCTION, MODEL
from dllint.tree import walk

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

# What a loss expects its prediction to be.
EXPECTS_LOGITS = "logits"
EXPECTS_LOG_PROBS = "log_probs"
EXPECTS_PROBS = "probs"
CATEGORICAL = "categorical"
BINARY = "binary"


@lazy_dataclass(frozen=True)
class KerasLossSpec:
    """A Keras crossentropy as written: a string, a class instance or a function."""

    name: str  # `"sparse_categorical_crossentropy"`, `SparseCategoricalCrossentropy(from_logits=True)`
    family: str
    expects: str
    # the expression that says it (a string constant, a constructor call, a
    # function reference), when it is in the asking file: the place to edit
    node: Optional[ast.expr] = field(default=None, compare=False)
    # the `from_logits` argument when it is given explicitly
    from_logits: Optional[ast.expr] = field(default=None, compare=False)
    # the class that takes `from_logits=True` for this loss (for fixes)
    class_name: Optional[str] = None


@lazy_dataclass
class LossSite:
    node: ast.Call  # the loss call or the `compile` call: where a finding points
    loss: str  # the loss as written, for messages
    qualname: str  # canonical name of the loss (or the Keras loss name)
    framework: str  # "torch" or "keras"
    family: str  # CATEGORICAL or BINARY
    expects: str  # EXPECTS_LOGITS / EXPECTS_LOG_PROBS / EXPECTS_PROBS
    prediction: Optional[ast.expr]  # the prediction argument; None for compile
    model_expression: Optional[ast.expr] = None  # the compiled model (compile)
    keras_loss: Optional[KerasLossSpec] = None
    semantic: Optional["ModuleModel"] = field(default=None, repr=False)
    _activation: Optional[Activation] = field(default=None, repr=False)

    @property
    def activation(self) -> Activation:
        """The activation the prediction carries when it reaches the loss."""
        if self._activation is None:
            assert self.semantic is not None
            if self.prediction is not None:
                self._activation = self.semantic.activations.of(self.prediction)
            elif self.model_expression is not None:
                self._activation = self.semantic.activations.model_output(self.model_expression)
            else:
                self._activation = unknown()
        return self._activation

    def prediction_text(self) -> str:
        if self.prediction is not None and self.semantic is not None:
            return self.semantic.source.segment(self.prediction)
        if self.model_expression is not None and self.semantic is not None:
            return self.semantic.source.segment(self.model_expression)
        return ""

    def inline_activation(self) -> Optional["InlineActivation"]:
        """The activation call when it is applied inside the prediction
        argument itself (`criterion(F.softmax(z, 1), y)`,
        `F.cross_entropy(z.log_softmax(-1).view(-1, C), y)`), in a function
        or method form that replacing the call with its input removes.
        None otherwise."""
        activation = self.activation
        if self.prediction is None or activation.source is not self.semantic or not isinstance(activation.node, ast.Call):
            return None
        if not any(node is activation.node for node in walk(self.prediction)):
            return None
        call = activation.node
        qualname = self.semantic.qualified_name(call.func)
        extra_keywords = any(item.arg not in ("dim", "input") for item in call.keywords)
        if qualname in catalog.ACTIVATION_FUNCTIONS:
            source = next((item.value for item in call.keywords if item.arg == "input"), None)
            if source is None:
                if not call.args or isinstance(call.args[0], ast.Starred):
                    return None
                source = call.args[0]
            return InlineActivation(call, source, not extra_keywords and len(call.args) <= 2, method=False)
        if qualname is None and isinstance(call.func, ast.Attribute) and call.func.attr in catalog.ACTIVATION_METHODS:
            return InlineActivation(call, call.func.value, not extra_keywords and len(call.args) <= 1, method=True)
        return None


@lazy_dataclass(frozen=True)
class InlineActivation:
    call: ast.Call  # `F.softmax(logits, dim=1)`
    input: ast.expr  # `logits`
    only_dim: bool  # the call passes nothing but its input and `dim` (no `dtype`)
    method: bool  # `logits.softmax(dim=1)` rather than `F.softmax(logits, dim=1)`

    def callee(self, source) -> str:
        """How the activation is written: `F.softmax`, `.softmax()`."""
        return f".{self.call.func.attr}()" if self.method else source.segment(self.call.func)  # type: ignore[attr-defined]

    def removal(self, source) -> Fix:
        """The fix that replaces the activation call with its input: safe when
        the call passes nothing but the input and `dim` (a `dtype` would be lost)."""
        change = changes.keep_part(source, self.call, self.input)
        return Fix(
            message=f"Remove `{self.callee(source)}` and pass `{source.segment(self.input)}`",
            changes=(change,) if change is not None else (),
            safe=self.only_dim,
        )


class LossSites:
    """The loss sites of one file. Built lazily by `ModuleModel.loss_sites`."""

    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._cache: Dict[int, Optional[LossSite]] = {}

    def at(self, call: ast.Call) -> Optional[LossSite]:
        if id(call) not in self._cache:
            self._cache[id(call)] = self._site(call)
        return self._cache[id(call)]

    # -- finding sites -----------------------------------------------------
    def _site(self, call: ast.Call) -> Optional[LossSite]:
        model = self.model
        func = call.func
        qualname = None if isinstance(func, ast.Call) else model.qualified_name(func)
        written = model.source.segment(func) if qualname is not None else ""
        if qualname in catalog.TORCH_LOSS_EXPECTATIONS:
            expects, family, index, keyword = catalog.TORCH_LOSS_EXPECTATIONS[qualname]
            return self._make(call, f"`{written}`", qualname, "torch", family, expects, positional_or_keyword(call, index, keyword))
        if qualname in catalog.TF_LOGITS_LOSS_FUNCTIONS:
            family, index = catalog.TF_LOGITS_LOSS_FUNCTIONS[qualname]
            return self._make(call, f"`{written}`", qualname, "keras", family, EXPECTS_LOGITS, positional_or_keyword(call, index, "logits"))
        if qualname in catalog.KERAS_CROSSENTROPY_FUNCTIONS:
            spec = self.keras_loss(func)
            if spec is None:
                return None
            expects = _from_logits_expectation(positional_or_keyword(call, catalog.KERAS_CROSSENTROPY_FUNCTIONS[qualname][1], "from_logits"))
            if expects is None:
                return None
            prediction = positional_or_keyword(call, 1, "output" if qualname.startswith("keras.backend.") else "y_pred")
            spec = KerasLossSpec(spec.name, spec.family, expects, None, positional_or_keyword(call, catalog.KERAS_CROSSENTROPY_FUNCTIONS[qualname][1], "from_logits"))
            return self._make(call, f"`{written}`", qualname, "keras", spec.family, expects, prediction, keras_loss=spec)
        if isinstance(func, ast.Attribute) and func.attr == "compile":
            return self._compile_site(call)
        callee_expression = func.value if isinstance(func, ast.Attribute) and func.attr in ("forward", "call") else func
        callee = model.value_of(callee_expression)
        if callee is None or callee.kind != LOSS_FUNCTION or callee.qualname is None:
            return None
        if callee.qualname in catalog.TORCH_LOSS_EXPECTATIONS:
            expects, family, index, keyword = catalog.TORCH_LOSS_EXPECTATIONS[callee.qualname]
            return self._make(call, f"`{model.source.segment(callee_expression)}` (`{_short_class(callee.qualname)}`)", callee.qualname,
                              "torch", family, expects, positional_or_keyword(call, index, keyword))
        if callee.qualname in catalog.KERAS_CROSSENTROPY_CLASSES:
            spec = self.keras_loss(callee_expression)
            if spec is None:
                return None
            return self._make(call, spec.name, callee.qualname, "keras", spec.family, spec.expects, positional_or_keyword(call, 1, "y_pred"), keras_loss=spec)
        return None

    def _compile_site(self, call: ast.Call) -> Optional[LossSite]:
        receiver = call.func.value  # type: ignore[attr-defined]
        value = self.model.value_of(receiver)
        if value is None or value.kind != MODEL or value.framework not in ("keras", None):
            return None
        loss = positional_or_keyword(call, 1, "loss")
        if loss is None:
            return None
        spec = self.keras_loss(loss)
        if spec is None:
            return None
        return self._make(call, spec.name, spec.name, "keras", spec.family, spec.expects, None, model_expression=receiver, keras_loss=spec)

    def _make(self, call, loss, qualname, framework, family, expects, prediction, *, model_expression=None, keras_loss=None) -> Optional[LossSite]:
        if prediction is None and model_expression is None:
            return None
        return LossSite(call, loss, qualname, framework, family, expects, prediction, model_expression, keras_loss, self.model)

    # -- Keras losses --------------------------------------------------------
    def keras_loss(self, expression: ast.expr, _depth: int = 0) -> Optional[KerasLossSpec]:
        """What a Keras loss argument is: a crossentropy string, a loss
        object (through variables) or a loss function; None for anything
        else (custom losses, dicts of losses, non-constant `from_logits`)."""
        model = self.model
        text = constant_string(expression)
        if text is not None:
            family = catalog.KERAS_CROSSENTROPY_NAMES.get(text)
            if family is None:
                return None
            return KerasLossSpec(f'`"{text}"`', family, EXPECTS_PROBS, expression, None, catalog.KERAS_CROSSENTROPY_CLASS_FOR_NAME[text])
        if isinstance(expression, ast.Call):
            qualname = model.qualified_name(expression.func)
            if qualname in catalog.KERAS_CROSSENTROPY_CLASSES:
                family, position = catalog.KERAS_CROSSENTROPY_CLASSES[qualname]
                from_logits = positional_or_keyword(expression, position, "from_logits")
                expects = _from_logits_expectation(from_logits)
                if expects is None or any(k.arg is None for k in expression.keywords):
                    return None
                return KerasLossSpec(f"`{model.source.segment(expression)}`", family, expects, expression, from_logits, qualname.rsplit(".", 1)[1])
            return None
        qualname = model.qualified_name(expression)
        if qualname in catalog.KERAS_CROSSENTROPY_FUNCTIONS:
            family, _ = catalog.KERAS_CROSSENTROPY_FUNCTIONS[qualname]
            return KerasLossSpec(f"`{model.source.segment(expression)}`", family, EXPECTS_PROBS, expression, None, None)
        if _depth > 4:
            return None
        value = model.value_of(expression)
        if value is not None and value.kind == LOSS_FUNCTION and isinstance(value.origin, ast.Call) and value.qualname in catalog.KERAS_CROSSENTROPY_CLASSES:
            if value.origin in model.scopes.parents:
                return self.keras_loss(value.origin, _depth + 1)
            other = _model_for_node(model, value.origin, value.module)
            if other is None:
                return None
            spec = other.loss_sites.keras_loss(value.origin, _depth + 1)
            return KerasLossSpec(spec.name, spec.family, spec.expects, None, None, spec.class_name) if spec else None
        return None


def _from_logits_expectation(argument: Optional[ast.expr]) -> Optional[str]:
    """LOGITS for `from_logits=True`, PROBS when False or left out, None
    when it is an expression dllint cannot evaluate."""
    if argument is None:
        return EXPECTS_PROBS
    if isinstance(argument, ast.Constant) and isinstance(argument.value, bool):
        return EXPECTS_LOGITS if argument.value else EXPECTS_PROBS
    return None


def _short_class(qualname: str) -> str:
    if qualname.startswith("torch.nn."):
        return "nn." + qualname.rsplit(".", 1)[1]
    return qualname.rsplit(".", 1)[1]


def _model_for_node(model: "ModuleModel", node: ast.AST, module_name: str) -> Optional["ModuleModel"]:
    from dllint.semantic.activations import file_holding

    return file_holding(model, node, module_name)
