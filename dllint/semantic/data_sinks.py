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
                   Keras `Normalization.adapt`, `Tokenizer.fit_on_texts`,
                   functions that normalize with statistics of the rows they get
                   (`scipy.stats.zscore`, `sklearn.preprocessing.scale`).
    CROSS_VALIDATION  the data `cross_val_score(estimator, X, y)` (and
                   `cross_validate`, `learning_curve`...) fits the estimator on
                   and scores it on, fold by fold: training and evaluation at once.

A sink inside a function whose data is one of the function's parameters
(`def train_one_epoch(model, loader): for x, y in loader: ...`) is reported
where the function is called, with the argument passed there, whatever the
parameter is called (`train_one_epoch(model, val_loader)`), in this file or
another file of the project; `DataSink.inner` is the sink inside the helper.
Such a sink stays at its own place only when no call of the function is known.
A helper that unpacks the parameter by position (`(x_train, y_train), (x_test,
y_test) = data`, then `fit(x_train, y_train)`) uses one element of it:
`DataSink.part` says which, and the sink's rows are that element of the
argument (`((x_tr, y_tr), (x_te, y_te))`, or a name bound to a tuple).
"""
from __future__ import annotations

import ast

from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern
from dllint.semantic import catalog
from dllint.semantic.arguments import keyword_value, positional_or_keyword
from dllint.semantic.places import as_read_from
from dllint.semantic.values import MODEL, Value

_NO_VALUE = Value("")

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

TRAINING, MONITORING, EVALUATION, PREDICTION, FIT_TRANSFORM, CROSS_VALIDATION = (
    "training", "monitoring", "evaluation", "prediction", "fit_transform", "cross_validation")

FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef]
_MAX_LIFT_DEPTH = 4  # how many calls deep a helper's sinks are followed
_MAX_ROOT_STEPS = 40
_SINK_METHODS = (catalog.FIT_TRANSFORM_METHODS | catalog.EVALUATION_METHODS | catalog.PREDICTION_METHODS
                 | {"fit", "partial_fit", "fit_generator", "train_on_batch", "validate", "test", "predict"})
# Helpers dllint cannot read whose name says they evaluate (their data arguments are EVALUATION).
_EVALUATION_NAME = LazyPattern(r"(?i)^(evaluate|evaluation|eval|test|validate|validation|accuracy|compute_accuracy|score|"
                               r"compute_metrics|eval_model|test_model|evaluate_model|run_eval|run_test|val|valid)(_.*)?$")
_TRANSFORMER_NAME = LazyPattern(r"(?i)(scaler|vectori[sz]er|encoder|imputer|pca|svd|tfidf|normali[sz]er|selector|tokenizer|standardi[sz]er|preprocessor|transformer)$")


@lazy_dataclass(frozen=True, eq=False)
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
    # for a sink lifted to a call: the element of `data` the helper uses, by
    # position (`(x_train, y_train), (x_test, y_test) = data` then `fit(x_train)`: (0, 0))
    part: Tuple[int, ...] = ()

    @property
    def rows(self):
        """The rows `data` (its element `part`) holds, asked in the file `data` is in (`provenance.rows_of`)."""
        return self.module.provenance.rows_of(self.data, part=self.part) if self.module is not None else None

    @property
    def learns_categories_only(self) -> bool:
        """A fit of an encoder that learns each column's categories and no
        statistic of the rows (`OneHotEncoder()`, or a `ColumnTransformer` of
        such encoders and passed-through columns)."""
        sink = self.innermost
        return (sink.role == FIT_TRANSFORM and sink.module is not None and sink.model is not None
                and _learns_categories_only(sink.module, sink.model))

    @property
    def learns_nothing_from_rows(self) -> bool:
        """A fit of a transformer that treats each row alone (`PolynomialFeatures`,
        `Normalizer`): it learns no statistic and no category from any row."""
        sink = self.innermost
        if sink.role != FIT_TRANSFORM or sink.module is None or sink.model is None:
            return False
        constructor = sink.model if isinstance(sink.model, ast.Call) else _constructor(sink.module, sink.model)
        return constructor is not None and sink.module.qualified_name(constructor.func) in catalog.ROW_WISE_TRANSFORMERS

    @property
    def resamples(self) -> bool:
        """A sampler's `fit_resample(X, y)`: its output holds the rows plus
        copies of some of them, or points made between neighbouring rows."""
        sink = self.innermost
        return (sink.role == FIT_TRANSFORM and isinstance(sink.node, ast.Call) and isinstance(sink.node.func, ast.Attribute)
                and sink.node.func.attr in catalog.RESAMPLING_METHODS)

    @property
    def replaces_what_was_learned(self) -> bool:
        """A training call that starts from scratch: scikit-learn's `fit` forgets
        whatever an earlier `fit` of the same estimator learned (unless it was
        built with `warm_start=True`); Keras `fit`, `partial_fit` and a training
        loop go on from the current weights."""
        call = self.node
        if self.role != TRAINING or self.framework != "sklearn" or self.inner is not None or self.module is None:
            return False
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "fit"):
            return False
        constructor = self.model if isinstance(self.model, ast.Call) else _constructor(self.module, self.model) if self.model is not None else None
        if constructor is None:
            return False
        warm = keyword_value(constructor, "warm_start")
        return warm is None or isinstance(warm, ast.Constant) and warm.value is False

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
        self._parameter_sinks: Dict[int, List[Tuple[DataSink, int, str, Tuple[int, ...]]]] = {}
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

    def feeds(self, nodes, *roles: str, parts_only: bool = False) -> bool:
        """Whether a value computed at one of `nodes` flows (through this file's
        assignments, loops and calls) into the data of a sink of `roles`:
        `X = scaler.fit_transform(df)` ... `model.fit(X_train, ...)` after
        `X_train, X_test = train_test_split(X)`. With `parts_only`, only sinks
        whose data is a part of a split count (the value went through the split)."""
        return self.first_fed(nodes, *roles, parts_only=parts_only) is not None

    def first_fed(self, nodes, *roles: str, parts_only: bool = False) -> Optional[DataSink]:
        """The first sink of `roles` (in source order) whose data a value
        computed at one of `nodes` flows into, as `feeds` asks; or None."""
        wanted = {id(node) for node in nodes}
        for sink in self.of_role(*roles or (TRAINING,)):
            if parts_only:
                # only sinks that get a part of a split: the value reached them through the split
                rows = sink.rows
                if rows is None or not rows.splits or "all" in rows.splits:
                    continue
            if wanted & self._derivation(sink):
                return sink
        return None

    def fitted_outputs(self, sink: DataSink) -> List[ast.AST]:
        """Where what a fit learned comes out: the fit call itself (its output,
        a helper's result, a statistic) and the fitted transformer's other
        calls (`scaler.transform(X_test)`)."""
        if sink.inner is not None or sink.model is None:
            return [sink.node]
        return [sink.node] + self.transformer_uses(sink.model)

    def transformer_uses(self, receiver: ast.AST) -> List[ast.Call]:
        """Calls on the same transformer object as `receiver` (`scaler.transform(X_test)`)."""
        model = self.model
        if isinstance(receiver, ast.Call):
            return [call for call in model.nodes_of(ast.Call) if isinstance(call.func, ast.Attribute) and call.func.value is receiver]
        if not isinstance(receiver, ast.Name):
            return []
        _, binding = model.scopes.lookup(receiver.id, model.scopes.scope_at(receiver), receiver.lineno)
        found = []
        for call in model.calls("transform") + model.calls("texts_to_sequences") + model.calls("texts_to_matrix") + model.calls("fit_transform") + model.calls("__call__"):
            value = call.func.value if isinstance(call.func, ast.Attribute) else None
            if isinstance(value, ast.Name) and value.id == receiver.id:
                _, other = model.scopes.lookup(value.id, model.scopes.scope_at(value), value.lineno)
                if other is binding:
                    found.append(call)
        return found

    def _derivation(self, sink: DataSink) -> set:
        """The ids of the nodes `sink.data` is computed from, in this file."""
        cache = self.__dict__.setdefault("_derivations", {})
        key = id(sink)
        if key in cache:
            return cache[key]
        model = self.model
        seen: set = set()
        if sink.module is not None and sink.module is not model:
            cache[key] = seen
            return seen
        stack: List[ast.AST] = [sink.data]
        visited_bindings: set = set()
        budget = 2000
        while stack and budget > 0:
            node = stack.pop()
            for child in ast.walk(node):
                budget -= 1
                seen.add(id(child))
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                    _, binding = model.scopes.lookup(child.id, model.scopes.scope_at(child), child.lineno)
                    if binding is not None and binding.kind in ("assign", "for", "with", "augassign") and binding.value is not None \
                            and id(binding) not in visited_bindings:
                        visited_bindings.add(id(binding))
                        stack.append(binding.value)
                    for update in model.item_updates.before(child):  # `df[cols] = scaler.fit_transform(df[cols])`
                        if id(update.statement) not in visited_bindings:
                            visited_bindings.add(id(update.statement))
                            stack.append(update.value)
        cache[key] = seen
        return seen

    def parameter_sinks(self, function: FunctionNode, depth: int = 0) -> List[Tuple[DataSink, int, str, Tuple[int, ...]]]:
        """Sinks that one call of `function` reaches with data from one of its
        parameters: (the sink, the parameter's index, its name, the element of
        the parameter it uses by position, `()` for the whole)."""
        key = id(function)
        if key in self._parameter_sinks:
            return self._parameter_sinks[key]
        if key in self._active or depth > _MAX_LIFT_DEPTH:
            return []
        self._active.add(key)
        try:
            found: List[Tuple[DataSink, int, str, Tuple[int, ...]]] = []
            candidates = list(self._raw_sinks_by_function().get(key, ()))
            candidates += self._lifted_in(function, depth + 1)
            for sink in candidates:
                root = self._parameter_root(sink.data, function, sink.part)
                if root is not None:
                    found.append((sink, *root))
        finally:
            self._active.discard(key)
        self._parameter_sinks[key] = found
        return found

    # -- sinks at their own place ---------------------------------------------
    def _raw_sinks(self) -> List[DataSink]:
        if self._raw is None:
            found: List[DataSink] = list(self._call_sinks_cache())
            found.extend(self._loop_sinks())
            found.extend(self._statistic_sinks())
            found.extend(self._fill_sinks())
            found.extend(self._forward_sinks(found))
            self._raw = [self._with_parameter(sink) for sink in found]
        return self._raw

    def _raw_sinks_by_function(self) -> Dict[int, List[DataSink]]:
        """The raw sinks by the id of the function they are in, in their order
        (one pass: each helper's parameter_sinks scanned them all before)."""
        cached = self.__dict__.get("_raw_by_function")
        if cached is None:
            cached = self.__dict__["_raw_by_function"] = {}
            for sink in self._raw_sinks():
                cached.setdefault(id(self._function_of(sink.node)), []).append(sink)
        return cached

    def _call_sinks_cache(self) -> List[DataSink]:
        cached = self.__dict__.get("_calls")
        if cached is None:
            cached = self.__dict__["_calls"] = [sink for call in self.model.nodes_of(ast.Call) for sink in self._call_sinks(call)]
        return cached

    def _with_parameter(self, sink: DataSink) -> DataSink:
        function = self._function_of(sink.node)
        if function is None:
            return sink
        root = self._parameter_root(sink.data, function, sink.part)
        if root is None:
            return sink
        return DataSink(sink.node, sink.data, sink.role, sink.model, sink.framework, sink.description, sink.module, sink.inner, root[1], sink.part)

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
            if qualname in catalog.CROSS_VALIDATION_FUNCTIONS:
                estimator = positional_or_keyword(call, 0, "estimator")
                sink = self._sink(call, positional_or_keyword(call, 1, "X"), CROSS_VALIDATION, estimator, "sklearn", f"`{text}` (line {call.lineno})")
                return [sink] if sink is not None and estimator is not None else []
            if qualname in catalog.ROW_FITTING_FUNCTIONS and call.args and _over_rows(call, qualname):
                # `zscore(X)`, `scale(X)`: statistics of these rows normalize them
                return [DataSink(call, call.args[0], FIT_TRANSFORM, None, None, f"`{text}` (line {call.lineno})", model)]
        func = call.func
        if isinstance(func, ast.Name) and _EVALUATION_NAME.match(func.id) and qualname is None and model.resolve_function(call) is None:
            # evaluate(model, test_loader) of a helper dllint cannot read: its data arguments are evaluated
            return [DataSink(call, argument, EVALUATION, None, None, f"`{_call_text(call)}` (line {call.lineno})", model)
                    for argument in call.args if (model.value_of(argument) or _NO_VALUE).kind != MODEL]
        if not isinstance(func, ast.Attribute):
            return []
        method, receiver = func.attr, func.value
        if method not in _SINK_METHODS:
            return []
        receiver_name = self._receiver_qualname(receiver)
        framework = self._framework(receiver, receiver_name)
        if receiver_name in catalog.LIGHTNING_TRAINERS or (receiver_name is None and _looks_like_trainer(receiver) and method in ("fit", "validate", "test", "predict") and len(call.args) >= 2):
            if method == "fit":
                found.append(self._sink(call, positional_or_keyword(call, 1, "train_dataloaders") or keyword_value(call, "train_dataloader"), TRAINING, call.args[0] if call.args else None, "lightning", f"`{text}` (line {call.lineno})"))
                found.append(self._sink(call, positional_or_keyword(call, 2, "val_dataloaders") or keyword_value(call, "val_dataloader"), MONITORING, call.args[0] if call.args else None, "lightning", f"the `val_dataloaders` of `{text}` (line {call.lineno})"))
                found.extend(self._datamodule_sinks(call, text))
            elif method in ("validate", "test"):
                found.append(self._sink(call, positional_or_keyword(call, 1, "dataloaders"), EVALUATION, call.args[0] if call.args else None, "lightning", f"`{text}` (line {call.lineno})"))
            elif method == "predict":
                found.append(self._sink(call, positional_or_keyword(call, 1, "dataloaders"), PREDICTION, call.args[0] if call.args else None, "lightning", f"`{text}` (line {call.lineno})"))
            return [sink for sink in found if sink is not None]
        first = positional_or_keyword(call, 0, "x") or keyword_value(call, "X") or keyword_value(call, "raw_documents") or keyword_value(call, "data")
        if method in catalog.FIT_TRANSFORM_METHODS and self._is_transformer(receiver, receiver_name, method):
            if receiver_name is None or receiver_name not in catalog.TARGET_TRANSFORMERS:
                found.append(self._sink(call, first, FIT_TRANSFORM, receiver, framework, f"`{text}` (line {call.lineno})"))
        elif method == "fit" and receiver_name in catalog.PREFIT_SCORERS and self._scores_prefit(receiver):
            found.append(self._sink(call, first, EVALUATION, receiver, framework, f"`{text}` (line {call.lineno})"))
        elif method in ("fit", "partial_fit", "fit_generator", "train_on_batch"):
            if receiver_name not in catalog.TARGET_TRANSFORMERS:
                found.append(self._sink(call, first, TRAINING, receiver, framework, f"`{text}` (line {call.lineno})"))
                found.append(self._sink(call, keyword_value(call, "validation_data"), MONITORING, receiver, framework, f"the `validation_data` of `{text}` (line {call.lineno})"))
        elif method in catalog.EVALUATION_METHODS:
            found.append(self._sink(call, first, EVALUATION, receiver, framework, f"`{text}` (line {call.lineno})"))
        elif method in catalog.PREDICTION_METHODS:
            found.append(self._sink(call, first, PREDICTION, receiver, framework, f"`{text}` (line {call.lineno})"))
        return [sink for sink in found if sink is not None]

    def _datamodule_sinks(self, call: ast.Call, text: str) -> List[DataSink]:
        """`trainer.fit(module, datamodule=dm)`: what the project class's
        `train_dataloader()` / `val_dataloader()` return (a LightningDataModule,
        or a LightningModule that defines them)."""
        from dllint.semantic.module import return_expressions

        candidates = [keyword_value(call, "datamodule")] + list(call.args[:2]) + [keyword_value(call, "model")]
        for candidate in candidates:
            constructor = candidate if isinstance(candidate, ast.Call) else _constructor(self.model, candidate) if candidate is not None else None
            found = self.model.resolve_class(constructor.func) if constructor is not None else None
            if found is None:
                continue
            class_model, class_node = found
            methods = {statement.name: statement for statement in class_node.body if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))}
            if "train_dataloader" not in methods:
                continue
            sinks = []
            for hook, role in (("train_dataloader", TRAINING), ("val_dataloader", MONITORING)):
                if hook in methods:
                    for returned in return_expressions(methods[hook]):
                        sinks.append(DataSink(call, returned, role, candidate, "lightning",
                                              f"`{class_node.name}.{hook}()` (line {methods[hook].lineno}), used by `{text}` (line {call.lineno})", class_model))
            return sinks
        return []

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

    def _scores_prefit(self, receiver: ast.AST) -> bool:
        """`PermutationImportance(model)` with no `cv` or `cv="prefit"`: its `fit`
        only scores the trained model (another `cv` refits it fold by fold)."""
        constructor = receiver if isinstance(receiver, ast.Call) else _constructor(self.model, receiver)
        if constructor is None:
            return False
        cv = keyword_value(constructor, "cv")
        return cv is None or isinstance(cv, ast.Constant) and cv.value == "prefit"

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
            # `sqlite3.adapt(value)`: a function of a module, not a layer or tokenizer fitted on data
            return not self._is_module(receiver)
        if qualname is not None:
            if qualname in catalog.PIPELINE_CLASSES:
                return self._pipeline_of_transformers(receiver)
            return qualname.startswith(catalog.FEATURE_TRANSFORMER_PREFIXES + catalog.OVERSAMPLER_PREFIXES)
        name = receiver.id if isinstance(receiver, ast.Name) else receiver.attr if isinstance(receiver, ast.Attribute) else ""
        return bool(_TRANSFORMER_NAME.search(name))

    def _is_module(self, receiver: ast.AST) -> bool:
        """Whether `receiver` is a name bound by `import x` / `import x as y`."""
        if not isinstance(receiver, ast.Name):
            return False
        scopes = self.model.scopes
        _, binding = scopes.lookup(receiver.id, scopes.scope_at(receiver), receiver.lineno)
        return binding is not None and binding.kind == "import" and isinstance(binding.node, ast.Import)

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

    def _statistic_sinks(self) -> List[DataSink]:
        """`(X - X.mean(0)) / X.std(0)`, `mean = X.mean(axis=0)` ... `X / mean`:
        the rows a mean / std / min / max over rows, subtracted from or
        dividing data, was computed over. Statistics along other axes
        (`x.mean(dim=1)`, a softmax's sum) and arithmetic between statistics
        (a metric, a plot's range `X.min() - 1`) are not normalisation."""
        model = self.model
        found: List[DataSink] = []
        seen: set = set()
        for operation in model.nodes_of(ast.BinOp):
            if not isinstance(operation.op, (ast.Sub, ast.Div)) or isinstance(operation.left, ast.Constant):
                continue
            if _statistics_in(model, operation.left, expand=False) or model.provenance.rows_of(operation.left) is None:
                continue
            for statistic in _statistics_in(model, operation.right):
                if id(statistic) in seen:
                    continue
                seen.add(id(statistic))
                data = _statistic_data(model, statistic)
                if data is None or _one_sample(model, data, statistic):
                    continue
                description = f"the `{_call_text(statistic)}` (line {statistic.lineno}) that normalises data on line {operation.lineno}"
                found.append(DataSink(statistic, data, FIT_TRANSFORM, None, None, description, model))
        return found

    def _fill_sinks(self) -> List[DataSink]:
        """`df["age"].fillna(df["age"].median())`, `X.fillna(X.mean())`: the
        rows the statistic that imputes missing values was computed over (an
        imputer written by hand)."""
        model = self.model
        found: List[DataSink] = []
        for call in model.calls("fillna"):
            value = positional_or_keyword(call, 0, "value")
            if value is None:
                continue
            for statistic in _statistics_in(model, value, expand=False):
                data = _statistic_data(model, statistic)
                if data is None or _one_sample(model, data, statistic):
                    continue
                description = f"the `{_call_text(statistic)}` (line {statistic.lineno}) that fills missing values on line {call.lineno}"
                found.append(DataSink(statistic, data, FIT_TRANSFORM, None, None, description, model))
        return found

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
            elif model.provenance.rows_of(iterable) is not None \
                    and not (loops.may_reach_step(loop) and loops.iteration(loop).steps) \
                    and not any(_inside(model, call, loop) for call in training_calls) \
                    and self._runs_a_model(loop):
                found.append(DataSink(iterable, iterable, EVALUATION, None, "torch", f"the loop on line {loop.lineno}", model))
        return found

    def _runs_a_model(self, loop: ast.AST) -> bool:
        """Whether a loop over data can score a model: its body calls a model
        (`net(x)`, `clf.predict(x)`), a project function or a helper whose name
        says it evaluates. A loop that only plots or prints the rows (`for i,
        point in enumerate(embedding)`) evaluates nothing."""
        model = self.model
        for node in ast.walk(loop):
            if not isinstance(node, ast.Call) or node is loop.iter:
                continue
            func = node.func
            if isinstance(func, ast.Name) and _EVALUATION_NAME.match(func.id):
                return True
            if model.resolve_function(node) is not None:
                return True
            callee = func.value if isinstance(func, ast.Attribute) and func.attr in _SINK_METHODS | {"forward"} else func
            value = model.value_of(callee) if isinstance(callee, (ast.Name, ast.Attribute)) else None
            if value is not None and value.kind == MODEL:
                return True
        return False

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
            if training is not None and (_under_no_grad(model, call) or any(
                    training in loops.enclosing_loops(inner) for inner in loops.training_loops() if inner is not training)):
                training = None  # an evaluation inside the epoch loop, beside the loop that steps
            if training is not None:  # `for step in range(...)`: batches cut by index
                found.append(DataSink(call, call.args[0], TRAINING, callee, value.framework,
                                      f"`{text}(...)` in the training loop on line {training.lineno}", model))
                continue
            found.append(DataSink(call, call.args[0], PREDICTION, callee, value.framework, f"`{text}(...)` (line {call.lineno})", model))
        return found

    # -- sinks of helpers, at the calls that pass them their data -----------------
    def _lifted_in_module(self) -> List[DataSink]:
        found: List[DataSink] = []
        for calls in self._calls_by_function().values():
            for call in calls:
                found.extend(self._lift(call, 0))
        return [self._with_parameter(sink) for sink in found]

    def _lifted_in(self, function: FunctionNode, depth: int) -> List[DataSink]:
        found: List[DataSink] = []
        for call in self._calls_by_function().get(id(function), ()):
            found.extend(self._lift(call, depth))
        return found

    def _calls_by_function(self) -> Dict[int, List[ast.Call]]:
        """The file's calls with at least one argument, by the function they are in (one pass)."""
        cached = self.__dict__.get("_by_function")
        if cached is None:
            cached = {}
            for call in self.model.nodes_of(ast.Call):
                if call.args or call.keywords:
                    cached.setdefault(id(self._function_of(call)), []).append(call)
            self.__dict__["_by_function"] = cached
        return cached

    def _function_of(self, node: ast.AST) -> Optional[ast.AST]:
        cache = self.__dict__.setdefault("_functions", {})
        key = id(node)
        if key not in cache:
            cache[key] = self.model.enclosing_function(node)
        return cache[key]

    def _lift(self, call: ast.Call, depth: int) -> List[DataSink]:
        from dllint.semantic.module import _call_argument
        from dllint.semantic.training_loops import resolve_callee

        if depth > _MAX_LIFT_DEPTH:
            return []
        resolved = resolve_callee(self.model, call) or self._constructor_of(call)
        if resolved is None:
            return []
        other, function = resolved
        found: List[DataSink] = []
        for inner, index, name, part in other.data_sinks.parameter_sinks(function, depth + 1):
            argument = _call_argument(call, function, index, name)
            if argument is None:
                continue
            innermost = inner.innermost
            reached = as_read_from(innermost.description, innermost.module or other, self.model)
            description = f"`{_call_text(call)}` (line {call.lineno}; its `{name}` reaches {reached})"
            role = inner.role
            if role == TRAINING and inner.inner is None and _steps_disabled(other, function, inner, call):
                role = EVALUATION  # run_epoch(model, val_loader): no optimizer passed, no step taken
            found.append(DataSink(call, argument, role, inner.model, inner.framework, description, self.model, inner, part=part))
        return found

    def _constructor_of(self, call: ast.Call) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        """`Tabular(frame)` runs `Tabular.__init__` (a project Dataset that normalises what it is given)."""
        found = self.model.resolve_class(call.func)
        if found is None:
            return None
        class_model, class_node = found
        for statement in class_node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and statement.name == "__init__":
                return class_model, statement
        return None

    def _has_callers(self, sink: DataSink) -> bool:
        function = self._function_of(sink.node)
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

    def _fold_part(self, node: ast.AST, function: FunctionNode) -> bool:
        """`X.iloc[fit_idx]` or `X[fit_idx]` whose index comes from a `for`
        over a cross-validation splitter's `.split(...)` in `function`."""
        if not isinstance(node, ast.Subscript):
            return False
        key = node.slice.value if isinstance(node.slice, ast.Index) else node.slice  # type: ignore[attr-defined]
        if isinstance(key, ast.Tuple) and key.elts:
            key = key.elts[0]
        if not isinstance(key, ast.Name):
            return False
        scope, binding = self.model.scopes.lookup(key.id, self.model.scopes.scope_at(key), key.lineno)
        return (binding is not None and scope is not None and scope.node is function and binding.kind == "for"
                and self.model.provenance.cuts_folds(binding.value))

    def _parameter_root(self, data: ast.AST, function: FunctionNode, part: Tuple[int, ...] = ()) -> Optional[Tuple[int, str, Tuple[int, ...]]]:
        """The parameter of `function` that `data` (its element `part`) is
        computed from, through the assignments and loops of the function
        (`for x, y in loader`): its index, its name, and the element of it that
        reaches `data` when the function unpacks it by position
        (`(x_train, y_train), (x_test, y_test) = data` then `fit(x_train)`:
        `(0, 0)`; `()` when the whole parameter, or more than one element, does)."""
        model = self.model
        positional = function.args.posonlyargs + function.args.args
        names = {arg.arg: index for index, arg in enumerate(positional)}
        names.update({arg.arg: -1 for arg in function.args.kwonlyargs})
        stack: List[Tuple[ast.AST, Tuple[int, ...]]] = [(data, part)]
        seen: set = set()
        steps = 0
        found: Optional[Tuple[int, str]] = None
        parts: List[Tuple[int, ...]] = []
        while stack and steps < _MAX_ROOT_STEPS:
            node, path = _narrowed(*stack.pop())
            steps += 1
            if self._fold_part(node, function):
                continue  # `X.iloc[idx]` for a fold of `KFold().split(X)`: a part the function cuts itself
            for name in _data_names(node):
                if id(name) in seen:
                    continue
                seen.add(id(name))
                scope, binding = model.scopes.lookup(name.id, model.scopes.scope_at(name), name.lineno)
                if binding is None or scope is None or scope.node is not function:
                    continue
                element = path if name is node else ()  # an element is followed only through names
                if binding.kind == "param":
                    if name.id in names and name.id not in ("self", "cls", "model", "net", "device", "args"):
                        if found is None:
                            found = names[name.id], name.id
                        if found[1] == name.id:
                            parts.append(element)
                elif binding.kind in ("assign", "for", "with") and binding.value is not None:
                    if _is_split_call(model, binding.value):
                        continue  # a part the function cuts itself: judged here, where the split is
                    unpacked = binding.path + element if binding.kind == "assign" else ()
                    stack.append((binding.value, unpacked))
        if found is None:
            return None
        return found[0], found[1], _common_prefix(parts)

