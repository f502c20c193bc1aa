"""The train/eval mode facts of the semantic model (`semantic/modes/`)."""
from __future__ import annotations

import ast
import textwrap
from typing import Dict

from dllint.semantic.imports import ImportMap
from dllint.semantic.modes import ESCAPED, EVAL, TRAIN, UNKNOWN, is_evaluation_name
from dllint.semantic.project import ProjectIndex
from dllint.source import SourceFile


def _project(files: Dict[str, str]):
    project = ProjectIndex()
    infos = {}
    for path, text in files.items():
        text = textwrap.dedent(text).lstrip("\n")
        tree = ast.parse(text)
        name = path[:-3]
        source = SourceFile(path=path, text=text, tree=tree, module_name=name)
        infos[path] = project.add(source, ImportMap(tree, name))
    return {path: project.model_for(info) for path, info in infos.items()}


def _module(text: str):
    return _project({"example.py": text})["example.py"]


def _call(semantic, needle: str) -> ast.Call:
    """The call whose source text starts with `needle` (the last one)."""
    found = [node for node in ast.walk(semantic.tree) if isinstance(node, ast.Call)
             and semantic.source.segment(node).startswith(needle)]
    assert found, needle
    return max(found, key=lambda node: (node.lineno, node.col_offset))


def _kinds(semantic, needle: str):
    call = _call(semantic, needle)
    state = semantic.modes.mode_before(call, call.func)
    return sorted({mode.kind for mode in state.modes})


def test_creation_eval_and_train_switches():
    semantic = _module("""
        from torch import nn
        model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
        model(a)
        model.eval()
        model(b)
        model.train()
        model(c)
        model.train(False)
        model(d)
        model.train(flag)
        model(e)
    """)
    assert _kinds(semantic, "model(a)") == [TRAIN]
    assert _kinds(semantic, "model(b)") == [EVAL]
    assert _kinds(semantic, "model(c)") == [TRAIN]
    assert _kinds(semantic, "model(d)") == [EVAL]
    assert _kinds(semantic, "model(e)") == ["either"]


def test_aliases_share_one_key():
    semantic = _module("""
        import torch
        from torch import nn
        from torch.nn.parallel import DistributedDataParallel as DDP
        model = nn.Linear(2, 2).cuda()
        net = DDP(model)
        inner = net.module
        compiled = torch.compile(model)
    """)
    modes = semantic.modes
    names = {node.id: node for node in ast.walk(semantic.tree) if isinstance(node, ast.Name)}
    key = modes.key_of(names["model"])
    assert modes.key_of(names["net"]) == key
    assert modes.key_of(names["inner"]) == key
    assert modes.key_of(names["compiled"]) == key


def test_helper_summaries_and_branches():
    semantic = _module("""
        from torch import nn

        def to_eval(m):
            m.eval()
            return m

        def maybe(m, flag):
            if flag:
                m.eval()

        model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
        to_eval(model)
        model(a)
        model.train()
        maybe(model, cond)
        model(b)
    """)
    assert _kinds(semantic, "model(a)") == [EVAL]
    assert _kinds(semantic, "model(b)") == [EVAL, TRAIN]


def test_loops_carry_the_mode_into_the_next_iteration():
    semantic = _module("""
        from torch import nn
        model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
        model.train()
        for epoch in range(3):
            model(x)
            model.eval()
    """)
    assert _kinds(semantic, "model(x)") == [EVAL, TRAIN]


def test_entry_state_comes_from_callers_in_other_files():
    files = _project({
        "utils.py": """
            import torch
            def evaluate(model, loader):
                with torch.no_grad():
                    return [model(x) for x in loader]
        """,
        "train.py": """
            from torch import nn
            from utils import evaluate
            model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
            evaluate(model, loader)
            model.eval()
            evaluate(model, loader)
        """,
    })
    utils = files["utils.py"]
    call = _call(utils, "model(x)")
    state = utils.modes.mode_before(call, call.func)
    assert sorted({mode.kind for mode in state.modes}) == [EVAL, TRAIN]
    assert not state.surely_training
    callers, referenced = utils.modes.callers(utils.modes.body_of(call))
    assert len(callers) == 2 and not referenced


