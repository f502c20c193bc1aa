"""Data provenance: which rows a piece of data holds, and where that was decided.

    rows = semantic.provenance.rows_of(expr)   -> Rows or None (unknown)
    rows.splits      {"train"}, {"test"}, {"train", "validation"} (concatenated), {"all"} (not yet split)
    rows.origin      the node that decided it (the split call, the slice, the loader, the name)
    rows.evidence    "the test part of `train_test_split(...)` (line 12)", for messages
    rows.by_name     only a variable name said so (the weakest evidence)
    rows.pool        the unsplit data the rows were cut from (a load call, a parameter ...)
    rows.parts       the parts of a concatenation, each a Rows

    semantic.provenance.split_point(pool)  -> the Place (call or slice, and its file) that splits this pool, or None
    semantic.provenance.is_split_later(e)  -> the rows of `e` are all the rows of a pool that is split

Evidence, strongest first: split operations and their outputs by position
(`train_test_split`, `random_split`, `KFold(...).split`, `load_data()`, a
second split of a train part gives train/validation), a loader's arguments
(`train=False`, `split="val"`, `subset="validation"`, a folder or file name
such as `val/` or `test.csv`), a string key (`ds["test"]`), slices and
index arrays (`X[:n]`, `x[val_idx]`, named by the variable they are bound
to), and last the variable's own name (`X_test`, `val_loader`).

Rows flow through assignments, tuple unpacking (of a name bound to a list
or tuple display too: `X_tr, X_te = saved` takes each element's rows; of a
name itself unpacked from a call, `data, shapes = load()` then `a, b = data`;
of a parameter, element by element of what the callers pass), `for` targets (batches of a
loader hold its rows), attributes of `self`, wrappers (`DataLoader`,
`TensorDataset`, `Subset`, `from_tensor_slices`, `.batch()`, `.to()`,
`.astype()`, project `Dataset` classes: whatever their arguments hold),
transforms (`scaler.transform(X_test)` keeps the test rows), concatenation
(`np.concatenate`, `torch.cat`, `pd.concat`, `ConcatDataset`, `+`, list
literals: the union), parameters (the union over every caller, in this file
and the other files of the project) and return values. Model outputs
(`model.predict(X)`) and statistics (`X.mean()`) hold no rows.

Flow-insensitive and linear: a name holds what its last binding before the
use holds; each expression is evaluated once and cached.
"""
from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterable, List, Optional, Tuple

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern
from dllint.semantic.recursion import guarded
from dllint.semantic import catalog
from dllint.semantic.arguments import constant_string, keyword_value, positional_or_keyword
from dllint.semantic.places import Place
from dllint.semantic.scopes import Binding, Scope, pick_binding
from dllint.semantic.values import TEST, TRAIN, VALIDATION, split_from_name

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.module import ModuleModel

ALL = "all"
HELD_OUT = frozenset({VALIDATION, TEST})
_MAX_DEPTH = 24
_MAX_CONTEXTS = 3  # how many calls deep parameters are bound to one call's arguments
_BUILTIN_WRAPPERS = frozenset({"list", "tuple", "sorted", "iter", "reversed", "enumerate"})
_SPLIT_LABEL = {TRAIN: "training", VALIDATION: "validation", TEST: "test", ALL: "full (not yet split)"}
# A path component or file name that names a split: "data/val", "test.csv", "valid_images".
_PATH_SPLIT = (
    (VALIDATION, LazyPattern(r"(^|[/\\_.\-{}])(val|valid|validation|dev|holdout)([/\\_.\-{}]|$)", re.I)),
    (TEST, LazyPattern(r"(^|[/\\_.\-{}])(test|testing)([/\\_.\-{}]|$)", re.I)),
    (TRAIN, LazyPattern(r"(^|[/\\_.\-{}])(train|training)([/\\_.\-{}]|$)", re.I)),
)


@lazy_dataclass(frozen=True)
class Rows:
    """Which split(s) a piece of data holds, and where that was decided."""

    splits: FrozenSet[str]
    origin: ast.AST
    module: str
    evidence: str
    by_name: bool = False
    pool: Optional[ast.AST] = None
    parts: Tuple["Rows", ...] = ()
    # the split was named by whoever published the data (`train=False`, `split="test"`,
    # `ds["test"]`, a `test/` folder, `load_data()`), not cut by this script
    designated: bool = False
    # a helper's parameter that several calls fill with rows of one kind: `pool`
    # is the first call's data, these the others'. A split inside the helper
    # splits each of them.
    other_pools: Tuple[ast.AST, ...] = ()

    @property
    def held_out(self) -> bool:
        return bool(self.splits & HELD_OUT)

    @property
    def includes_all(self) -> bool:
        return ALL in self.splits

    @property
    def line(self) -> int:
        return getattr(self.origin, "lineno", 0)

    def held_out_parts(self) -> List["Rows"]:
        """The parts that hold validation or test rows (itself when not a concatenation)."""
        if not self.parts:
            return [self] if self.held_out else []
        return [part for part in self.parts if part.held_out]

    @property
    def read_as_training(self) -> bool:
        """Rows read, as they are, from a file named for training
        (`pd.read_csv("train.csv")`): uncut, though a validation split may
        be cut from them later."""
        return self.splits == {TRAIN} and self.designated and self.pool is None and not self.parts

    @property
    def cut_from(self) -> Tuple[ast.AST, ...]:
        """What a split of these rows cuts: their pool(s), or the training file they were read from."""
        if self.pool is not None:
            return (self.pool, *self.other_pools)
        return (self.origin,) if self.read_as_training else ()

    def relabel(self, split: str, evidence: str, by_name: bool) -> "Rows":
        return replace(self, splits=frozenset({split}), evidence=evidence, by_name=by_name, parts=())


def group_of(rows: Rows) -> int:
    """Rows cut from one pool (or decided at one node) belong to one group:
    parts of one group are siblings (train vs held-out of the same split)."""
    return id(rows.pool) if rows.pool is not None else id(rows.origin)