def _statistics_in(model: "ModuleModel", operand: ast.AST, expand: bool = True) -> List[ast.Call]:
    """The statistic calls an operand is (`X.mean(0)`, `np.std(X, 0)`), directly
    or through the name it was assigned to (`mean, std = X.mean(0), X.std(0)`)."""
    found: List[ast.Call] = []
    candidates: List[ast.AST] = [operand]
    if isinstance(operand, ast.BinOp) and expand:  # X.std(0) + 1e-8
        candidates = [operand.left, operand.right]
    for candidate in candidates:
        if isinstance(candidate, ast.Name):
            _, binding = model.scopes.lookup(candidate.id, model.scopes.scope_at(candidate), candidate.lineno)
            if binding is None or binding.kind != "assign" or binding.value is None:
                continue
            value = binding.value
            if binding.path and isinstance(value, ast.Tuple) and len(binding.path) == 1 and binding.path[0] < len(value.elts):
                value = value.elts[binding.path[0]]
            elif binding.path:
                continue
            candidate = value.left if isinstance(value, ast.BinOp) and isinstance(value.left, ast.Call) else value
        if isinstance(candidate, ast.Call) and _is_statistic(model, candidate):
            found.append(candidate)
    return found


_ROW_ITERATORS = frozenset({"iterrows", "itertuples"})


