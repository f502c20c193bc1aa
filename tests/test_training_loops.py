"""The training-loop, autograd and use facts of the semantic model, asked directly."""
import ast

from dllint.semantic.autograd import ATTACHED, DETACHED, DISABLED, ENABLED
from dllint.semantic.training_loops import BACKWARD, STEP, ZERO_GRAD
from dllint.semantic.uses import display_uses
from tests.semantic_project import modules


def project(**files):
    return modules(files, strip_leading_newline=True)


def nodes(model, kind, line=None):
    return [n for n in ast.walk(model.tree) if isinstance(n, kind) and (line is None or getattr(n, "lineno", None) == line)]


def test_a_loop_trains_through_a_helper_in_another_file():
    models = project(
        steps="""
            def fit_batch(model, batch, optimizer):
                optimizer.zero_grad()
                model(batch).mean().backward()
                optimizer.step()
            """,
        train="""
            import torch
            from steps import fit_batch
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(3):
                for batch in loader:
                    fit_batch(model, batch, optimizer)
            """,
    )
    train = models["train"]
    loops = train.training_loops
    outer, inner = loops.loops()
    assert loops.training_loops() == [outer, inner]
    iteration = loops.iteration(inner)
    assert [event.kind for event in iteration.events] == [ZERO_GRAD, BACKWARD, STEP]
    step = iteration.steps[0]
    assert step.module is models["steps"] and not step.direct
    assert [call.lineno for call in step.via] == [6]
    # The outer loop reaches the same step through the inner loop.
    assert [ref.node for ref in loops.iteration(outer).steps[0].loops] == [inner]
    assert loops.enclosing_loops(nodes(train, ast.Call, 6)[0]) == [inner, outer]


def test_a_loop_without_a_step_or_without_backward_does_not_train():
    models = project(
        train="""
            import torch
            for x in loader:
                loss = model(x).sum()
                loss.backward()
            for opt in optimizers:
                opt.step()
            """
    )
    loops = models["train"].training_loops
    first, second = loops.loops()
    assert loops.calls_backward(first) and not loops.is_training_loop(first)
    assert not loops.calls_backward(second) and not loops.is_training_loop(second)


def test_carried_across_sees_resets_before_the_use():
    models = project(
        train="""
            import torch
            total = 0.0
            for batch in loader:
                heads = 0.0
                for head in model.heads:
                    heads += head(batch)
                total += heads
            """
    )
    model = models["train"]
    loops = model.training_loops
    outer, inner = loops.loops()
    heads_sum = nodes(model, ast.AugAssign, 6)[0]
    total_sum = nodes(model, ast.AugAssign, 7)[0]
    assert loops.carried_across(inner, heads_sum.target, heads_sum)
    assert not loops.carried_across(outer, heads_sum.target, heads_sum)
    assert loops.carried_across(outer, total_sum.target, total_sum)


def test_grad_mode_follows_contexts_decorators_and_callers():
    models = project(
        evaluation="""
            import torch

            def score(model, x):
                return model(x)

            @torch.no_grad()
            def predict(model, x):
                return model(x)

            def train_value(model, x):
                return model(x)
            """,
        main="""
            import torch
            from evaluation import score, train_value

            with torch.inference_mode():
                score(model, x)
            train_value(model, x)
            with torch.set_grad_enabled(False):
                print(model(x))
            """,
    )
    evaluation = models["evaluation"]
    autograd = evaluation.autograd
    returns = nodes(evaluation, ast.Return)
    modes = {evaluation.enclosing_function(r).name: autograd.grad_mode_at(r) for r in returns}
    assert modes == {"score": DISABLED, "predict": DISABLED, "train_value": ENABLED}
    main = models["main"]
    assert main.autograd.grad_mode_at(nodes(main, ast.Call, 8)[0]) == DISABLED