def overlaps(first: Rows, second: Rows) -> bool:
    """Whether two Rows may share rows: a part of one group with a common split."""
    for a in first.parts or (first,):
        for b in second.parts or (second,):
            if group_of(a) == group_of(b) and (a.splits & b.splits or ALL in a.splits or ALL in b.splits):
                return True
    return False


def split_label(split: str) -> str:
    return _SPLIT_LABEL.get(split, split)


# a cross-validation splitter known only by its name (a parameter, `self.cv_`)
_SPLITTER_NAME = LazyPattern(r"(?i)(fold|kf|cv|split)")
_TRAIN_AND_VALIDATION = LazyPattern(r"(?i)train_?val|train_?dev|trainval|full_train|train_full")


def split_of_name(name: str) -> Optional[str]:
    """`X_test` -> test, `val_loader` -> validation; `X_train_valid`, `trainval_idx`:
    the training rows (train + validation, cut before a validation split)."""
    if _TRAIN_AND_VALIDATION.search(name):
        return TRAIN
    return split_from_name(name)


def split_in_text(text: str) -> Optional[str]:
    """The split a path or file name names: "data/val/" -> validation, "test.csv" -> test."""
    for split, pattern in _PATH_SPLIT:
        if pattern.search(text):
            return split
    return None


def union(parts: Iterable[Optional[Rows]], origin: ast.AST, module: str) -> Optional[Rows]:
    """The rows of a concatenation: every part's splits."""
    known = [part for part in parts if part is not None]
    if not known:
        return None
    if len(known) == 1:
        return known[0]
    flat: List[Rows] = []
    for part in known:
        flat.extend(part.parts or (part,))
    if all(part.splits == flat[0].splits for part in flat):
        return flat[0]  # (x_val, y_val): the same rows, not a concatenation
    splits = frozenset().union(*(part.splits for part in flat))
    pools = {id(part.pool) for part in flat if part.pool is not None}
    pool = flat[0].pool if len(pools) == 1 else None
    return Rows(splits, origin, module, "a concatenation of " + ", ".join(part.evidence for part in flat),
                by_name=all(part.by_name for part in flat), pool=pool, parts=tuple(flat))