def _statistic_data(model: "ModuleModel", statistic: ast.Call) -> Optional[ast.AST]:
    """The data a statistic is computed over: `X.mean()`'s `X`, `np.mean(X)`'s `X`."""
    if isinstance(statistic.func, ast.Attribute) and model.qualified_name(statistic.func) is None:
        return statistic.func.value
    return statistic.args[0] if statistic.args else None


def _one_sample(model: "ModuleModel", data: ast.AST, statistic: ast.Call) -> bool:
    """Whether a statistic is taken over one sample's values: the row of an
    enclosing `for _, row in frame.iterrows()` (or `itertuples()`), or a name
    assigned from it in that loop (`band = np.array(row["band_1"])`). A
    per-image mean or range crosses no rows, so nothing is fitted."""
    loop = model.parent(statistic)
    while loop is not None and not isinstance(loop, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
        if isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Attribute) \
                and loop.iter.func.attr in _ROW_ITERATORS:
            row_names = {node.id for node in ast.walk(loop.target) if isinstance(node, ast.Name)}
            return _derived_from(model, data, row_names, loop)
        loop = model.parent(loop)
    return False


def _derived_from(model: "ModuleModel", data: ast.AST, names: set, loop: ast.For, depth: int = 0) -> bool:
    """`data` is one of `names`, or a name assigned inside `loop` from them (two steps at most)."""
    if not isinstance(data, ast.Name) or depth > 2:
        return False
    if data.id in names:
        return True
    _, binding = model.scopes.lookup(data.id, model.scopes.scope_at(data), data.lineno)
    if binding is None or binding.kind != "assign" or binding.value is None or not _inside(model, binding.value, loop):
        return False
    return any(_derived_from(model, part, names, loop, depth + 1) for part in ast.walk(binding.value) if isinstance(part, ast.Name))