def test_graph_state_of_losses_and_detached_values():
    models = project(
        train="""
            import torch
            from torch import nn
            criterion = nn.CrossEntropyLoss()
            logits = model(x)
            loss = criterion(logits, y)
            value = loss.item()
            half = loss * 0.5
            with torch.no_grad():
                quiet = criterion(model(x), y)
            a = loss
            b = value
            c = half
            d = quiet
            e = logits
            """
    )
    model = models["train"]
    graph = model.autograd.graph
    a, b, c, d, e = (nodes(model, ast.Assign, line)[0].value for line in range(10, 15))
    assert (graph(a).state, graph(a).loss, graph(a).scalar) == (ATTACHED, True, True)
    assert graph(b).state == DETACHED
    assert (graph(c).state, graph(c).loss) == (ATTACHED, True)
    assert graph(d).state == DETACHED
    assert (graph(e).state, graph(e).loss) == (ATTACHED, False)


def test_display_uses_lists_item_calls_and_refuses_other_uses():
    models = project(
        train="""
            import torch
            def report(total, n):
                print(f"{total.item() / n:.3f}")
                mean = total / n
                logger.info("mean %s", mean)

            def keep(total):
                return total
            """
    )
    model = models["train"]
    report, keep = nodes(model, ast.FunctionDef)
    uses = display_uses(model, "total", report)
    assert uses is not None and len(uses.item_calls) == 1
    assert display_uses(model, "total", keep) is None


def test_circular_reexports_resolve_to_nothing():
    models = project(a="from b import f\n", b="from a import f\n")
    assert models["a"].project.definition("a.f") is None


def test_accumulations_are_found_once_in_nested_loops():
    models = project(
        train="""
            total, losses = 0.0, []
            for epoch in range(3):
                for x in loader:
                    total += model(x).sum()
                    total = total + 1
                    losses.append(x)
                    count = count + 1 if x else 0
            """
    )
    found = models["train"].training_loops.accumulations()
    assert [(a.statement.lineno, ast.unparse(a.target), ast.unparse(a.value)) for a in found] == [
        (4, "total", "model(x).sum()"), (5, "total", "1"), (6, "losses", "x"),
    ]


def test_a_reset_of_another_network_does_not_clear_a_step():
    models = project(
        train="""
            import torch
            from torch import nn
            class G(nn.Module):
                pass
            class D(nn.Module):
                pass
            g, d = G(), D()
            opt_d = torch.optim.Adam(d.parameters())
            opt_g = torch.optim.Adam(g.parameters())
            for x in loader:
                g.zero_grad()
                opt_g.zero_grad()
                d(x).mean().backward()
                opt_d.step()
                opt_g.step()
                opt = pick(opt_d, opt_g)
                opt.zero_grad()
            """
    )
    loops = models["train"].training_loops
    (loop,) = loops.loops()
    iteration = loops.iteration(loop)
    step_d, step_g = iteration.steps
    g_model, g_opt, unknown = iteration.zeroing
    assert not loops.may_clear(g_model, step_d) and not loops.may_clear(g_opt, step_d)
    assert loops.may_clear(g_model, step_g) and loops.may_clear(g_opt, step_g)
    assert loops.may_clear(unknown, step_d)  # an optimizer dllint cannot identify


def test_backward_adds_into_grad_except_under_mxnet_defaults():
    loop_body = "for x, y in batches:\n    with autograd.record():\n        loss = loss_fn(net(x), y)\n    loss.backward()\n    optim.step(1)\n"
    models = project(
        torch_loop="import torch\n" + loop_body,
        mxnet_loop="from mxnet import autograd\n" + loop_body,
        mxnet_adding="from mxnet import autograd\nnet.collect_params().setattr('grad_req', 'add')\n" + loop_body,
        mixed="import torch\nfrom mxnet import autograd\n" + loop_body,
    )
    adds = {}
    for name, model in models.items():
        loops = model.training_loops
        (loop,) = loops.training_loops()
        adds[name] = [loops.adds_into_grad(event) for event in loops.iteration(loop).backward]
    assert adds == {"torch_loop": [True], "mxnet_loop": [False], "mxnet_adding": [True], "mixed": [True]}