class Provenance:
    def __init__(self, model: "ModuleModel"):
        self.model = model
        self._cache: Dict[Tuple[int, Tuple[int, ...]], Optional[Rows]] = {}
        self._active: set = set()
        # The calls being followed into this file's functions, innermost last:
        # while one is, a parameter of its function holds what that call passes
        # (`to_loader(X_test, y_test)` returns test rows, whatever other calls pass).
        self._context: List[Tuple[ast.AST, ast.Call, "Provenance"]] = []
        # What an element holds under each context: `_caches[k]` while `k`
        # calls are followed (`_caches[0]` is `_cache`). A deeper call gets a
        # cache of its own, dropped when the call is left. Without them,
        # nothing was remembered inside a call, and a chain of helpers that
        # return one another's results was evaluated again along every path
        # (a whole site-packages run spent minutes there).
        self._caches: List[Dict[Tuple[int, Tuple[int, ...]], Optional[Rows]]] = [self._cache]
        self._split_points: Optional[Dict[int, List[Place]]] = None
        self._data_sources: Optional[List[ast.Call]] = None

    # -- the questions ---------------------------------------------------
    def rows_of(self, expr: Optional[ast.AST], depth: int = 0, part: Tuple[int, ...] = ()) -> Optional[Rows]:
        """The rows `expr` holds (its element `part`, by position, when it is
        a tuple: `((x_train, y_train), (x_test, y_test))` at `(0, 0)` holds
        training rows), or None when dllint cannot tell."""
        return self._element(expr, tuple(part), depth)

    def split_point(self, pool: Optional[ast.AST], after: Optional[Place] = None) -> Optional[Place]:
        """Where the unsplit data `pool` is split (a split call or a slice, and
        the file that holds it), or None: the first such place, or with
        `after`, the first in the same file at or below it when there is one
        (data split once for a first model, and again after a fit on all of it)."""
        if pool is None:
            return None
        if self._split_points is None:
            self._split_points = {}
            for model in self._models_to_search():
                for call in model.nodes_of(ast.Call):
                    source = model.provenance._split_source(call) or model.provenance._folds_source(call)
                    if source is None:
                        continue
                    rows = model.provenance.rows_of(source)
                    for cut in rows.cut_from if rows is not None else ():
                        self._split_points.setdefault(id(cut), []).append(Place(call, model))
                for node, rows in model.provenance._held_out_slices():
                    for cut in (rows.pool, *rows.other_pools):
                        self._split_points.setdefault(id(cut), []).append(Place(node, model))
        places = self._split_points.get(id(pool))
        if not places:
            return None
        if after is not None:
            for place in places:
                if place.model is after.model and place.line >= after.line:
                    return place
        return places[0]

    def split_point_of(self, rows: Rows, after: Optional[Place] = None) -> Optional[Place]:
        """Where rows not yet cut (all rows, or a whole training file) are split later, or None."""
        cut = rows.cut_from
        return self.split_point(cut[0], after) if cut else None

    def _held_out_slices(self) -> List[Tuple[ast.AST, Rows]]:
        """Slices bound to a held-out name (`x_val = data[10000:]`): a split by hand."""
        found: List[Tuple[ast.AST, Rows]] = []
        for statement in self.model.nodes_of(ast.Assign):
            for target in statement.targets:
                pairs = [(target, statement.value)]
                if isinstance(target, ast.Tuple) and isinstance(statement.value, ast.Tuple) and len(target.elts) == len(statement.value.elts):
                    pairs = list(zip(target.elts, statement.value.elts))
                for name, value in pairs:
                    if not isinstance(name, ast.Name) or not isinstance(value, ast.Subscript):
                        continue
                    key = _row_key(value.slice.value if isinstance(value.slice, ast.Index) else value.slice)  # type: ignore[attr-defined]
                    if not isinstance(key, ast.Slice):
                        continue
                    rows = self._named(self._element(value, (), 0), name.id, name)
                    if rows is not None and rows.held_out and not rows.by_name and rows.pool is not None:
                        found.append((value, rows))
        return found

    def cuts_folds(self, call: ast.AST) -> bool:
        """Whether `call` is a cross-validation splitter's `.split(X)`, whose
        index pairs pick fold parts of `X`."""
        return isinstance(call, ast.Call) and self._folds_source(call) is not None

    def is_split_later(self, expr: ast.AST) -> bool:
        rows = self.rows_of(expr)
        return rows is not None and rows.splits == {ALL} and self.split_point(rows.pool) is not None

    # -- evaluation ------------------------------------------------------
    def _models_to_search(self) -> List["ModuleModel"]:
        """This file, and the project files it imports or that import it (a
        `data.py` that splits what a `train.py` loads, or the reverse)."""
        model = self.model
        found = [model]
        project = model.project
        for name in model.imports.imported_modules + list(model.imports.names.values()):
            info = project.module(name) or (project.module(name.rsplit(".", 1)[0]) if "." in name else None)
            if info is not None and info is not model.info:
                other = project.model_for(info)
                if other not in found:
                    found.append(other)
        if model.info.name:
            for info in project.modules_importing(model.info)[:8]:
                other = project.model_for(info)
                if other not in found:
                    found.append(other)
        return found

    def _element(self, node: Optional[ast.AST], path: Tuple[int, ...], depth: int) -> Optional[Rows]:
        if node is None or depth > _MAX_DEPTH:
            return None
        key = (id(node), path)
        cache = self._caches[len(self._context)]
        if key in cache:
            return cache[key]
        active_key = (id(node), path, len(self._context))
        rows = guarded(self._active, active_key, lambda: self._evaluate_element(node, path, depth), None)
        cache[key] = rows
        return rows

    def _returned(self, callee: "Provenance", call: ast.Call, function: ast.AST, path: Tuple[int, ...], depth: int) -> Optional[Rows]:
        """What `function` (of `callee`'s file) returns when this file's
        `call` runs it: its parameters hold what this call passes."""
        from dllint.semantic.module import return_expressions

        if len(callee._context) >= _MAX_CONTEXTS:
            return _agreed(callee._element(returned, path, depth + 1) for returned in return_expressions(function))
        callee._context.append((function, call, self))
        callee._caches.append({})
        try:
            return _agreed(callee._element(returned, path, depth + 1) for returned in return_expressions(function))
        finally:
            callee._context.pop()
            callee._caches.pop()

    def _evaluate_element(self, node: ast.AST, path: Tuple[int, ...], depth: int) -> Optional[Rows]:
        if not path:
            return self._evaluate(node, depth)
        index, rest = path[0], path[1:]
        if isinstance(node, (ast.Tuple, ast.List)):
            if 0 <= index < len(node.elts) and not any(isinstance(e, ast.Starred) for e in node.elts):
                return self._element(node.elts[index], rest, depth + 1)
            return None
        if isinstance(node, ast.Call) and index >= 0:
            rows = self._split_output(node, index, rest, depth)
            if rows is not None:
                return rows
            resolved = self.model.resolve_function(node)
            if resolved is not None:
                other, function = resolved
                return self._returned(other.provenance, node, function, path, depth)
        if isinstance(node, ast.Name):
            display = self._display_named(node, index)
            if display is not None:
                return self._element(display, path, depth + 1)
            part = self._bound_element(node, path, depth)
            if part is not None:
                return part
        # `x, y = batch`, `images, labels = data`: the parts of a batch hold its rows
        whole = self._element(node, (), depth + 1)
        return whole

    def _display_named(self, node: ast.Name, index: int) -> Optional[ast.AST]:
        """The list or tuple display that `node` is bound to, when its element
        `index` can be picked by position: `saved = [X_train, X_test]` and later
        `X_train, X_test = saved` give each name its own element's rows, not
        the union of the display."""
        binding = self.model.scopes.lookup(node.id, self.model.scopes.scope_at(node), node.lineno)[1]
        if binding is None or binding.kind != "assign" or binding.path:
            return None
        display = binding.value
        if not isinstance(display, (ast.List, ast.Tuple)) or not 0 <= index < len(display.elts):
            return None
        if any(isinstance(element, ast.Starred) for element in display.elts):
            return None
        return display

    def _bound_element(self, node: ast.Name, path: Tuple[int, ...], depth: int) -> Optional[Rows]:
        """Element `path` of a name that holds a tuple dllint can pick from by
        position: a name unpacked from one (`data, shapes = load()`, then
        `source, target = data`), or a parameter (`def train(data): (x_train,
        y_train), _ = data` gets the element of what its callers pass).
        None when that element is not known: the caller then takes the whole."""
        scope, binding = self.model.scopes.lookup(node.id, self.model.scopes.scope_at(node), node.lineno)
        if binding is None:
            return None
        if binding.kind == "assign" and binding.path and binding.value is not None:
            return self._element(binding.value, binding.path + path, depth + 1)
        if binding.kind == "param":
            return self._parameter(binding, scope, depth + 1, path)
        return None

    def _evaluate(self, node: ast.AST, depth: int) -> Optional[Rows]:
        if isinstance(node, ast.Name):
            return self._name(node, depth)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, depth)
        if isinstance(node, ast.Subscript):
            return self._subscript(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if isinstance(node, ast.BinOp):
            left = self._element(node.left, (), depth + 1)
            right = self._element(node.right, (), depth + 1)
            if isinstance(node.op, ast.Add) and left is not None and right is not None:
                return union([left, right], node, self.model.info.name)
            return left or right
        if isinstance(node, (ast.Tuple, ast.List)):
            return union((self._element(e, (), depth + 1) for e in node.elts), node, self.model.info.name)
        if isinstance(node, ast.IfExp):
            return _agreed((self._element(node.body, (), depth + 1), self._element(node.orelse, (), depth + 1)))
        if isinstance(node, (ast.Starred, ast.Await, ast.NamedExpr)):
            return self._element(node.value, (), depth + 1)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)) and node.generators:
            return self._iteration(node.generators[0].iter, (), depth + 1)
        return None

    # -- names -------------------------------------------------------------
    def _name(self, node: ast.Name, depth: int) -> Optional[Rows]:
        model = self.model
        scope, binding = model.scopes.lookup(node.id, model.scopes.scope_at(node), node.lineno)
        if binding is not None:
            if binding.kind in ("import", "def", "class"):
                return None
            rows = self._binding(binding, scope, depth)
            named = self._named(rows, node.id, node)
            if named is None and _opaque_binding(binding):
                return self._split_source_rows(node, binding)
            return named
        return self._from_name(node.id, node) or self._split_source_rows(node, binding)

    def _split_source_rows(self, node: ast.Name, binding: Optional[Binding]) -> Optional[Rows]:
        """A name whose value dllint cannot see (`X = build()`, an unbound
        name, a parameter without callers): all the rows of some data set,
        one pool per binding, so that a split of it further on is recognised
        (`features = scaler.fit_transform(X)` ... `train_test_split(features)`)."""
        pool = binding.node if binding is not None and binding.node is not None else self._first_use(node.id)
        if pool is None:
            return None
        return Rows(frozenset({ALL}), node, self.model.info.name, f"`{node.id}` (line {node.lineno})", pool=pool)

    def _first_use(self, name: str) -> Optional[ast.AST]:
        """The first `Name` node spelling `name`, in `nodes` order. Indexed in
        one pass: a scan per name was quadratic in a notebook's many names."""
        uses = self.__dict__.get("_first_uses")
        if uses is None:
            uses = self.__dict__["_first_uses"] = {}
            for node in self.model.nodes_of(ast.Name):
                uses.setdefault(node.id, node)
        return uses.get(name)

    def _split_sources(self) -> Dict[str, List[Tuple[ast.Call, ast.Name]]]:
        cached = self.__dict__.get("_sources")
        if cached is None:
            cached = {}
            for call in self.model.nodes_of(ast.Call):
                source = self._split_source(call)
                if isinstance(source, ast.Name):
                    cached.setdefault(source.id, []).append((call, source))
            self.__dict__["_sources"] = cached
        return cached

    def _named(self, rows: Optional[Rows], name: str, node: ast.AST) -> Optional[Rows]:
        """What a binding's rows become under the name they are bound to:
        an unlabelled part (a slice) or an unsplit load takes the name's
        split; a held-out part of a split takes the name's kind of held-out."""
        named = split_of_name(name)
        if rows is None:
            return self._from_name(name, node)
        if named is None or rows.parts:
            return rows
        where = f"`{name}` (line {getattr(node, 'lineno', 0)})"
        if not rows.splits:  # a slice or an index array: the name says which part
            return rows.relabel(named, f"{where}, a part cut from the data by slicing or indexing on line {rows.line}", False)
        if rows.splits == {ALL} and rows.evidence.startswith("loaded"):
            return rows.relabel(named, f"{where}, by its name", True)
        if rows.splits <= HELD_OUT and named in HELD_OUT and named not in rows.splits and rows.evidence.startswith("the held-out"):
            return replace(rows, splits=frozenset({named}))
        if rows.by_name and rows.splits <= HELD_OUT and named in HELD_OUT and named not in rows.splits \
                and not self._named_in_scope_of(rows, node):
            # only a name inside a helper said which held-out part this is (`return X.iloc[test]`,
            # after scikit-learn's `train, test` fold names): the caller's name says what it means
            return rows.relabel(named, f"{where}, by its name", True)
        if rows.splits == {TEST} and named == VALIDATION and not rows.by_name and not isinstance(rows.origin, ast.Subscript):
            # `val_set = CIFAR10(train=False)`: a data set's test split, used by this script as its validation split
            # (a part sliced off by hand and named test where it is cut stays the test part under a later name)
            return replace(rows, splits=frozenset({VALIDATION}), evidence=f"{rows.evidence}, used as {where}")
        return rows

    def _named_in_scope_of(self, rows: Rows, node: ast.AST) -> bool:
        """Whether the name that decided `rows` is in the function (or module
        body) `node` is in, rather than inside a helper that returned them."""
        if rows.module != self.model.info.name:
            return False
        return self.model.enclosing_function(rows.origin) is self.model.enclosing_function(node)

    def _from_name(self, name: str, node: ast.AST) -> Optional[Rows]:
        split = split_of_name(name)
        if split is None:
            return None
        return Rows(frozenset({split}), node, self.model.info.name, f"`{name}` (line {getattr(node, 'lineno', 0)}), by its name", by_name=True)

    def _binding(self, binding: Binding, scope: Optional[Scope], depth: int) -> Optional[Rows]:
        if binding.kind in ("assign", "with"):
            return self._element(binding.value, binding.path, depth + 1)
        if binding.kind == "for":
            return self._iteration(binding.value, binding.path, depth + 1)
        if binding.kind == "param":
            return self._parameter(binding, scope, depth + 1)
        return None

    def _parameter(self, binding: Binding, scope: Optional[Scope], depth: int, path: Tuple[int, ...] = ()) -> Optional[Rows]:
        """The union of what every caller passes (this file, then the project);
        its element `path` when the function unpacks the parameter by position."""
        from dllint.semantic.module import _call_argument

        function = scope.node if scope is not None else None
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not binding.path:
            return None
        index = binding.path[0]
        for position in range(len(self._context) - 1, -1, -1):
            called, call, caller = self._context[position]
            if called is function:
                argument = _call_argument(call, function, index, binding.name)
                if argument is None:
                    return None
                saved, saved_caches = self._context, self._caches
                self._context = saved[:position]  # the argument is evaluated where the call is
                self._caches = saved_caches[:position + 1]
                try:
                    return caller._element(argument, path, depth + 1)
                finally:
                    self._context, self._caches = saved, saved_caches
        found: List[Optional[Rows]] = []
        callers = [(self.model, call) for call in self.model.callers_of(function)]
        if not callers:
            callers = self.model.callers_elsewhere(function)
        for caller, call in callers:
            argument = _call_argument(call, function, index, binding.name)
            if argument is not None:
                found.append(caller.provenance._element(argument, path, depth + 1))
        known = [rows for rows in found if rows is not None]
        if not known:
            return None
        if len(known) == 1:
            return known[0]
        if all(rows.splits == known[0].splits for rows in known):
            others = {id(rows.pool): rows.pool for rows in known[1:] if rows.pool is not None and rows.pool is not known[0].pool}
            return replace(known[0], other_pools=tuple(others.values())) if others else known[0]
        return union(known, binding.node or function, self.model.info.name)

    def _attribute(self, node: ast.Attribute, depth: int) -> Optional[Rows]:
        model = self.model
        if isinstance(node.value, ast.Name):
            class_node = model._class_of_self(node.value, node)
            if class_node is not None:
                class_scope = model.scopes.scopes.get(class_node)
                bindings = class_scope.attributes.get(node.attr) if class_scope else None
                if bindings:
                    rows = self._binding(pick_binding(bindings, None), class_scope, depth + 1)
                    return self._named(rows, node.attr, node)
                return self._from_name(node.attr, node)
            other = self._project_module(node.value)
            if other is not None:
                return other.provenance._module_level(node.attr, depth + 1)
            if model.scopes.lookup(node.value.id, model.scopes.scope_at(node), node.lineno)[1] is None:
                return None  # `mglearn.datasets`: a module from a star import, not data
        if node.attr in catalog.DATA_OPAQUE_ATTRIBUTES:
            return None
        return self._element(node.value, (), depth + 1)

    def _project_module(self, name: ast.Name) -> Optional["ModuleModel"]:
        qualname = self.model.imports.resolve_name(name.id)
        if not qualname:
            return None
        info = self.model.project.module(qualname)
        return self.model.project.model_for(info) if info is not None else None

    def _module_level(self, name: str, depth: int) -> Optional[Rows]:
        bindings = self.model.scopes.module_scope.bindings.get(name)
        if not bindings:
            return None
        return self._named(self._binding(pick_binding(bindings, None), self.model.scopes.module_scope, depth), name, bindings[-1].node)

    # -- subscripts: string keys, slices, index arrays -----------------------
    def _subscript(self, node: ast.Subscript, depth: int) -> Optional[Rows]:
        key = _row_key(node.slice.value if isinstance(node.slice, ast.Index) else node.slice)  # type: ignore[attr-defined]
        base = self._element(node.value, (), depth + 1)
        here = self.model.info.name
        text = constant_string(key)
        if text is not None:
            split = split_in_text(text) if text.lower() not in ("text", "label", "labels", "target") else None
            if split is not None and (base is not None or _is_split_dict_name(node.value)):
                pool = base.pool if base is not None else None
                return Rows(frozenset({split}), node, here, f"the `{text}` split (line {node.lineno})", pool=pool, designated=True)
            return base
        if base is None:
            return None
        if isinstance(key, ast.Slice) and (key.lower is not None or key.upper is not None):
            part = _part_by_boundary(key, base)
            if part is not None:
                return part
            if base.splits == {ALL}:
                # X[:n] and X[n:]: disjoint parts of one pool; the name they are bound to says which
                return Rows(frozenset(), node, here, f"a slice of the data (line {node.lineno})", pool=base.pool,
                            other_pools=base.other_pools)
            if base.splits == {TRAIN}:
                # x_val = x_train[:10000]: a held-out part cut from the training rows, when its name says so
                target = _target_name(self.model, node)
                named = split_of_name(target) if target else None
                if named in HELD_OUT:
                    return Rows(frozenset({named}), node, here,
                                f"`{target}`, a part of the training rows cut by slicing (line {node.lineno})", pool=base.pool,
                                other_pools=base.other_pools)
            return base
        positions = _range_as_slice(key)
        if positions is not None:
            part = _part_by_boundary(positions, base)
            if part is not None:
                return part
        if isinstance(key, ast.Tuple) and key.elts:
            key = key.elts[0]
            if isinstance(key, ast.Slice):
                return base
        index_rows = self._element(key, (), depth + 1) if isinstance(key, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) else None
        if index_rows is not None and (base.splits == {ALL} or base.splits == {TRAIN}):
            if not index_rows.splits:  # x[idx[:n]]: a part, named later by what it is bound to
                return replace(index_rows, pool=base.pool, other_pools=base.other_pools)
            if index_rows.splits == {ALL}:
                return base
            # x[val_idx]: the rows the index array picks (a validation part cut from training rows included)
            return replace(index_rows, pool=base.pool, other_pools=base.other_pools)
        return base

    # -- calls -------------------------------------------------------------
    def _call(self, node: ast.Call, depth: int) -> Optional[Rows]:
        model = self.model
        here = model.info.name
        qualname = model.qualified_name(node.func)
        if qualname is not None:
            if qualname in catalog.DATA_CONCATENATIONS:
                items: List[ast.AST] = []
                for argument in node.args:
                    items.extend(argument.elts if isinstance(argument, (ast.List, ast.Tuple)) else [argument])
                return union((self._element(item, (), depth + 1) for item in items), node, here)
            if qualname in ("torch.utils.data.Subset",):
                indices = positional_or_keyword(node, 1, "indices")
                index_rows = self._element(indices, (), depth + 1)
                base = self._element(positional_or_keyword(node, 0, "dataset"), (), depth + 1)
                if index_rows is not None and index_rows.splits and index_rows.splits != {ALL}:
                    return replace(index_rows, pool=base.pool if base is not None else index_rows.pool)
                if base is not None and base.splits == {ALL}:
                    return Rows(frozenset(), node, here, f"a `Subset` of the data (line {node.lineno})", pool=base.pool)
                return base
            if qualname in catalog.DATA_WRAPPERS:
                return self._first_data_argument(node, depth)
            if qualname in catalog.INDEX_SOURCES:
                return Rows(frozenset({ALL}), node, here, f"indices (line {node.lineno})", pool=node)
            if qualname in catalog.DATA_STATISTIC_FUNCTIONS or qualname.startswith(catalog.METRIC_PREFIXES):
                return None
            if qualname.startswith(catalog.KERAS_LOAD_DATA_PREFIX) and qualname.endswith(".load_data"):
                return Rows(frozenset({ALL}), node, here, f"loaded by `{_short(qualname)}()` (line {node.lineno})", pool=node)
            if qualname.startswith(catalog.DATA_SOURCE_PREFIXES):
                return self._loaded(node, qualname, depth)
            if qualname.startswith(catalog.FEATURE_TRANSFORMER_PREFIXES) or qualname in catalog.PIPELINE_CLASSES:
                return None
            if qualname.startswith(catalog.ROW_PRESERVING_PREFIXES) and node.args:
                # np.digitize(X), pad_sequences(sequences), preprocess_input(x): row by row
                return self._element(node.args[0], (), depth + 1)
        func = node.func
        if qualname is None and isinstance(func, ast.Name) and func.id in _BUILTIN_WRAPPERS:
            return self._first_data_argument(node, depth)
        if isinstance(func, ast.Attribute):
            method = func.attr
            if method in ("transform", "fit_transform", "inverse_transform", "texts_to_sequences", "texts_to_matrix"):
                return self._element(node.args[0], (), depth + 1) if node.args else None
            if method in catalog.PREDICTION_METHODS or method in catalog.EVALUATION_METHODS or method in catalog.DATA_STATISTIC_METHODS:
                return None
            if method in catalog.DATA_OPAQUE_ATTRIBUTES:
                return None
            if method == "permutation":
                return Rows(frozenset({ALL}), node, here, f"indices (line {node.lineno})", pool=node)
            if method in ("append", "extend"):
                return None
            if method in ("concatenate", "union") and node.args:
                return union([self._element(func.value, (), depth + 1)] + [self._element(a, (), depth + 1) for a in node.args], node, here)
            if method == "from_tensor_slices" or method == "from_tensors":
                return self._first_data_argument(node, depth)
            if isinstance(func.value, ast.Name) and model.scopes.lookup(func.value.id, model.scopes.scope_at(node), node.lineno)[1] is None:
                # `datasets.MNIST(..., train=False)` with `datasets` from a star import or never imported
                named = _split_in_arguments(node)
                if named is not None:
                    return Rows(frozenset({named[0]}), node, here, f"{named[1]} (line {node.lineno})", designated=True)
                return None  # a module (`np.digitize(X)`), not data
            receiver = self._element(func.value, (), depth + 1)
            if receiver is not None and method == "sample" and receiver.splits == {ALL} and _samples_a_part(node):
                # frame.sample(frac=0.2): a data set of its own (what is fitted on the sample
                # says nothing about the rows left out of it, `frame.drop(sample.index)`)
                return Rows(frozenset({ALL}), node, here, f"a random sample of the data (line {node.lineno})", pool=node)
            if receiver is not None:
                return receiver  # .to(device), .batch(32), .astype(...), .map(f), .dropna() ...
            if method == "flow_from_directory" or method == "flow_from_dataframe" or method == "flow":
                return self._loaded(node, method, depth) if method == "flow_from_directory" else self._first_data_argument(node, depth)
        resolved_class = model.resolve_class(node.func)
        if resolved_class is not None:
            # a project Dataset: it holds what its arguments hold, or the split its arguments name
            named = _split_in_arguments(node)
            if named is not None:
                return Rows(frozenset({named[0]}), node, here, f"{named[1]} (line {node.lineno})", designated=True)
            return self._union_of_arguments(node, depth)
        resolved = model.resolve_function(node)
        if resolved is not None:
            other, function = resolved
            named = _split_in_arguments(node)
            returned = self._returned(other.provenance, node, function, (), depth)
            if named is not None and (returned is None or returned.splits == {ALL} or returned.by_name):
                return Rows(frozenset({named[0]}), node, here, f"{named[1]} passed to `{function.name}` (line {node.lineno})", designated=True,
                            pool=returned.pool if returned is not None else None)
            return returned
        return None

    def _first_data_argument(self, node: ast.Call, depth: int) -> Optional[Rows]:
        for argument in list(node.args) + [item.value for item in node.keywords if item.arg in ("dataset", "data", "tensors")]:
            rows = self._element(argument, (), depth + 1)
            if rows is not None:
                return rows
        return None

    def _union_of_arguments(self, node: ast.Call, depth: int) -> Optional[Rows]:
        arguments = list(node.args) + [item.value for item in node.keywords if item.arg is not None]
        return union((self._element(argument, (), depth + 1) for argument in arguments), node, self.model.info.name)

    def _loaded(self, node: ast.Call, qualname: str, depth: int) -> Rows:
        here = self.model.info.name
        named = _split_in_arguments(node)
        # a file named "test" or a slice of a published split (`split="validation[:200]"`)
        # that is the only data the file reads is its whole data set
        sample = named is not None and (named[1].startswith("the path") or _slices_a_split(node))
        if named is not None and not (named[0] != TRAIN and sample and self._only_data_source(node)):
            return Rows(frozenset({named[0]}), node, here, f"{named[1]} (line {node.lineno})", pool=None, designated=True)
        for argument in node.args[:1]:
            rows = self._element(argument, (), depth + 1)
            if rows is not None and rows.splits != {ALL}:
                return replace(rows, origin=node)
        return Rows(frozenset({ALL}), node, here, f"loaded by `{_short(qualname)}(...)` (line {node.lineno})", pool=node)

    def _only_data_source(self, node: ast.Call) -> bool:
        """Whether `node` is the only call in this file that loads data (the
        others, if any, read the same path). A file whose name says "test"
        ("test_scores.csv") is then the whole data set: a held-out split comes
        with the rows it is held out from."""
        if self._data_sources is None:
            model = self.model
            self._data_sources = [call for call in model.nodes_of(ast.Call)
                                  if (model.qualified_name(call.func) or "").startswith(catalog.DATA_SOURCE_PREFIXES)]
        here = _load_paths(node)
        return all(call is node or (here and _load_paths(call) == here) for call in self._data_sources)  # the same file read twice

    # -- split operations ----------------------------------------------------
    def _split_source(self, call: ast.Call) -> Optional[ast.AST]:
        """The data a split call cuts (its first data argument), or None."""
        qualname = self.model.qualified_name(call.func)
        if qualname in catalog.HOLDOUT_SPLIT_FUNCTIONS or qualname in catalog.RANDOM_SPLIT_FUNCTIONS:
            return call.args[0] if call.args else None
        return None

    def _folds_source(self, call: ast.Call) -> Optional[ast.AST]:
        """The data `KFold(...).split(X)` cuts into folds (`X`), or None."""
        if isinstance(call.func, ast.Attribute) and call.func.attr == "split" and call.args and self._is_cv_splitter(call.func.value):
            return call.args[0]
        return None

    def _split_output(self, node: ast.Call, index: int, rest: Tuple[int, ...], depth: int) -> Optional[Rows]:
        model = self.model
        here = model.info.name
        qualname = model.qualified_name(node.func)
        if qualname in catalog.HOLDOUT_SPLIT_FUNCTIONS:
            arrays = [a for a in node.args if not isinstance(a, ast.Starred)]
            source = arrays[index // 2] if index // 2 < len(arrays) else None
            rows = self._element(source, (), depth + 1) if source is not None else None
            if index % 2 == 0:
                split = TRAIN
                evidence = f"the training part of `train_test_split` (line {node.lineno})"
            else:
                # a second split of a training part gives a validation part
                split = VALIDATION if rows is not None and rows.splits == {TRAIN} else TEST
                evidence = f"the held-out part of `train_test_split` (line {node.lineno})"
            return Rows(frozenset({split}), node, here, evidence, pool=rows.pool if rows is not None else source)
        if qualname in catalog.RANDOM_SPLIT_FUNCTIONS:
            lengths = positional_or_keyword(node, 1, "lengths")
            count = len(lengths.elts) if isinstance(lengths, (ast.List, ast.Tuple)) else 2
            splits = (TRAIN, VALIDATION) if count == 2 else (TRAIN, VALIDATION, TEST)
            if index >= len(splits):
                return None
            source = positional_or_keyword(node, 0, "dataset")
            rows = self._element(source, (), depth + 1)
            part = "training" if index == 0 else "held-out"
            return Rows(frozenset({splits[index]}), node, here, f"the {part} part of `random_split` (line {node.lineno})",
                        pool=rows.pool if rows is not None else source)
        if qualname and qualname.startswith(catalog.KERAS_LOAD_DATA_PREFIX) and qualname.endswith(".load_data") and index < 2:
            split = (TRAIN, TEST)[index]
            part = "training" if index == 0 else "test"
            return Rows(frozenset({split}), node, here, f"the {part} part of `{_short(qualname)}()` (line {node.lineno})", pool=node,
                        designated=True)
        if isinstance(node.func, ast.Attribute) and (node.func.attr == "prepare" or node.func.attr in catalog.RESAMPLING_METHODS) \
                and index < len(node.args):
            # accelerator.prepare(model, loader); X_res, y_res = SMOTE().fit_resample(X, y): each output holds its argument's rows
            return self._element(node.args[index], rest, depth + 1)
        return None

    def _iteration(self, iterable: ast.AST, path: Tuple[int, ...], depth: int) -> Optional[Rows]:
        """What a `for` target holds when looping over `iterable`."""
        model = self.model
        if isinstance(iterable, ast.Call):
            qualname = model.qualified_name(iterable.func)
            name = qualname or (iterable.func.id if isinstance(iterable.func, ast.Name) else None)
            if name == "enumerate" and iterable.args:
                if path and path[0] == 1:
                    return self._iteration(iterable.args[0], path[1:], depth + 1)
                return None if path else self._iteration(iterable.args[0], (), depth + 1)
            if (name in catalog.ITERATION_WRAPPERS or name == "tqdm") and iterable.args:
                return self._iteration(iterable.args[0], path, depth + 1)
            if name == "zip":
                if path and 0 <= path[0] < len(iterable.args):
                    return self._iteration(iterable.args[path[0]], path[1:], depth + 1)
                return None
            if isinstance(iterable.func, ast.Attribute) and iterable.func.attr == "split" and self._is_cv_splitter(iterable.func.value):
                # for train_idx, val_idx in KFold(5).split(X): disjoint index sets of X
                if not path or path[0] not in (0, 1):
                    return None
                source = iterable.args[0] if iterable.args else None
                rows = self._element(source, (), depth + 1) if source is not None else None
                split = TRAIN if path[0] == 0 else VALIDATION
                part = "training" if path[0] == 0 else "held-out"
                return Rows(frozenset({split}), iterable, model.info.name,
                            f"the {part} indices of a cross-validation fold (line {iterable.lineno})",
                            pool=rows.pool if rows is not None else source)
        rows = self._element(iterable, (), depth + 1)
        return rows

    def _is_cv_splitter(self, receiver: ast.AST) -> bool:
        constructor = receiver if isinstance(receiver, ast.Call) else None
        if isinstance(receiver, ast.Name):
            _, binding = self.model.scopes.lookup(receiver.id, self.model.scopes.scope_at(receiver), receiver.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path and isinstance(binding.value, ast.Call):
                constructor = binding.value
            elif binding is None or binding.kind == "param":
                return bool(_SPLITTER_NAME.search(receiver.id))
        if _is_self_attribute(receiver):
            # `self.cv_ = KFold(5)` in `__init__`, split in another method: its name says it
            return bool(_SPLITTER_NAME.search(receiver.attr))
        if constructor is None:
            return False
        qualname = self.model.qualified_name(constructor.func)
        return qualname in catalog.CV_SPLITTERS


def _samples_a_part(call: ast.Call) -> bool:
    """`frame.sample(frac=0.2)` or `frame.sample(n=500)`: not `frac=1`, a shuffle of every row."""
    fraction = keyword_value(call, "frac")
    if fraction is not None:
        return isinstance(fraction, ast.Constant) and isinstance(fraction.value, float) and 0 < fraction.value < 1
    return bool(call.args) or keyword_value(call, "n") is not None


def _is_self_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _target_name(model: "ModuleModel", node: ast.AST) -> Optional[str]:
    """The name `node` is assigned to: `x_val = node`, `x_val, y_val = node, other`."""
    parent = model.parent(node)
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    if isinstance(parent, ast.Tuple):
        owner = model.parent(parent)
        if isinstance(owner, ast.Assign) and owner.value is parent and len(owner.targets) == 1 and isinstance(owner.targets[0], ast.Tuple) \
                and len(owner.targets[0].elts) == len(parent.elts):
            target = owner.targets[0].elts[parent.elts.index(node)]
            return target.id if isinstance(target, ast.Name) else None
    return None


def _opaque_binding(binding: Binding) -> bool:
    """A binding whose value dllint cannot see into: a parameter, or the
    result of a plain function call (`X = build_features()`, `X, y = get_data()`)."""
    if binding.kind == "param":
        return True
    if binding.kind == "assign" and isinstance(binding.value, ast.List) and not binding.value.elts and not binding.path:
        return True  # texts = [] ... texts.append(...): a collection filled by hand
    return binding.kind == "assign" and isinstance(binding.value, ast.Call) and isinstance(binding.value.func, ast.Name)


def _agreed(found: Iterable[Optional[Rows]]) -> Optional[Rows]:
    """What a function returns, when its returns that are known agree on the
    split: `return train_set if train else val_set` (or two `return`s picked
    by a flag) returns either, so neither is what the caller holds."""
    agreed: Optional[Rows] = None
    for rows in found:
        if rows is None:
            continue
        if agreed is None:
            agreed = rows
        elif rows.splits != agreed.splits:
            return None
    return agreed


def _row_key(key: ast.AST) -> ast.AST:
    """The row slice of a tuple key with bounds on its first axis (`data[:n, :]`
    cuts rows like `data[:n]`), else the key itself: `x[:, 0]` and `x[..., 1:]`
    pick columns of every row."""
    if isinstance(key, ast.Tuple) and key.elts:
        first = key.elts[0]
        if isinstance(first, ast.Slice) and (first.lower is not None or first.upper is not None):
            return first
    return key


def _part_by_boundary(key: ast.Slice, base: Rows) -> Optional[Rows]:
    """`both[:n_train]` and `both[n_train:]` of `both = concat([train, test])`:
    the Kaggle idiom of preprocessing the two tables together, then cutting
    them apart again at the first one's length. Only for two parts, a plain
    bound (`n_train`, `len(train)`, `train.shape[0]`), no step."""
    if len(base.parts) != 2 or key.step is not None or _concatenated_items(base.origin) != 2:
        return None
    starts = key.lower is None or (isinstance(key.lower, ast.Constant) and key.lower.value == 0)
    if starts and key.upper is not None and _is_length(key.upper):
        return base.parts[0]
    if key.upper is None and key.lower is not None and _is_length(key.lower):
        return base.parts[1]
    return None


def _range_as_slice(key: ast.AST) -> Optional[ast.Slice]:
    """`range(n)` / `np.arange(n)` as `[:n]`, and `range(n, end)` as `[n:]`
    (from `n` on, whatever the end): row positions picked by `iloc`."""
    if not isinstance(key, ast.Call) or key.keywords or not 1 <= len(key.args) <= 2:
        return None
    func = key.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    if name not in ("range", "arange"):
        return None
    if len(key.args) == 1:
        return ast.Slice(lower=None, upper=key.args[0], step=None)
    return ast.Slice(lower=key.args[0], upper=None, step=None)


def _concatenated_items(node: ast.AST) -> int:
    if isinstance(node, ast.BinOp):
        return 2 if not isinstance(node.left, ast.BinOp) and not isinstance(node.right, ast.BinOp) else 0
    if isinstance(node, ast.Call):
        if len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
            return len(node.args[0].elts)
        return len(node.args)
    return 0


def _is_length(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" and len(node.args) == 1:
        return True
    return (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape"
            and isinstance(node.slice, ast.Constant) and node.slice.value == 0)


def _short(qualname: str) -> str:
    parts = qualname.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else qualname


def _split_in_arguments(call: ast.Call) -> Optional[Tuple[str, str]]:
    """A split named by a loader's arguments: `train=False`, `split="val"`,
    `subset="validation"`, a folder or file name ("data/test", "valid.csv")."""
    for item in call.keywords:
        if item.arg == "train" and isinstance(item.value, ast.Constant) and isinstance(item.value.value, bool):
            return (TRAIN if item.value.value else TEST), f"`train={item.value.value}`"
        if item.arg in ("split", "subset", "mode", "phase", "stage"):
            text = constant_string(item.value)
            if text is not None:
                split = split_from_name(text.split("[")[0]) or split_in_text(text)
                if split is not None:
                    return split, f"`{item.arg}={text!r}`"
    for argument in list(call.args) + [item.value for item in call.keywords if item.arg is not None]:
        for text in _strings_in(argument):
            split = split_in_text(text)
            if split is not None:
                return split, f"the path {text!r}"
    return None


def _slices_a_split(call: ast.Call) -> bool:
    """`split="validation[:200]"`, `split="test[10%:20%]"`: a part of a published
    split, cut by the loader (Hugging Face `datasets`, TensorFlow Datasets)."""
    for item in call.keywords:
        if item.arg in ("split", "subset"):
            text = constant_string(item.value)
            if text is not None and "[" in text:
                return True
    return False


def _load_paths(call: ast.Call) -> List[str]:
    """The string parts of a loading call's arguments (its path, as written)."""
    found: List[str] = []
    for argument in list(call.args) + [item.value for item in call.keywords if item.arg is not None]:
        found.extend(_strings_in(argument))
    return found


def _strings_in(node: ast.AST) -> List[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [value.value for value in node.values if isinstance(value, ast.Constant) and isinstance(value.value, str)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Div)):
        return _strings_in(node.left) + _strings_in(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
        found: List[str] = []
        for argument in node.args:
            found.extend(_strings_in(argument))
        return found
    return []


def _is_split_dict_name(node: ast.AST) -> bool:
    """`splits["test"]`, `datasets["validation"]`, `raw_datasets["train"]`: a dict of splits by its name."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return bool(re.search(r"(?i)(dataset|datasets|splits|ds|data|dsets|loaders|dataloaders|dls)$", name))