def _over_rows(call: ast.Call, qualname: str) -> bool:
    """A row-fitting function normalizing each column over the rows (axis 0, the
    default, or everything at once)."""
    axis = keyword_value(call, "axis")
    if axis is None and qualname.startswith("scipy.") and len(call.args) > 1:
        axis = call.args[1]
    return axis is None or isinstance(axis, ast.Constant) and axis.value in (0, None)


def _is_statistic(model: "ModuleModel", call: ast.Call) -> bool:
    """A mean / std / min / max taken over rows (axis 0, or over everything)."""
    qualname = model.qualified_name(call.func)
    if qualname is not None:
        if qualname not in catalog.DATA_STATISTIC_FUNCTIONS:
            return False
        axis = positional_or_keyword(call, 1, "axis") or keyword_value(call, "dim")
    elif isinstance(call.func, ast.Attribute) and call.func.attr in catalog.DATA_STATISTIC_METHODS and call.func.attr != "sum":
        axis = positional_or_keyword(call, 0, "axis") or keyword_value(call, "dim")
    else:
        return False
    if axis is None:
        return True
    if isinstance(axis, ast.Tuple):
        return any(isinstance(e, ast.Constant) and e.value == 0 for e in axis.elts)
    return isinstance(axis, ast.Constant) and axis.value == 0


