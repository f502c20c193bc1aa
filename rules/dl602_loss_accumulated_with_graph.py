import ast
from typing import List, Optional

from dllint import changes
from dllint.diagnostics import Change, Fix
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic import catalog
from dllint.semantic.autograd import DISABLED, ENABLED
from dllint.semantic.training_loops import Accumulation, target_key
from dllint.semantic.uses import assigned_values, display_uses


class LossAccumulatedWithGraph(Rule):
    """
    ## What it does
    Finds a loss tensor added to a value that is kept from one loop iteration
    to the next (`total += loss`, `running = running + loss`,
    `losses.append(loss)`, a `torch.tensor(0.)` sum) while the loss still
    carries its autograd graph: it comes from a loss function, `outputs.loss`
    or a model's output (or it is a one-number term returned next to a loss
    by a project function, as a tuple or a dict: `return recon_loss, kl`,
    `{"cls": cls, "box": box}`), and no `.item()`, `.detach()`, `float(...)`,
    `.cpu().numpy()` or `torch.no_grad()` stands in between. The loop is a
    training loop (it calls `backward()`, directly or through helpers), or a
    loop over batches of data (an evaluation loop) that dllint knows runs
    with gradients on: no `torch.no_grad()` around it, and reached by at
    least one call of the project made outside one.

    ## Why is this bad?
    A loss tensor keeps a reference to the graph that produced it. Adding it
    to a running total (or a list) links every iteration's graph to the
    next, so none of them can be freed: memory grows with each step until
    the run dies with an out-of-memory error, often hours in. The numbers
    printed look right, so nothing points at the cause.

    ## Known limits
    Summing several losses inside one iteration before a single `backward()`
    is not reported (the total is reset every iteration), nor is a sum that
    is itself backpropagated (`acc += loss / n` then `acc.backward()`), nor
    anything under `torch.no_grad()` / `torch.inference_mode()` or in a
    function only called under them. A value passed to a helper object
    (`meter.update(loss)`) is not followed. A loop outside any training loop
    is judged only when every path into it is known to record gradients; an
    evaluation loop nested inside a training loop is not judged.

    ## Fix safety
    The fix accumulates `loss.item()`, a Python number. It is safe when the
    total is only printed or logged afterwards (`print`, `logger.info`,
    `writer.add_scalar`, f-strings, arithmetic on the way) and the loss is
    known to hold one number; `total.item()` calls are then dropped when the
    total starts as a number. Otherwise the fix accumulates `loss.detach()`
    instead and is unsafe: the total keeps its type, but code that expected
    to differentiate through it would change.
    """

    code = "DL602"
    name = "loss-accumulated-with-graph"
    message = "`{statement}` keeps the autograd graph of `{loss}` alive from one iteration to the next, so memory grows with every step; accumulate `{loss}.item()` instead"

    def finish(self) -> None:
        autograd = self.semantic.autograd
        if not autograd.may_see_losses():
            return
        for accumulation in self.semantic.training_loops.accumulations():
            if not autograd.surely_graph_free(accumulation.value):
                self._check(accumulation)

    def _check(self, accumulation: Accumulation) -> None:
        """Report when the added value, a loss with its graph, is kept across
        iterations of a loop that records gradients."""
        loops, autograd = self.semantic.training_loops, self.semantic.autograd
        statement, target = accumulation.statement, accumulation.target
        enclosing = [loop for loop in loops.enclosing_loops(statement) if isinstance(loop, (ast.For, ast.AsyncFor, ast.While))]
        if not enclosing:
            return
        graph = autograd.graph(accumulation.value)
        if not (graph.attached and graph.loss):
            return
        training = [loop for loop in enclosing if loops.calls_backward(loop)]
        carrier = training[0] if training else enclosing[0]
        if not loops.carried_across(carrier, target, statement):
            return
        mode = autograd.grad_mode_at(statement)
        if mode == DISABLED:
            return
        # Outside training, only a loop over batches of data with gradients
        # known to be on: summing loss terms over layers or heads is normal.
        if not training and (mode != ENABLED or not loops.iterates_over_data(carrier)):
            return
        if loops.feeds_backward(target, statement):
            return  # a sum kept on purpose, to be differentiated
        loss = autograd.graph_carrier(accumulation.value)
        text = self.source.segment(accumulation.node).splitlines()[0]
        self.report(accumulation.node, statement=text, loss=self.source.segment(loss), fix=self._fix(accumulation, loss))

    # -- the fix -----------------------------------------------------------
    def _fix(self, accumulation: Accumulation, loss: ast.expr) -> Fix:
        text = self.source.segment(loss)
        if not isinstance(loss, (ast.Name, ast.Attribute, ast.Call, ast.Subscript)):
            text = f"({text})"
        extra = self._item_fix_changes(accumulation, loss)
        if extra is not None:
            item = changes.call_method(self.source, loss, "item")
            if item is not None and None not in extra:
                return Fix(f"Accumulate `{text}.item()`", (item,) + tuple(extra), safe=True)
        detach = changes.call_method(self.source, loss, "detach")
        return Fix(f"Accumulate `{text}.detach()`", (detach,), safe=False) if detach is not None else None

    def _item_fix_changes(self, accumulation: Accumulation, loss: ast.expr) -> Optional[List[Optional[Change]]]:
        """The other changes that make the `.item()` fix safe, or None when it is not:
        the loss holds one number, and the total is only ever printed or logged."""
        target = accumulation.target
        if not isinstance(target, ast.Name):
            return None
        if not (self.semantic.autograd.graph(loss).scalar or self.semantic.training_loops.backpropagated(loss)):
            return None
        scope = self.semantic.enclosing_function(accumulation.statement) or self.semantic.tree
        into_total = [a.statement for a in self.semantic.training_loops.accumulations()
                      if target_key(a.target) == target.id and (self.semantic.enclosing_function(a.statement) or self.semantic.tree) is scope]
        if len(into_total) != 1:
            return None
        uses = display_uses(self.semantic, target.id, scope, ignore=into_total)
        if uses is None:
            return None
        if not uses.item_calls:
            return []
        starts = assigned_values(scope, target.id)
        if starts and all(isinstance(v, ast.Constant) and isinstance(v.value, (int, float)) and not isinstance(v.value, bool) for v in starts):
            # The total becomes a number: `total.item()` must become `total`.
            return [changes.keep_part(self.source, call, call.func.value) for call in uses.item_calls]
        if starts and all(isinstance(v, ast.Call) and self.semantic.qualified_name(v.func) in catalog.TORCH_FRESH_TENSORS for v in starts):
            return []  # a tensor total stays a tensor: `total.item()` still works
        return None

    VALID = [
        Valid(
            """
            import torch

            for epoch in range(10):
                epoch_loss = 0.0
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    epoch_loss += loss.item()
                print(f"epoch {epoch}: {epoch_loss / len(loader):.4f}")
            """,
            title="the total adds numbers",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            for x, targets in loader:
                outputs = model(x)
                loss = 0.0
                for head, target in zip(heads, targets):
                    loss += F.cross_entropy(outputs[head], target)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            """,
            title="summing task losses within one iteration before one `backward()`",
        ),
        Valid(
            """
            import torch

            accumulated = 0.0
            for i, (x, y) in enumerate(loader):
                accumulated = accumulated + criterion(model(x), y) / accum_steps
                if (i + 1) % accum_steps == 0:
                    accumulated.backward()
                    optimizer.step()
                    optimizer.zero_grad()
                    accumulated = 0.0
            """,
            title="a sum over micro-batches that is itself backpropagated",
        ),
        Valid(
            """
            import torch

            for i, (x, y) in enumerate(loader):
                loss = criterion(model(x), y) / accum_steps
                loss.backward()
                if (i + 1) % accum_steps == 0:
                    optimizer.step()
                    optimizer.zero_grad()
            """,
            title="gradient accumulation: each divided loss is backpropagated at once",
        ),
        Valid(
            """
            import torch

            def evaluate(model, loader, criterion):
                model.eval()
                total = torch.zeros(())
                with torch.no_grad():
                    for x, y in loader:
                        total += criterion(model(x), y) * len(x)
                return total.item() / len(loader.dataset)
            """,
            title="summing under `torch.no_grad()`",
        ),
        Valid(
            files={
                "evaluation.py": """
                    import torch

                    def validation_loss(model, loader, criterion):
                        total = 0.0
                        for x, y in loader:
                            total += criterion(model(x), y)
                        return total / len(loader)
                    """,
                "train.py": """
                    import torch
                    from evaluation import validation_loss

                    with torch.inference_mode():
                        score = validation_loss(model, val_loader, criterion)
                    """,
            },
            title="a helper in another file that is only called under `inference_mode()`",
        ),
        Valid(
            """
            import torch

            history = []
            for x, y in loader:
                optimizer.zero_grad()
                loss = criterion(model(x), y)
                loss.backward()
                optimizer.step()
                history.append(loss.detach().cpu())
                seen = float(loss)
            """,
            title="detached before it is kept",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            def perceptual_loss(features_a, features_b):
                loss = F.mse_loss(features_a[0], features_b[0])
                for i in range(1, len(features_a)):
                    loss += F.mse_loss(features_a[i], features_b[i])
                return loss / len(features_a)

            for x in loader:
                optimizer.zero_grad()
                perceptual_loss(vgg(x), vgg(model(x))).backward()
                optimizer.step()
            """,
            title="one loss summed over feature layers, returned for a single `backward()`",
        ),
        Valid(
            files={
                "utils.py": """
                    import torch

                    def smart_inference_mode():
                        def decorate(fn):
                            return torch.inference_mode()(fn)
                        return decorate
                    """,
                "val.py": """
                    import torch
                    from utils import smart_inference_mode

                    @smart_inference_mode()
                    def run(model, loader, criterion):
                        loss = 0
                        for images, labels in loader:
                            loss += criterion(model(images), labels)
                        return loss / len(loader)
                    """,
            },
            title="a project decorator that switches gradients off",
        ),
        Valid(
            """
            import tensorflow as tf

            for epoch in range(5):
                total_loss = 0.0
                for x, y in train_dataset:
                    with tf.GradientTape() as tape:
                        loss = loss_fn(y, model(x, training=True))
                    grads = tape.gradient(loss, model.trainable_weights)
                    optimizer.apply_gradients(zip(grads, model.trainable_weights))
                    total_loss += loss
            """,
            title="TensorFlow: a loss tensor keeps no graph once the tape is gone",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            def compute_loss(net, data_loader):
                curr_loss = 0.
                with torch.no_grad():
                    for cnt, (features, targets) in enumerate(data_loader):
                        curr_loss += F.cross_entropy(net(features), targets)
                    return float(curr_loss) / cnt

            epoch_cost = []
            for epoch in range(10):
                for features, targets in train_loader:
                    optimizer.zero_grad()
                    cost = F.cross_entropy(model(features), targets)
                    cost.backward()
                    optimizer.step()
                cost = compute_loss(model, train_loader)
                epoch_cost.append(cost)
            """,
            title="a float divided by the count of `enumerate()` (stat453's mlp-pytorch_softmax-crossentr notebook)",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            def vae_losses(model, x):
                recon, mu, logvar = model(x)
                recon_loss = F.mse_loss(recon, x)
                kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
                return recon_loss, kl

            totals = [0.0, 0.0]
            for x, _ in loader:
                recon_loss, kl = vae_losses(model, x)
                optimizer.zero_grad()
                (recon_loss + kl).backward()
                optimizer.step()
                totals[0] += recon_loss.item()
                totals[1] += kl.item()
            """,
            title="each loss term a helper returns, accumulated with .item()",
        ),
        Valid(
            """
            import torch.nn.functional as F

            def step(model, images, labels):
                logits = model(images)
                loss = F.cross_entropy(logits, labels)
                return loss, logits

            kept = []
            for images, labels in loader:
                optimizer.zero_grad()
                loss, logits = step(model, images, labels)
                loss.backward()
                optimizer.step()
                kept.append(logits.detach())
            """,
            title="a helper returning the loss and the logits: the logits are not a loss term",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            def evaluate(model, loader):
                total = 0.0
                with torch.no_grad():
                    for x, y in loader:
                        total += F.cross_entropy(model(x), y)
                return float(total) / len(loader)

            history = []
            for epoch in range(10):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    cost = F.cross_entropy(model(x), y)
                    cost.backward()
                    optimizer.step()
                cost = evaluate(model, val_loader)
                history.append(cost)
            """,
            title="a name reused for a float a helper computes (the backward() was on another binding)",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch

            for epoch in range(10):
                epoch_loss = 0.0
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    epoch_loss += loss
                print(f"epoch {epoch}: {epoch_loss / len(loader):.4f}")
            """,
            "10:9",
            fix="""
            import torch

            for epoch in range(10):
                epoch_loss = 0.0
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
                    epoch_loss += loss.item()
                print(f"epoch {epoch}: {epoch_loss / len(loader):.4f}")
            """,
            title="a running total of the loss tensor, only printed",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            criterion = nn.CrossEntropyLoss()
            running_loss = 0.0
            for inputs, labels in loader:
                optimizer.zero_grad()
                loss = criterion(model(inputs), labels)
                loss.backward()
                optimizer.step()
                running_loss += loss * inputs.size(0)
            print("train loss", running_loss.item() / len(loader.dataset))
            """,
            "11:5",
            fix="""
            import torch
            from torch import nn

            criterion = nn.CrossEntropyLoss()
            running_loss = 0.0
            for inputs, labels in loader:
                optimizer.zero_grad()
                loss = criterion(model(inputs), labels)
                loss.backward()
                optimizer.step()
                running_loss += loss.item() * inputs.size(0)
            print("train loss", running_loss / len(loader.dataset))
            """,
            title="weighted by the batch size; `.item()` taken only at the end",
        ),
        Invalid(
            """
            import torch

            losses = []
            for batch in loader:
                optimizer.zero_grad()
                outputs = model(**batch)
                outputs.loss.backward()
                optimizer.step()
                losses.append(outputs.loss)
            mean_loss = torch.stack(losses).mean()
            """,
            "9:5",
            fix="""
            import torch

            losses = []
            for batch in loader:
                optimizer.zero_grad()
                outputs = model(**batch)
                outputs.loss.backward()
                optimizer.step()
                losses.append(outputs.loss.detach())
            mean_loss = torch.stack(losses).mean()
            """,
            title="a list of loss tensors stacked after the loop",
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def train_epoch(model, loader, optimizer):
                loss_sum = torch.tensor(0.0)
                for x, y in loader:
                    optimizer.zero_grad()
                    loss = F.mse_loss(model(x), y)
                    loss.backward()
                    optimizer.step()
                    loss_sum = loss_sum + loss
                return loss_sum / len(loader)
            """,
            "11:9",
            title="a tensor total returned to the caller",
        ),
        Invalid(
            """
            import torch

            def compute_loss(model, batch):
                x, y = batch
                return torch.nn.functional.cross_entropy(model(x), y)

            step, running = 0, 0.0
            while step < max_steps:
                for batch in loader:
                    optimizer.zero_grad()
                    loss = compute_loss(model, batch)
                    loss.backward()
                    optimizer.step()
                    running += loss
                    step += 1
                    if step % 100 == 0:
                        print(step, running.item() / 100)
                        running = 0.0
            """,
            "14:9",
            title="a loss from a helper, reset only every 100 steps",
        ),
        Invalid(
            files={
                "engine.py": """
                    import torch

                    def train_step(model, batch, criterion, optimizer):
                        optimizer.zero_grad()
                        loss = criterion(model(batch[0]), batch[1])
                        loss.backward()
                        optimizer.step()
                        return loss
                    """,
                "train.py": """
                    import torch
                    from engine import train_step

                    total = 0.0
                    for batch in loader:
                        total += train_step(model, batch, criterion, optimizer)
                    print(total / len(loader))
                    """,
            },
            expect=("train.py:6:5",),
            title="the loss comes back from `train_step()` in another file",
        ),
        Invalid(
            """
            import torch

            def evaluate(model, loader, criterion):
                model.eval()
                total = 0.0
                for x, y in loader:
                    total += criterion(model(x), y)
                return total / len(loader)

            def main():
                print(evaluate(model, val_loader, criterion))

            main()
            """,
            "7:9",
            title="an evaluation loop that never disables gradients",
        ),
        Invalid(
            """
            import torch
            import torch.nn.functional as F

            def vae_losses(model, x):
                recon, mu, logvar = model(x)
                recon_loss = F.mse_loss(recon, x)
                kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
                return recon_loss, kl

            total_recon, total_kl = 0.0, 0.0
            for x, _ in loader:
                recon_loss, kl = vae_losses(model, x)
                optimizer.zero_grad()
                (recon_loss + kl).backward()
                optimizer.step()
                total_recon += recon_loss.item()
                total_kl += kl
            print(total_recon, total_kl)
            """,
            "17:5",
            title="a loss term returned in a tuple next to a loss, not named `loss`",
        ),
        Invalid(
            files={
                "losses.py": """
                    import torch.nn.functional as F

                    def detection_losses(outputs, targets):
                        cls = F.cross_entropy(outputs["logits"], targets["labels"])
                        box = F.smooth_l1_loss(outputs["boxes"], targets["boxes"])
                        return {"cls": cls, "box": box, "total": cls + box}
                    """,
                "train.py": """
                    from losses import detection_losses

                    history = {"cls": [], "box": []}
                    for images, targets in loader:
                        losses = detection_losses(model(images), targets)
                        optimizer.zero_grad()
                        losses["total"].backward()
                        optimizer.step()
                        history["cls"].append(losses["cls"])
                        history["box"].append(losses["box"].item())
                    """,
            },
            expect=("train.py:9:5",),
            title="a dict of losses returned by a function in another file",
        ),
        Invalid(
            """
            import torch.nn as nn

            class Trainer:
                def __init__(self, model, optimizer):
                    self.model, self.optimizer = model, optimizer
                    self.criterion = nn.CrossEntropyLoss()

                def train_step(self, x, y):
                    logits, aux = self.model(x)
                    main = self.criterion(logits, y)
                    auxiliary = 0.4 * self.criterion(aux, y)
                    self.optimizer.zero_grad()
                    (main + auxiliary).backward()
                    self.optimizer.step()
                    return main, auxiliary

                def fit(self, loader, epochs):
                    for epoch in range(epochs):
                        main_total = aux_total = 0.0
                        for x, y in loader:
                            main, auxiliary = self.train_step(x, y)
                            main_total += main.item()
                            aux_total += auxiliary
                        print(epoch, main_total, aux_total)
            """,
            "23:17",
            title="a trainer method returning the main and auxiliary losses",
        ),
    ]
