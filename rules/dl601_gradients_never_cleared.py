import ast
import os
from typing import Optional

from dllint.diagnostics import Fix
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.training_loops import BACKWARD, STEP, Event, LoopNode
from dllint.statement_edits import insert_before


class GradientsNeverCleared(Rule):
    """
    ## What it does
    Finds training loops that compute gradients (`backward()`) and apply them
    (`optimizer.step()`) on every iteration without clearing them in between:
    no `optimizer.zero_grad()`, `model.zero_grad()`, `p.grad = None` or
    `p.grad.zero_()` runs in the iteration. This includes a `zero_grad()`
    placed outside the loop, which clears the gradients once per epoch while
    the optimizer steps once per batch. The backward and step calls may be
    in the loop itself or in functions it calls, in the same file or in
    another file of the project.

    ## Why is this bad?
    PyTorch adds each `backward()` into `.grad`; it never resets it. Without
    a reset, every update applies the sum of all gradients computed so far,
    so the effective step grows with every batch and points in stale
    directions. The loop runs and the loss may even fall for a while, then
    the model diverges or trains far worse than it should. Nothing crashes.

    ## Known limits
    Any clearing in the iteration counts, even a conditional one, so
    deliberate gradient accumulation (`if (i + 1) % accum == 0:` around the
    step and the `zero_grad()`) is not reported; neither is a loop inside
    `with accelerator.accumulate(model):`, a closure passed to
    `optimizer.step(closure)` that clears inside, or code that a framework
    drives (a Lightning `training_step`, a Hugging Face `Trainer`). A reset
    counts unless it provably concerns other parameters: `opt_g.zero_grad()`
    or `generator.zero_grad()` does not clear what `opt_d.step()` applies when
    both optimizers (and `opt_d`'s model) are built in sight and hold
    different models' parameters (an optimizer over
    `itertools.chain(G.parameters(), D.parameters())` is cleared by
    `opt_d.zero_grad()` as much as by its own); otherwise any `zero_grad()`
    counts.
    `torch.autograd.grad` and distributed autograd fill no `.grad` and are
    not training steps here. In a file written for MXNet (it imports mxnet
    and nothing of PyTorch's) `backward()` overwrites the gradients, so its
    loops are not judged unless it sets `grad_req` to `"add"`.

    ## Fix safety
    The fix inserts `optimizer.zero_grad()` on its own line just before the
    statement that calls `backward()` in the loop (when both the step and the
    backward are written in the loop itself, not in a helper, and no inner
    loop runs the backward). It is unsafe: where the gradients were meant to
    accumulate over several batches, the step needs a condition instead. Calls are followed into project functions and
    methods; a loop that calls hooks or callbacks dllint cannot follow
    (`self.call_hook(...)`, `callback.on_batch_begin()`) is not judged, and a
    step in a function that no loop of the project calls (a training-step
    callback given to a framework) is not judged. When the step is in a
    helper in another file, the finding is on the call to that helper.
    """

    code = "DL601"
    name = "gradients-never-cleared"
    message = "{step} runs on every iteration of the loop on line {loop_line} but gradients are {problem}, so each update applies the sum of all earlier gradients; {clear} on every iteration before `backward()`"

    def finish(self) -> None:
        loops = self.semantic.training_loops
        if not loops.might_train():
            return
        reported = set()
        for loop in loops.training_loops():
            iteration = loops.iteration(loop)
            if iteration.opaque or loops.runs_once(loop) or loops.framework_manages_gradients(loop):
                continue
            steps = [
                step for step in loops.own_events(loop, STEP)
                if not loops.optimizer_built_per_iteration(step, loop)
                and not any(loops.may_clear(reset, step) for reset in iteration.zeroing)
            ]
            if not steps or not any(loops.adds_into_grad(backward) for backward in loops.own_events(loop, BACKWARD)):
                continue
            for step in steps:
                # A step in another file is reported at the call that reaches it.
                node = step.node if step.module is self.semantic else step.via[0]
                if id(node) not in reported:
                    reported.add(id(node))
                    self._report(node, step, loop)

    def _report(self, node: ast.AST, step: Event, loop: LoopNode) -> None:
        source = step.module.source
        optimizer = source.segment(step.subject) if step.subject is not None else ""
        if step.via and optimizer.startswith("self.") and step.module.enclosing_class(step.node) is not self.semantic.enclosing_class(loop):
            optimizer = ""  # `self` of a wrapper class means nothing at the loop
        clear = f"call `{optimizer}.zero_grad()`" if optimizer else "clear the optimizer's gradients (`zero_grad()`)"
        step_text = f"`{source.segment(step.node)}`"
        if step.via:
            function = step.module.enclosing_function(step.node)
            where = f"`{function.name}()`" if function is not None else os.path.basename(source.path)
            if step.module is not self.semantic:
                where += f" ({os.path.basename(source.path)}:{step.node.lineno})"
            step_text += f" in {where}"
        outside = self.semantic.training_loops.resets_outside(loop)
        inside = self.semantic.training_loops.iteration(loop).zeroing
        if inside:
            reset = inside[0].via[0] if inside[0].via else inside[0].node
            problem = f"never cleared for it (the reset on line {reset.lineno} clears other parameters)"
        elif outside:
            problem = f"only cleared outside it (line {outside[0].lineno}), not between its steps"
        else:
            problem = "never cleared between steps"
        self.report(node, step=step_text, loop_line=loop.lineno, problem=problem, clear=clear, fix=self._fix(step, loop, optimizer))

    def _fix(self, step: Event, loop: LoopNode, optimizer: str) -> Optional[Fix]:
        """`optimizer.zero_grad()` inserted before the loop's first `backward()`."""
        if not optimizer or not step.direct or step.module is not self.semantic:
            return None
        backwards = [
            event for event in self.semantic.training_loops.own_events(loop, BACKWARD)
            if event.direct and event.module is self.semantic
        ]
        if not backwards:
            return None
        first = min(backwards, key=lambda event: (event.node.lineno, event.node.col_offset))
        statement = self._statement_in_loop(first.node, loop)
        change = insert_before(self.source, statement, f"{optimizer}.zero_grad()") if statement is not None else None
        if change is None:
            return None
        return Fix(f"Call `{optimizer}.zero_grad()` before `backward()`", (change,), safe=False)

    def _statement_in_loop(self, node: ast.AST, loop: LoopNode) -> Optional[ast.stmt]:
        """The statement holding `node`, if no other loop (nor a function)
        stands between it and `loop`: clearing inside an inner loop would
        undo an accumulation over its iterations."""
        statement = None
        current = node
        while current is not None and current is not loop:
            if statement is None and isinstance(current, ast.stmt):
                statement = current
            if current is not node and isinstance(current, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return None
            current = self.semantic.parent(current)
        return statement if current is loop else None

    VALID = [
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Linear(10, 2)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(10):
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
            """,
            title="gradients cleared before every step",
        ),
        Valid(
            """
            import torch

            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
            optimizer.zero_grad(set_to_none=True)
            for i, (x, y) in enumerate(loader):
                loss = loss_fn(model(x), y) / accum_steps
                loss.backward()
                if (i + 1) % accum_steps == 0:
                    optimizer.step()
                    optimizer.zero_grad(set_to_none=True)
            """,
            title="deliberate gradient accumulation over `accum_steps` batches",
        ),
        Valid(
            """
            import torch

            opt = torch.optim.Adam(net.parameters())
            for x, _ in loader:
                net.zero_grad(set_to_none=True)
                loss = net(x).pow(2).mean()
                loss.backward()
                opt.step()
            """,
            title="`model.zero_grad()` instead of the optimizer's",
        ),
        Valid(
            """
            import torch

            optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
            for x, y in loader:
                for p in model.parameters():
                    p.grad = None
                criterion(model(x), y).backward()
                optimizer.step()
            """,
            title="`p.grad = None` for every parameter",
        ),
        Valid(
            """
            import torch

            optimizer = torch.optim.LBFGS(model.parameters(), lr=0.8)
            for i in range(15):
                def closure():
                    optimizer.zero_grad()
                    loss = criterion(model(inputs), targets)
                    loss.backward()
                    return loss
                optimizer.step(closure)
            """,
            title="an L-BFGS closure that clears the gradients itself",
        ),
        Valid(
            """
            import torch
            import lightning as L

            class Classifier(L.LightningModule):
                def __init__(self, net):
                    super().__init__()
                    self.net = net

                def training_step(self, batch, batch_idx):
                    x, y = batch
                    return torch.nn.functional.cross_entropy(self.net(x), y)

                def configure_optimizers(self):
                    return torch.optim.Adam(self.parameters())

            L.Trainer(max_epochs=3).fit(Classifier(net), loader)
            """,
            title="Lightning: the trainer clears and steps",
        ),
        Valid(
            """
            from transformers import Trainer, TrainingArguments

            trainer = Trainer(model=model, args=TrainingArguments("out"), train_dataset=train_ds)
            trainer.train()
            """,
            title="the Hugging Face `Trainer` runs the loop",
        ),
        Valid(
            """
            import torch
            from accelerate import Accelerator

            accelerator = Accelerator(gradient_accumulation_steps=4)
            model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
            for batch in loader:
                with accelerator.accumulate(model):
                    loss = model(**batch).loss
                    accelerator.backward(loss)
                    optimizer.step()
            """,
            title="Accelerate decides when to apply and reset gradients",
        ),
        Valid(
            """
            import torch

            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                loss = criterion(model(x), y)
                grads = torch.autograd.grad(loss, list(model.parameters()))
                for p, g in zip(model.parameters(), grads):
                    p.grad = g
                optimizer.step()
            """,
            title="`torch.autograd.grad` writes fresh gradients each step",
        ),
        Valid(
            """
            import torch

            def clear(optimizers):
                for opt in optimizers:
                    opt.zero_grad()

            opt_g = torch.optim.Adam(generator.parameters())
            opt_d = torch.optim.Adam(discriminator.parameters())
            for real in loader:
                clear([opt_g, opt_d])
                d_loss(real).backward()
                g_loss(real).backward()
                for opt in (opt_d, opt_g):
                    opt.step()
            """,
            title="clearing in a helper, stepping in a loop over optimizers",
        ),
        Valid(
            files={
                "engine.py": """
                    def train_one_epoch(model, loader, criterion, optimizer):
                        model.train()
                        for x, y in loader:
                            optimizer.zero_grad()
                            loss = criterion(model(x), y)
                            loss.backward()
                            optimizer.step()
                    """,
                "train.py": """
                    import torch
                    from engine import train_one_epoch

                    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
                    for epoch in range(30):
                        train_one_epoch(model, loader, criterion, optimizer)
                    """,
            },
            title="`train_one_epoch()` in another file clears the gradients",
        ),
        Valid(
            """
            import torch.distributed.autograd as dist_autograd
            from torch.distributed.optim import DistributedOptimizer

            opt = DistributedOptimizer(torch.optim.SGD, model.parameter_rrefs(), lr=0.05)
            for x, y in loader:
                with dist_autograd.context() as context_id:
                    loss = criterion(model(x), y)
                    dist_autograd.backward(context_id, [loss])
                    opt.step(context_id)
            """,
            title="distributed autograd keeps gradients per context",
        ),
        Valid(
            """
            import torch

            for i in range(num_checks):
                base(inputs).sum().backward()
                optimizer = torch.optim.SGD(base.parameters(), lr=0.01)
                optimizer.step()
                compare(base, reference)
            """,
            title="a throwaway optimizer built on every iteration (a numerics check, not training)",
        ),
        Valid(
            """
            import torch

            class Runner(BaseRunner):
                def run_epoch(self, loader):
                    for batch in loader:
                        self.call_hook("before_train_iter")
                        loss = self.model(batch).mean()
                        loss.backward()
                        self.optimizer.step()
            """,
            title="a hook dllint cannot follow may clear the gradients",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Generator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(100, 784), nn.Tanh())

            class Discriminator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(784, 1), nn.Sigmoid())

            netG, netD = Generator(), Discriminator()
            optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
            optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4)
            for real in loader:
                netD.zero_grad()
                criterion(netD(real), ones).backward()
                optimizerD.step()
                netG.zero_grad()
                criterion(netD(netG(noise)), ones).backward()
                optimizerG.step()
            """,
            title="a GAN: each network cleared before its own step",
        ),
        Valid(
            """
            import itertools
            import torch
            import torch.nn as nn

            G = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784))
            D = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 1 + 10))
            opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)
            opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
            opt_info = torch.optim.Adam(itertools.chain(G.parameters(), D.parameters()), lr=2e-4)
            bce, ce = nn.BCEWithLogitsLoss(), nn.CrossEntropyLoss()
            for real, _ in loader:
                z, code = torch.randn(real.size(0), 54), torch.randint(0, 10, (real.size(0),))
                opt_d.zero_grad()
                d_loss = bce(D(real)[:, 0], ones) + bce(D(G(z).detach())[:, 0], zeros)
                d_loss.backward()
                opt_d.step()
                opt_g.zero_grad()
                out = D(G(z))
                g_loss = bce(out[:, 0], ones)
                g_loss.backward(retain_graph=True)
                opt_g.step()
                info_loss = ce(out[:, 1:], code)
                info_loss.backward()
                opt_info.step()
            """,
            title="an optimizer over two models whose own optimizers clear them every iteration (InfoGAN)",
        ),
        Valid(
            """
            from mxnet import autograd
            from sklearn.metrics import accuracy_score


            class Fitter:
                \"\"\"Runs the epochs; the network and its gluon trainer come from the caller.\"\"\"

                def __init__(self, net, optim, loss_fn):
                    self.net, self.optim, self.loss_fn = net, optim, loss_fn

                def fit_epoch(self, batches):
                    for features, labels in batches:
                        with autograd.record():
                            loss = self.loss_fn(self.net(features), labels)
                        loss.backward()
                        self.optim.step(1)

                def accuracy(self, features, labels):
                    return accuracy_score(labels.asnumpy(), self.net(features).argmax(axis=1).asnumpy())
            """,
            title="MXNet: `backward()` overwrites the gradients (grad_req \"write\"), nothing to clear",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Linear(10, 2)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(10):
                for x, y in loader:
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
            """,
            "11:9",
            title="no `zero_grad()` anywhere",
            fix="""
            import torch
            from torch import nn

            model = nn.Linear(10, 2)
            criterion = nn.CrossEntropyLoss()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(10):
                for x, y in loader:
                    loss = criterion(model(x), y)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            """,
        ),
        Invalid(
            """
            import torch

            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            for epoch in range(10):
                optimizer.zero_grad()
                for x, y in loader:
                    loss = loss_fn(model(x), y)
                    loss.backward()
                    optimizer.step()
            """,
            "9:9",
            title="`zero_grad()` once per epoch, `step()` once per batch",
        ),
        Invalid(
            """
            import torch

            def train_step(model, batch, criterion, optimizer):
                x, y = batch
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                return loss.item()

            optimizer = torch.optim.AdamW(model.parameters())
            for epoch in range(5):
                losses = [train_step(model, batch, criterion, optimizer) for batch in loader]
            """,
            "7:5",
            title="a step helper called from a list comprehension",
        ),
        Invalid(
            """
            import torch

            scaler = torch.cuda.amp.GradScaler()
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            for images, labels in loader:
                with torch.autocast("cuda"):
                    loss = criterion(model(images), labels)
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            """,
            "9:5",
            title="mixed precision: `scaler.step(optimizer)`",
        ),
        Invalid(
            """
            import torch

            class Trainer:
                def __init__(self, model, loader):
                    self.model = model
                    self.loader = loader
                    self.optimizer = torch.optim.Adam(model.parameters())

                def run_batch(self, x, y):
                    loss = torch.nn.functional.mse_loss(self.model(x), y)
                    loss.backward()
                    self.optimizer.step()

                def fit(self, epochs):
                    for _ in range(epochs):
                        for x, y in self.loader:
                            self.run_batch(x, y)
            """,
            "12:9",
            title="a method of a trainer class, called per batch",
        ),
        Invalid(
            files={
                "engine.py": """
                    def train_one_epoch(model, loader, criterion, optimizer):
                        model.train()
                        for x, y in loader:
                            loss = criterion(model(x), y)
                            loss.backward()
                            optimizer.step()
                    """,
                "train.py": """
                    import torch
                    from engine import train_one_epoch

                    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
                    for epoch in range(30):
                        optimizer.zero_grad()
                        train_one_epoch(model, loader, criterion, optimizer)
                    """,
            },
            expect=("engine.py:6:9",),
            title="`train_one_epoch()` in another file, cleared once per epoch by its caller",
        ),
        Invalid(
            files={
                "steps.py": """
                    def backward_and_step(loss, optimizer):
                        loss.backward()
                        optimizer.step()
                    """,
                "train.py": """
                    import torch
                    from steps import backward_and_step

                    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
                    for x, y in loader:
                        backward_and_step(criterion(model(x), y), optimizer)
                    """,
            },
            expect=("train.py:6:5",),
            title="the step is in a helper in another file: reported at the call",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Generator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(100, 784), nn.Tanh())

            class Discriminator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(784, 1), nn.Sigmoid())

            netG, netD = Generator(), Discriminator()
            optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
            optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4)
            for real in loader:
                criterion(netD(real), ones).backward()
                optimizerD.step()
                netG.zero_grad()
                criterion(netD(netG(noise)), ones).backward()
                optimizerG.step()
            """,
            "19:5",
            title="a GAN whose discriminator is never cleared",
        ),
        Invalid(
            """
            import itertools
            import torch
            import torch.nn as nn

            G = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784))
            D = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 1))
            Q = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            opt_d = torch.optim.Adam(D.parameters(), lr=2e-4)
            opt_q = torch.optim.Adam(Q.parameters(), lr=2e-4)
            bce, ce = nn.BCEWithLogitsLoss(), nn.CrossEntropyLoss()
            for real, _ in loader:
                z, code = torch.randn(real.size(0), 54), torch.randint(0, 10, (real.size(0),))
                opt_d.zero_grad()
                fake = G(z)
                d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
                d_loss.backward()
                opt_d.step()
                q_loss = ce(Q(fake.detach()), code)
                q_loss.backward()
                opt_q.step()
            """,
            "20:5",
            title="another optimizer's reset does not clear a head it does not hold",
        ),
    ]