def _steps_disabled(model: "ModuleModel", function: FunctionNode, sink: DataSink, call: ast.Call) -> bool:
    """The training loop of `sink` (in `function`) takes no optimizer step
    when `call` runs it: every step uses an optimizer parameter the call
    leaves at None, or sits under `if <flag>:` for a flag the call leaves false
    (`run_epoch(model, val_loader, loss_fn)` with `optimizer=None`)."""
    from dllint.semantic.module import _call_argument

    loop = model.parent(sink.node)
    if not isinstance(loop, (ast.For, ast.AsyncFor)):
        return False
    steps = model.training_loops.iteration(loop).steps
    if not steps or any(not step.direct for step in steps):
        return False
    parameters = _parameter_defaults(function)

    def passed_value(name: str) -> Optional[ast.AST]:
        index, default = parameters[name]
        argument = _call_argument(call, function, index, name)
        return argument if argument is not None else default

    def is_false(node: Optional[ast.AST]) -> bool:
        return isinstance(node, ast.Constant) and not node.value

    def disabled_by(test: ast.AST, depth: int = 0) -> bool:
        if depth > 3:
            return False
        if isinstance(test, ast.Name):
            if test.id in parameters:
                return is_false(passed_value(test.id))
            _, binding = model.scopes.lookup(test.id, model.scopes.scope_at(test), test.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path and binding.value is not None:
                return disabled_by(binding.value, depth + 1)
            return False
        if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot) \
                and isinstance(test.left, ast.Name) and test.left.id in parameters and is_false(test.comparators[0]):
            return is_false(passed_value(test.left.id))
        return False

    for step in steps:
        subject = step.subject
        root = subject
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, ast.Name) and root.id in parameters and is_false(passed_value(root.id)):
            continue
        guarded = False
        child, parent = step.node, model.parent(step.node)
        while parent is not None and parent is not loop:
            if isinstance(parent, ast.If) and child in parent.body and disabled_by(parent.test):
                guarded = True
                break
            child, parent = parent, model.parent(parent)
        if not guarded:
            return False
    return True