def test_mode_dependence():
    semantic = _module("""
        from torch import nn
        import torch.nn.functional as F

        class Plain(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.LayerNorm(8), nn.LSTM(8, 8))

        class Functional(nn.Module):
            def forward(self, x):
                return F.dropout(x, 0.5, training=self.training)

        class Norm(nn.Module):
            def __init__(self, norm_layer=nn.BatchNorm2d):
                super().__init__()
                self.norm = norm_layer(8)

        plain, functional, norm = Plain(), Functional(), Norm()
        lstm = nn.LSTM(8, 8, num_layers=2, dropout=0.2)
        seq = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
        trunk = nn.Sequential(*list(backbone.children())[:-1])
    """)
    modes = semantic.modes
    names = {node.id: node for node in ast.walk(semantic.tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    assert not modes.is_mode_dependent(names["plain"])
    assert modes.is_mode_dependent(names["functional"])
    assert modes.is_mode_dependent(names["norm"])
    assert modes.is_mode_dependent(names["lstm"])
    assert not modes.is_mode_dependent(names["seq"])
    assert modes.is_mode_dependent(names["trunk"])


def test_no_grad_contexts_and_training_loops():
    semantic = _module("""
        import torch

        @torch.no_grad()
        def score(model, x):
            return model(x)

        def fit(model, loader, optimizer):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            with torch.set_grad_enabled(False):
                model(z)
    """)
    modes = semantic.modes
    scored = [c for c in ast.walk(semantic.tree) if isinstance(c, ast.Call) and semantic.source.segment(c) == "model(x)"]
    assert [modes.in_no_grad(c) for c in sorted(scored, key=lambda c: c.lineno)] == [True, False]
    assert modes.in_no_grad(_call(semantic, "model(z)"))
    fit = [n for n in ast.walk(semantic.tree) if isinstance(n, ast.FunctionDef) and n.name == "fit"][0]
    assert len(modes.training_loops(fit)) == 1


def test_generator_context_manager_summary():
    semantic = _module("""
        import contextlib
        from torch import nn

        @contextlib.contextmanager
        def evaluating(m):
            was = m.training
            m.eval()
            yield m
            m.train(was)

        model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
        with evaluating(model):
            model(a)
        model(b)
    """)
    assert _kinds(semantic, "model(a)") == [EVAL]
    assert _kinds(semantic, "model(b)") == ["either"]


def test_unrestored_evals_point_at_the_call_that_leads_to_eval():
    semantic = _module("""
        import torch
        from torch import nn

        def validate(m):
            m.eval()

        model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
        model.train()
        for epoch in range(3):
            for x, y in loader:
                optimizer.zero_grad()
                loss_fn(model(x), y).backward()
                optimizer.step()
            validate(model)
    """)
    found = semantic.modes.unrestored_evals()
    assert [semantic.source.segment(node) for node, _, _ in found] == ["validate(model)"]


def test_evaluation_names():
    for name in ("evaluate", "validate", "test", "eval_epoch", "run_inference", "predict_batch", "_validate"):
        assert is_evaluation_name(name), name
    for name in ("train", "train_and_evaluate", "fit", "test_model_forward_shapes", "build_model"):
        assert not is_evaluation_name(name), name


def test_a_model_kept_in_every_cell_carries_one_escape():
    # A notebook cell that keeps its model (`kept = [model]`, a results dict):
    # one escape per cell stayed in the states of every later statement, which
    # each copied them all (module-level scripts were quadratic).
    cells = "".join(f"model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))\nkept_{i} = [model]\n" for i in range(30))
    semantic = _module("from torch import nn\n" + cells + "model(x)\n")
    call = _call(semantic, "model(x)")
    assert sorted(mode.kind for mode in semantic.modes.mode_before(call, call.func).modes) == [ESCAPED, TRAIN]


def test_an_escaped_model_still_sees_every_call_that_may_switch_it():
    # Once a model escaped, the flow jumps over fewer statements: any
    # `.eval()` / `.train()` and any call it cannot name may reach the model
    # through the container.
    semantic = _module("""
        from torch import nn
        model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.1))
        kept = {"model": model}
        a = 1
        print(a)
        model(a)
        b = a + 1
        something.eval()
        model(b)
        model.train()
        c = b * 2
        get_hook()(c)
        model(c)
        model.train()
        d = c + 1
        plt.plot(d)
        model(d)
    """)
    assert _kinds(semantic, "model(a)") == [ESCAPED, TRAIN]
    assert _kinds(semantic, "model(b)") == [ESCAPED, TRAIN, UNKNOWN]
    assert _kinds(semantic, "model(c)") == [ESCAPED, TRAIN, UNKNOWN]
    assert _kinds(semantic, "model(d)") == [ESCAPED, TRAIN]
    # a statement the flow jumped over is walked again when asked about
    printed = _call(semantic, "print(a)")
    assert sorted({mode.kind for mode in semantic.modes.mode_before(printed, _call(semantic, "model(a)").func).modes}) == [ESCAPED, TRAIN]
