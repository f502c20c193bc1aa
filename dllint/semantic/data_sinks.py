"""Data sinks: where data meets a model, and in which role.

    sinks = semantic.data_sinks
    sinks.all()                      every sink of the file, in source order
    sinks.of_role(TRAINING, ...)     those of some roles

Each `DataSink` has the node to report, the data expression that reaches the
model (ask `semantic.provenance.rows_of(sink.data)` which rows it holds), its
role, the model or transformer that receives it, the framework, and a short
description for messages. The roles:

    TRAINING       the training data of `.fit` / `partial_fit` / `fit_generator`
                   / `train_on_batch`; Lightning `trainer.fit(model, train_dl)`;
                   Hugging Face `Trainer(train_dataset=...)`; a loop over data whose
                   iteration computes gradients and steps an optimizer (helpers
                   included, semantic/training_loops.py).
    MONITORING     `validation_data=`, `eval_dataset=`, `val_dataloaders=` (the
                   second loader of `trainer.fit`).
    EVALUATION     `.evaluate` / `.score` / `test_on_batch`, Lightning `.test` /
                   `.validate`, metric functions (`sklearn.metrics.*`), and loops
                   over data that do not step an optimizer (a backward without a
                   step, as in adversarial-example generation, included).
    PREDICTION     `.predict` / `predict_proba` / `decision_function`.
    FIT_TRANSFORM  the rows a preprocessing transformer learns its statistics from:
                   `.fit` / `.fit_transform` of scikit-learn transformers,
                   Keras `Normalization.adapt`, `Tokenizer.fit_on_texts`.

A sink inside a function whose data is one of the function's parameters
(`def train_one_epoch(model, loader): for x, y in loader: ...`) is reported
where the function is called, with the argument passed there, whatever the
parameter is called (`train_one_epoch(model, val_loader)`), in this file or
another file of the project; `DataSink.inner` is the sink inside the helper.
Such a sink stays at its own place only when no call of the function is known.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

from dllint.semantic import catalog
from dllint.semantic.arguments import keyword_value, positional_or_keyword
from dllint.semantic.values import MODEL

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

TRAINING, MONITORING, EVALUATION, PREDICTION, FIT_TRANSFORM = (
    "training", "monitoring", "evaluation", "prediction", "fit_transform")

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_MAX_LIFT_DEPTH = 4  # how many calls deep a helper's sinks are followed
_MAX_ROOT_STEPS = 40
_TRANSFORMER_NAME = re.compile(r"(?i)(scaler|vectori[sz]er|encoder|imputer|pca|svd|tfidf|normali[sz]er|selector|tokenizer|standardi[sz]er|preprocessor|transformer)$")


@dataclass(frozen=True, eq=False)
class DataSink:
    node: ast.AST                   # where to report (the call, or the loop's iterable)
    data: ast.expr                  # the data expression that reaches the sink
    role: str
    model: Optional[ast.expr]       # the estimator / network / transformer that receives it
    framework: Optional[str]
    description: str                # "`model.fit(...)` (line 40)", "the training loop on line 40"
    module: Optional["ModuleModel"] = None   # the file of `node` and `data`
    inner: Optional["DataSink"] = None       # for a sink lifted to a call: the sink inside the helper
    parameter: Optional[str] = None          # the parameter of its function that `data` comes from

    @property
    def innermost(self) -> "DataSink":
        sink = self
        while sink.inner is not None:
            sink = sink.inner
        return sink


class DataSinks:
    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._raw: Optional[List[DataSink]] = None
        self._all: Optional[List[DataSink]] = None
        self._parameter_sinks: Dict[int, List[Tuple[DataSink, int, str]]] = {}
        self._active: set = set()

    # -- the questions ---------------------------------------------------
    def all(self) -> List[DataSink]:
        if self._all is None:
            found: List[DataSink] = []
            for sink in self._raw_sinks() + self._lifted_in_module():
                if sink.parameter is not None and self._has_callers(sink):
                    continue  # reported where the function is called
                found.append(sink)
            found.sort(key=lambda s: (getattr(s.node, "lineno", 0), getattr(s.node, "col_offset", 0)))
            self._all = found
        return self._all

    def of_role(self, *roles: str) -> List[DataSink]:
        return [sink for sink in self.all() if sink.role in roles]

    def parameter_sinks(self, function: FunctionNode, depth: int = 0) -> List[Tuple[DataSink, int, str]]:
        """Sinks that one call of `function` reaches with data from one of its
        parameters: (the sink, the parameter's index, its name)."""
        key = id(function)
        if key in self._parameter_sinks:
            return self._parameter_sinks[key]
        if key in self._active or depth > _MAX_LIFT_DEPTH:
            return []
        self._active.add(key)
        try:
            found: List[Tuple[DataSink, int, str]] = []
            candidates = [sink for sink in self._raw_sinks() if self.model.enclosing_function(sink.node) is function]
            candidates += self._lifted_in(function, depth + 1)
            for sink in candidates:
                root = self._parameter_root(sink.data, function)
                if root is not None:
                    found.append((sink, root[0], root[1]))
        finally:
            self._active.discard(key)
        self._parameter_sinks[key] = found
        return found

    # -- sinks at their own place ---------------------------------------------
    def _raw_sinks(self) -> List[DataSink]:
        if self._raw is None:
            found: List[DataSink] = list(self._call_sinks_cache())
            found.extend(self._loop_sinks())
            found.extend(self._forward_sinks(found))
            self._raw = [self._with_parameter(sink) for sink in found]
        return self._raw

    def _call_sinks_cache(self) -> List[DataSink]:
        cached = self.__dict__.get("_calls")
        if cached is None:
            cached = self.__dict__["_calls"] = [sink for call in self.model.nodes_of(ast.Call) for sink in self._call_sinks(call)]
        return cached

    def _with_parameter(self, sink: DataSink) -> DataSink:
        function = self.model.enclosing_function(sink.node)
        if function is None:
            return sink
        root = self._parameter_root(sink.data, function)
        if root is None:
            return sink
        return DataSink(sink.node, sink.data, sink.role, sink.model, sink.framework, sink.description, sink.module, sink.inner, root[1])

    def _sink(self, node, data, role, receiver, framework, description) -> Optional[DataSink]:
        if data is None:
            return None
        return DataSink(node, data, role, receiver, framework, description, self.model)

    def _call_sinks(self, call: ast.Call) -> List[DataSink]:
        model = self.model
        found: List[Optional[DataSink]] = []
        qualname = model.qualified_name(call.func)
        text = _call_text(call)
        if qualname is not None:
            last = qualname.rsplit(".", 1)[-1]
            if qualname.startswith(catalog.HF_TRAINER_PREFIXES) and last.endswith(catalog.HF_TRAINER_SUFFIX):
                receiver = keyword_value(call, "model")
                found.append(self._sink(call, keyword_value(call, "train_dataset"), TRAINING, receiver, "hf", f"the `train_dataset` of `{last}(...)` (line {call.lineno})"))
                found.append(self._sink(call, keyword_value(call, "eval_dataset"), MONITORING, receiver, "hf", f"the `eval_dataset` of `{last}(...)` (line {call.lineno})"))
                return [sink for sink in found if sink is not None]
            if qualname.startswith(catalog.METRIC_PREFIXES) and call.args:
                return [DataSink(call, call.args[0], EVALUATION, None, "sklearn", f"`{text}` (line {call.lineno})", model)]
        func = call.func
        if not isinstance(func, ast.Attribute):
            return []
        method, receiver = func.attr, func.value
        receiver_name = self._receiver_qualname(receiver)
        framework = self._framework(receiver, receiver_name)
        if receiver_name in catalog.LIGHTNING_TRAINERS or (receiver_name is None and _looks_like_trainer(receiver) and method in ("fit", "validate", "test", "predict") and len(call.args) >= 2):
            if method == "fit":
                found.append(self._sink(call, positional_or_keyword(call, 1, "train_dataloaders") or keyword_value(call, "train_dataloader"), TRAINING, call.args[0] if call.args else None, "lightning", f"`{text}` (line {call.lineno})"))
                found.append(self._sink(call, positional_or_keyword(call, 2, "val_dataloaders") or keyword_value(call, "val_dataloader"), MONITORING, call.args[0] if call.args else None, "lightning", f"the `val_dataloaders` of `{text}` (line {call.lineno})"))
            elif method in ("validate", "test"):
                found.append(self._sink(call, positional_or_keyword(call, 1, "dataloaders"), EVALUATION, call.args[0] if call.args else None, "lightning", f"`{text}` (line {call.lineno})"))
            elif method == "predict":
                found.append(self._sink(call, positional_or_keyword(call, 1, "dataloaders"), PREDICTION, call.args[0] if call.args else None, "lightning", f"`{text}` (line {call.lineno})"))
            return [sink for sink in found if sink is not None]
        first = positional_or_keyword(call, 0, "x") or keyword_value(call, "X") or keyword_value(call, "raw_documents") or keyword_value(call, "data")
        if method in catalog.FIT_TRANSFORM_METHODS and self._is_transformer(receiver, receiver_name, method):
            if receiver_name is None or receiver_name not in catalog.TARGET_TRANSFORMERS:
                found.append(self._sink(call, first, FIT_TRANSFORM, receiver, framework, f"`{text}` (line {call.lineno})"))
        elif method in ("fit", "partial_fit", "fit_generator", "train_on_batch"):
            if receiver_name not in catalog.TARGET_TRANSFORMERS:
                found.append(self._sink(call, first, TRAINING, receiver, framework, f"`{text}` (line {call.lineno})"))
                found.append(self._sink(call, keyword_value(call, "validation_data"), MONITORING, receiver, framework, f"the `validation_data` of `{text}` (line {call.lineno})"))
        elif method in catalog.EVALUATION_METHODS:
            found.append(self._sink(call, first, EVALUATION, receiver, framework, f"`{text}` (line {call.lineno})"))
        elif method in catalog.PREDICTION_METHODS:
            found.append(self._sink(call, first, PREDICTION, receiver, framework, f"`{text}` (line {call.lineno})"))
        return [sink for sink in found if sink is not None]

    def _receiver_qualname(self, receiver: ast.AST) -> Optional[str]:
        if isinstance(receiver, ast.Call):
            return self.model.qualified_name(receiver.func)
        value = self.model.value_of(receiver)
        if value is not None and value.qualname:
            return value.qualname
        constructor = _constructor(self.model, receiver)
        if constructor is not None:
            return self.model.qualified_name(constructor.func)
        return None

    def _framework(self, receiver: ast.AST, qualname: Optional[str]) -> Optional[str]:
        value = self.model.value_of(receiver)
        if value is not None and value.kind == MODEL and value.framework:
            return value.framework
        if qualname:
            head = qualname.split(".", 1)[0]
            return {"sklearn": "sklearn", "keras": "keras", "tensorflow": "keras", "torch": "torch", "lightning": "lightning", "transformers": "hf"}.get(head)
        return None

    def _is_transformer(self, receiver: ast.AST, qualname: Optional[str], method: str) -> bool:
        if method in ("adapt", "fit_on_texts", "fit_on_sequences"):
            return True
        if qualname is not None:
            if qualname in catalog.PIPELINE_CLASSES:
                return self._pipeline_of_transformers(receiver)
            return qualname.startswith(catalog.FEATURE_TRANSFORMER_PREFIXES)
        name = receiver.id if isinstance(receiver, ast.Name) else receiver.attr if isinstance(receiver, ast.Attribute) else ""
        return bool(_TRANSFORMER_NAME.search(name))

    def _pipeline_of_transformers(self, receiver: ast.AST) -> bool:
        constructor = receiver if isinstance(receiver, ast.Call) else _constructor(self.model, receiver)
        if constructor is None:
            return False
        steps: List[ast.AST] = []
        for argument in constructor.args:
            if isinstance(argument, ast.List):
                steps.extend(e.elts[-1] if isinstance(e, ast.Tuple) and e.elts else e for e in argument.elts)
            else:
                steps.append(argument)
        if not steps:
            return False
        last = steps[-1]
        name = self.model.qualified_name(last.func) if isinstance(last, ast.Call) else None
        return bool(name and name.startswith(catalog.FEATURE_TRANSFORMER_PREFIXES))

    def _loop_sinks(self) -> List[DataSink]:
        model = self.model
        loops = model.training_loops
        found: List[DataSink] = []
        training_calls = [sink.node for sink in self._call_sinks_cache() if sink.role == TRAINING]
        for loop in model.nodes_of(ast.For, ast.AsyncFor):
            iterable = loop.iter
            if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.func.id == "range":
                continue
            if loops.is_training_loop(loop):
                found.append(DataSink(iterable, iterable, TRAINING, None, "torch", f"the training loop on line {loop.lineno}", model))
            elif not loops.iteration(loop).steps and not any(_inside(model, call, loop) for call in training_calls) and not any(loops.is_training_loop(outer) for outer in loops.enclosing_loops(loop)) \
                    and model.provenance.rows_of(iterable) is not None:
                found.append(DataSink(iterable, iterable, EVALUATION, None, "torch", f"the loop on line {loop.lineno}", model))
        return found

    def _forward_sinks(self, known: List[DataSink]) -> List[DataSink]:
        """`model(x)` / `model.forward(x)` on a network outside the loops above: one
        prediction (an inference script, a single batch), or training when a loop
        that trains runs it without iterating over data (`for step in range(n)`). Calls inside a model's own
        code (`self.fc(x)`, a class that is a model) are layers at work, not sinks."""
        model = self.model
        loops = model.training_loops
        loop_iterables = {id(sink.node) for sink in known if not isinstance(sink.node, ast.Call) or sink.description.startswith("the ")}
        found: List[DataSink] = []
        for call in model.nodes_of(ast.Call):
            if not call.args or isinstance(call.args[0], ast.Starred):
                continue
            callee = call.func
            if isinstance(callee, ast.Attribute) and callee.attr == "forward":
                callee = callee.value
            if not isinstance(callee, (ast.Name, ast.Attribute)) or _is_self_attribute(callee):
                continue
            enclosing_class = model.enclosing_class(call)
            if enclosing_class is not None and model.project.model_framework(model.class_qualname(enclosing_class), model.info):
                continue
            value = model.value_of(callee)
            if value is None or value.kind != MODEL or value.by_name or value.framework not in ("torch", "keras"):
                continue
            if any(isinstance(outer, (ast.For, ast.AsyncFor)) and id(outer.iter) in loop_iterables for outer in loops.enclosing_loops(call)):
                continue
            text = ast.unparse(call.func)
            training = loops.innermost_training_loop(call)
            if training is not None:  # `for step in range(...)`: batches cut by index
                found.append(DataSink(call, call.args[0], TRAINING, callee, value.framework,
                                      f"`{text}(...)` in the training loop on line {training.lineno}", model))
                continue
            found.append(DataSink(call, call.args[0], PREDICTION, callee, value.framework, f"`{text}(...)` (line {call.lineno})", model))
        return found

    # -- sinks of helpers, at the calls that pass them their data -----------------
    def _lifted_in_module(self) -> List[DataSink]:
        found: List[DataSink] = []
        for call in self.model.nodes_of(ast.Call):
            found.extend(self._lift(call, 0))
        return [self._with_parameter(sink) for sink in found]

    def _lifted_in(self, function: FunctionNode, depth: int) -> List[DataSink]:
        found: List[DataSink] = []
        for call in self.model.nodes_of(ast.Call):
            if self.model.enclosing_function(call) is function:
                found.extend(self._lift(call, depth))
        return found

    def _lift(self, call: ast.Call, depth: int) -> List[DataSink]:
        from dllint.semantic.module import _call_argument
        from dllint.semantic.training_loops import resolve_callee

        if depth > _MAX_LIFT_DEPTH:
            return []
        resolved = resolve_callee(self.model, call)
        if resolved is None:
            return []
        other, function = resolved
        found: List[DataSink] = []
        for inner, index, name in other.data_sinks.parameter_sinks(function, depth + 1):
            argument = _call_argument(call, function, index, name)
            if argument is None:
                continue
            description = f"`{_call_text(call)}` (line {call.lineno}), whose {inner.innermost.description} gets its `{name}`"
            found.append(DataSink(call, argument, inner.role, inner.model, inner.framework, description, self.model, inner))
        return found

    def _has_callers(self, sink: DataSink) -> bool:
        function = self.model.enclosing_function(sink.node)
        if function is None:
            return False
        return bool(self.model.callers_of(function) or self.model.callers_elsewhere(function) or self._called_as_method(function))

    def _called_as_method(self, function: FunctionNode) -> bool:
        """`trainer.fit(...)` on an instance of the class defining `fit`."""
        from dllint.semantic.training_loops import resolve_callee

        for call in self.model.calls(function.name):
            resolved = resolve_callee(self.model, call)
            if resolved is not None and resolved[1] is function:
                return True
        return False

    def _parameter_root(self, data: ast.AST, function: FunctionNode) -> Optional[Tuple[int, str]]:
        """The parameter of `function` that `data` is computed from, through
        the assignments and loops of the function (`for x, y in loader`)."""
        model = self.model
        positional = function.args.posonlyargs + function.args.args
        names = {arg.arg: index for index, arg in enumerate(positional)}
        names.update({arg.arg: -1 for arg in function.args.kwonlyargs})
        stack: List[ast.AST] = [data]
        seen: set = set()
        steps = 0
        while stack and steps < _MAX_ROOT_STEPS:
            node = stack.pop()
            steps += 1
            for name in _data_names(node):
                if id(name) in seen:
                    continue
                seen.add(id(name))
                scope, binding = model.scopes.lookup(name.id, model.scopes.scope_at(name), name.lineno)
                if binding is None or scope is None or scope.node is not function:
                    continue
                if binding.kind == "param":
                    if name.id in names and name.id not in ("self", "cls", "model", "net", "device", "args"):
                        return names[name.id], name.id
                elif binding.kind in ("assign", "for", "with") and binding.value is not None:
                    stack.append(binding.value)
        return None


def _data_names(node: ast.AST) -> List[ast.Name]:
    """The names data flows from in an expression: not the functions called,
    not the receivers of model calls (`model(x)` flows from `x`)."""
    found: List[ast.Name] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Name):
            found.append(current)
        elif isinstance(current, ast.Call):
            if isinstance(current.func, ast.Attribute):
                stack.append(current.func.value)
            stack.extend(current.args)
            stack.extend(item.value for item in current.keywords)
        elif isinstance(current, (ast.Lambda, ast.FunctionDef)):
            continue
        else:
            stack.extend(ast.iter_child_nodes(current))
    return found


def _inside(model: "ModuleModel", node: ast.AST, ancestor: ast.AST) -> bool:
    parent = model.parent(node)
    while parent is not None:
        if parent is ancestor:
            return True
        parent = model.parent(parent)
    return False


def _constructor(model: "ModuleModel", expression: ast.AST) -> Optional[ast.Call]:
    if isinstance(expression, ast.Name):
        _, binding = model.scopes.lookup(expression.id, model.scopes.scope_at(expression), expression.lineno)
        if binding is not None and binding.kind == "assign" and not binding.path and isinstance(binding.value, ast.Call):
            return binding.value
    return None


def _is_self_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")


def _looks_like_trainer(receiver: ast.AST) -> bool:
    return isinstance(receiver, ast.Name) and receiver.id in ("trainer", "pl_trainer")


def _call_text(call: ast.Call) -> str:
    func = call.func
    try:
        head = ast.unparse(func)
    except Exception:  # pragma: no cover
        head = "..."
    if len(head) > 40:
        head = head[-40:]
    return f"{head}(...)"