def _parameter_defaults(function: FunctionNode) -> Dict[str, Tuple[int, Optional[ast.AST]]]:
    positional = function.args.posonlyargs + function.args.args
    defaults = [None] * (len(positional) - len(function.args.defaults)) + list(function.args.defaults)
    found: Dict[str, Tuple[int, Optional[ast.AST]]] = {arg.arg: (index, default) for index, (arg, default) in enumerate(zip(positional, defaults))}
    for arg, default in zip(function.args.kwonlyargs, function.args.kw_defaults):
        found[arg.arg] = (-1, default)
    return found


def _narrowed(node: ast.AST, path: Tuple[int, ...]) -> Tuple[ast.AST, Tuple[int, ...]]:
    """Element `path` of a tuple or list display, as far as the displays go."""
    while path and isinstance(node, (ast.Tuple, ast.List)) and 0 <= path[0] < len(node.elts) \
            and not any(isinstance(element, ast.Starred) for element in node.elts):
        node, path = node.elts[path[0]], path[1:]
    return node, path


def _common_prefix(paths: List[Tuple[int, ...]]) -> Tuple[int, ...]:
    """The element every one of `paths` lies in (`()`: the whole)."""
    prefix = paths[0] if paths else ()
    for path in paths[1:]:
        length = 0
        while length < min(len(prefix), len(path)) and prefix[length] == path[length]:
            length += 1
        prefix = prefix[:length]
    return prefix


