"""Train/eval mode: which model is in which mode, where.

A PyTorch module starts in training mode; `.eval()` and `.train(False)` put
it and all its submodules into evaluation mode, `.train()` back. Dropout and
batch norm behave differently in the two. This package follows those switches
through a file and across the files of the project, so that rules only ask:

    modes = semantic.modes
    modes.key_of(expr)               -> Key: where a model lives (`model` in main(),
                                        `self.model` of a class, a global), through
                                        `.module`, DDP, `.to(device)` aliases
    modes.mode_before(node, expr)    -> ModeAt: the modes the model may be in when
                                        `node` runs (through helper functions, methods,
                                        callers in other files, loops)
    modes.is_mode_dependent(expr)    -> False only when every layer is known and none
                                        behaves differently in eval mode
    modes.in_no_grad(node)           -> under torch.no_grad()/inference_mode()
    modes.forward_calls()            -> every `model(x)` / `model.forward(x)` of the file
    modes.exports()                  -> onnx/jit/export calls that record the model's mode
    modes.inference_reason(call)     -> why a forward call is inference (None if not)
    modes.training_loops(function)   -> loops that run backward() and step()
    modes.unrestored_evals()         -> eval switches in a training loop that reach
                                        the next training forward pass
    modes.effect(function, slot)     -> what calling `function` does to the mode of
                                        the model in `slot` (the function summary)

`ModeModel` is the front door; each question lives in its own module, with
one object per file (`modes.keys`, `modes.calls`, ...):

    states.py      Key, Mode, State, ModeAt, Effect: what the analysis passes around
    keys.py        where a model lives, through aliases (`modes.keys`)
    calls.py       which project function a call runs, its slots, its callers (`modes.calls`)
    switches.py    which calls switch a mode, and which never do (`modes.switches`)
    assigned.py    the mode a model gets from what is bound to it (`modes.assigned`)
    flow.py        the data-flow pass over one body for one model
    resolution.py  flows, function summaries, modes at a point through the callers
                   (`modes.resolution`)
    training.py    whether code trains: backward(), optimizer steps, no_grad (`modes.training`)
    forwards.py    where models run forward, and exports (`modes.forwards`)
    weights.py     whether a model holds trained weights at a point (`modes.weights`)
    synthetic.py   synthetic inputs (noise, constants): shape checks, not inference
    inference.py   why a forward call is inference (`modes.inference`)
    unrestored.py  DL102: eval switches in a training loop that nothing undoes
                   (`modes.unrestored`)

and, next to this package, `mode_dependence.py` (which models have layers that
behave differently in eval mode) and `mode_relevance.py` (which statements of
a body can touch a model, so the flow jumps over the others).

The analysis is a small forward data-flow pass over one function body for one
model (a *key*), computed lazily and cached. A state is the set of modes the
model may be in; `ENTRY` stands for "whatever it was when the function was
entered" and is resolved through the callers. Anything dllint cannot follow
(a library function that receives the model, a pickled model, a callback)
adds `UNKNOWN`, which no rule treats as a finding.
"""
from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple, Union

from dllint.semantic.modes.assigned import AssignedModes
from dllint.semantic.modes.calls import ProjectCalls
from dllint.semantic.modes.forwards import ForwardCalls
from dllint.semantic.modes.inference import Inference, is_evaluation_name
from dllint.semantic.modes.keys import ModelKeys
from dllint.semantic.modes.resolution import ModeResolution
from dllint.semantic.modes.states import (
    EITHER, EMPTY, ENTRY, ESCAPED, EVAL, TRAIN, UNKNOWN, Body, Effect, FunctionNode, Key, Mode, ModeAt, State,
)
from dllint.semantic.modes.switches import Switches
from dllint.semantic.modes.synthetic import is_synthetic
from dllint.semantic.modes.training import TrainingFacts
from dllint.semantic.modes.unrestored import UnrestoredEvals
from dllint.semantic.modes.weights import LoadedWeights

if TYPE_CHECKING:  # pragma: no cover
    from dllint.semantic.mode_dependence import ModeDependence
    from dllint.semantic.mode_relevance import BodyIndex
    from dllint.semantic.module import ModuleModel

__all__ = [
    "EITHER", "EMPTY", "ENTRY", "ESCAPED", "EVAL", "TRAIN", "UNKNOWN", "Body", "Effect", "FunctionNode", "Key",
    "Mode", "ModeAt", "ModeModel", "State", "is_evaluation_name", "is_synthetic",
]