def _is_split_call(model: "ModuleModel", node: ast.AST) -> bool:
    """`train_test_split(X, y)` or `random_split(dataset, ...)`: its outputs are
    parts of its input, not the input's rows."""
    if not isinstance(node, ast.Call):
        return False
    qualname = model.qualified_name(node.func)
    return qualname in catalog.HOLDOUT_SPLIT_FUNCTIONS or qualname in catalog.RANDOM_SPLIT_FUNCTIONS


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


def _learns_categories_only(model: "ModuleModel", transformer: ast.AST, depth: int = 0) -> bool:
    constructor = transformer if isinstance(transformer, ast.Call) else _constructor(model, transformer)
    if constructor is None or depth > 2 or any(keyword.arg is None for keyword in constructor.keywords):
        return False
    qualname = model.qualified_name(constructor.func)
    if qualname in catalog.CATEGORY_ENCODERS:
        return not any(keyword.arg in catalog.CATEGORY_FREQUENCY_OPTIONS for keyword in constructor.keywords)
    if qualname not in catalog.COLUMN_TRANSFORMERS:
        return False
    if qualname.endswith("make_column_transformer"):
        steps = [argument.elts[0] if isinstance(argument, ast.Tuple) and argument.elts else argument for argument in constructor.args]
    else:
        listed = positional_or_keyword(constructor, 0, "transformers")
        if not isinstance(listed, (ast.List, ast.Tuple)):
            return False
        steps = [step.elts[1] if isinstance(step, ast.Tuple) and len(step.elts) > 1 else step for step in listed.elts]
    remainder = keyword_value(constructor, "remainder")
    if remainder is not None:
        steps.append(remainder)
    return bool(steps) and all(_passes_or_encodes(model, step, depth) for step in steps)