class ModeModel:
    """Mode facts of one file; other files' facts through `project`."""

    def __init__(self, semantic: "ModuleModel"):
        self.semantic = semantic
        self.project = semantic.project
        self._nodes: Optional[List[ast.AST]] = None
        self._dependence: Optional["ModeDependence"] = None
        self._body_indexes: Dict[int, "BodyIndex"] = {}
        self.keys = ModelKeys(semantic)
        self.calls = ProjectCalls(self)
        self.switches = Switches(self)
        self.assigned = AssignedModes(self)
        self.resolution = ModeResolution(self)
        self.training = TrainingFacts(self)
        self.forwards = ForwardCalls(self)
        self.weights = LoadedWeights(self)
        self.inference = Inference(self)
        self.unrestored = UnrestoredEvals(self)

    # -- the file ------------------------------------------------------------------
    @property
    def nodes(self) -> List[ast.AST]:
        """Every node of the file, walked once."""
        if self._nodes is None:
            self._nodes = self.semantic.nodes
        return self._nodes

    def body_of(self, node: ast.AST) -> Body:
        """The function (or module) whose body `node` runs in."""
        function = self.semantic.enclosing_function(node)
        return function if function is not None else self.semantic.tree

    def is_test_module(self) -> bool:
        """A pytest/unittest file (`test_*.py`, `*_test.py`, `conftest.py`):
        it runs models to check them, not to evaluate them."""
        name = self.semantic.source.path.replace("\\", "/").rsplit("/", 1)[-1]
        return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"

    def body_index(self, function: Body) -> "BodyIndex":
        """Which statements of `function` can touch which model (semantic/mode_relevance.py)."""
        index = self._body_indexes.get(id(function))
        if index is None:
            from dllint.semantic.mode_relevance import BodyIndex

            index = self._body_indexes[id(function)] = BodyIndex(self, function)
        return index

    # -- what the model is made of -----------------------------------------------------
    @property
    def dependence(self) -> "ModeDependence":
        if self._dependence is None:
            from dllint.semantic.mode_dependence import ModeDependence

            self._dependence = ModeDependence(self)
        return self._dependence

    def is_mode_dependent(self, expr: ast.AST) -> bool:
        """False only when the model provably has no layer that behaves
        differently in eval mode (see `mode_dependence.py`)."""
        return self.dependence.is_mode_dependent(expr)

    # -- the questions rules and other analyses ask (each answered by one part) ---------
    def key_of(self, expr: ast.AST) -> Optional[Key]:
        """Where the model `expr` refers to lives, or None (see `keys.py`)."""
        return self.keys.key_of(expr)

    def resolve_callee(self, call: ast.Call) -> Optional[Tuple["ModuleModel", FunctionNode]]:
        """The project function or method a call runs (see `calls.py`)."""
        return self.calls.resolve_callee(call)

    def callers(self, function: Body) -> Tuple[List[Tuple["ModuleModel", ast.Call]], bool]:
        """Every call of `function` in the project, and whether it is also used as a value."""
        return self.calls.callers(function)

    def caller_key(self, call: ast.Call, module: "ModuleModel", function: FunctionNode, slot: Key) -> Optional[Key]:
        """The caller's model that `function`'s `slot` holds during `call`."""
        return self.calls.caller_key(call, module, function, slot)

    def mode_before(self, node: ast.AST, expr: ast.AST) -> Optional[ModeAt]:
        """The modes the model `expr` may be in right before `node` runs."""
        return self.resolution.mode_before(node, expr)

    def mode_before_by_caller(self, node: ast.AST, expr: ast.AST) -> List[Tuple[Optional[Tuple["ModuleModel", ast.Call]], ModeAt]]:
        """`mode_before`, one answer per caller (see `resolution.py`)."""
        return self.resolution.mode_before_by_caller(node, expr)

    def caller_dependent(self, caller: Tuple["ModuleModel", ast.Call], node: ast.AST, expr: ast.AST) -> bool:
        """Mode dependence of the model `expr` as one caller passes it."""
        return self.resolution.caller_dependent(caller, node, expr)

    def effect(self, function: FunctionNode, slot: Key) -> Effect:
        """The summary of `function` for the model in `slot`."""
        return self.resolution.effect(function, slot)

    def in_no_grad(self, node: ast.AST) -> bool:
        """Inside `with torch.no_grad()` and friends, or a function decorated with them."""
        return self.training.in_no_grad(node)

    def trains(self, root: ast.AST) -> Tuple[bool, bool]:
        """(runs backward(), runs an optimizer step) somewhere in `root`."""
        return self.training.trains(root)

    def training_loops(self, function: Body) -> List[Union[ast.For, ast.While, ast.AsyncFor]]:
        """Loops of `function` whose body runs backward() and an optimizer step."""
        return self.training.training_loops(function)

    def forward_calls(self) -> List[Tuple[ast.Call, ast.expr]]:
        """Every forward call of a PyTorch model in this file, with the model expression."""
        return self.forwards.forward_calls()

    def exports(self) -> List[Tuple[ast.Call, ast.expr, str]]:
        """Calls that export a model in the mode it is in."""
        return self.forwards.exports()

    def inference_reason(self, call: ast.Call, target: ast.expr) -> Optional[str]:
        """Why the forward call `call` of `target` is inference, or None."""
        return self.inference.inference_reason(call, target)

    def switched_on_purpose(self, node: ast.AST, state: ModeAt) -> bool:
        """Whether the training mode at `node` comes only from explicit `.train()` calls just before."""
        return self.inference.switched_on_purpose(node, state)

    def unrestored_evals(self) -> List[Tuple[ast.AST, Key, ast.AST]]:
        """Eval switches inside a training loop that reach a forward pass with gradients."""
        return self.unrestored.unrestored_evals()