def _passes_or_encodes(model: "ModuleModel", step: ast.AST, depth: int) -> bool:
    """A `ColumnTransformer` step that drops or passes its columns on, or encodes their categories."""
    if isinstance(step, ast.Constant):
        return step.value in ("drop", "passthrough")
    return _learns_categories_only(model, step, depth + 1)


def _constructor(model: "ModuleModel", expression: ast.AST) -> Optional[ast.Call]:
    if isinstance(expression, ast.Name):
        _, binding = model.scopes.lookup(expression.id, model.scopes.scope_at(expression), expression.lineno)
        if binding is not None and binding.kind == "assign" and not binding.path and isinstance(binding.value, ast.Call):
            return binding.value
    return None


def _under_no_grad(model: "ModuleModel", node: ast.AST) -> bool:
    current = model.parent(node)
    while current is not None and not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
        if isinstance(current, (ast.With, ast.AsyncWith)):
            for item in current.items:
                name = model.qualified_name(item.context_expr) or ""
                if name.endswith(("no_grad", "inference_mode")):
                    return True
        current = model.parent(current)
    return False


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
    if len(head) > 40 and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
        head = f"{ast.unparse(func.value.func)}(...).{func.attr}"
    if len(head) > 40:
        head = "..." + head[-37:]
    return f"{head}(...)"
