import ast
from typing import Optional

from dllint.diagnostics import Fix
from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.statement_edits import binds_name, insert_before


class TrainingResumesInEvalMode(Rule):
    """
    ## What it does
    Finds a training loop that switches the model to eval mode and does not
    switch it back before the next training step. The switch is
    `model.eval()`, `model.train(False)`, or a call such as
    `validate(model, ...)` that does it; no `model.train()` reaches the
    forward pass of the following iteration, which runs in eval mode.

    A training loop is a loop whose body runs `loss.backward()` and an
    optimizer step, directly or through the functions it calls. A
    `model.train()` at the top of each epoch, inside the training function
    the loop calls, or at the end of the validation function all count.

    ## Why is this bad?
    After the first validation every later epoch trains with dropout switched
    off and batch norm frozen: it normalises with running statistics and
    never updates them. Training still converges, just to a worse, more
    over-fitted model, and nothing points at the cause.

    ## Known limits
    - Only the model being trained is checked: its forward pass must feed
      the `backward()` (through assignments in the loop, or in the function
      the loop calls). A frozen teacher or an EMA copy put into eval mode
      inside the loop is fine, and so is an evaluation forward pass.
    - A file whose optimizers all take plain tensors (`Adam([delta])`: an
      adversarial patch, a perturbation, an input being optimized) trains
      no model; the models it runs forward are not checked.
    - A model built only from layers that behave the same in both modes
      (no dropout, no batch norm) is not reported.
    - `model.train(flag)` with a value dllint cannot decide, or a call in the
      loop that hands the model to code dllint cannot see, counts as
      possibly restoring the mode.
    - Lightning and Hugging Face `Trainer` loops switch modes themselves and
      are not analysed.

    ## Fix safety
    The fix inserts `model.train()` as the first statement of the training
    loop's body, so every iteration starts in training mode. It is unsafe:
    a model meant to stay partly frozen (an encoder kept in eval mode) needs
    the switch written by hand.
    """

    code = "DL102"
    name = "training-resumes-in-eval-mode"
    message = (
        "{what} before the next training step, which then runs with dropout off and batch norm frozen; "
        "call `{model}.train()` at the start of each epoch"
    )
    triggers = LazyPattern(r"backward|step|train|fit")

    def finish(self) -> None:
        modes = self.semantic.modes
        for node, key, loop in modes.unrestored_evals():
            model = ".".join(key[1])
            if isinstance(key[0], ast.ClassDef):
                model = ".".join(("self",) + key[1])
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("eval", "train"):
                model = self.source.segment(node.func.value)
                what = f"`{self.source.segment(node)}` inside the training loop is never undone"
            else:
                callee = self.source.segment(node.func) if isinstance(node, ast.Call) else "this call"
                what = f"`{callee}(...)` puts `{model}` into eval mode inside the training loop and nothing switches it back"
            self.report(node, what=what, model=model, fix=self._fix(self._innermost_training_loop(node, loop), model))

    def _innermost_training_loop(self, node: ast.AST, loop: ast.AST) -> ast.AST:
        """The training loop nearest the eval switch: `model.train()` at the
        top of an epoch does not help an evaluation every N batches."""
        current = self.semantic.parent(node)
        while current is not None and current is not loop:
            if isinstance(current, (ast.For, ast.AsyncFor, ast.While)) and self.semantic.modes.trains(current) == (True, True):
                return current
            current = self.semantic.parent(current)
        return loop

    def _fix(self, loop: ast.AST, model: str) -> Optional[Fix]:
        """`model.train()` at the top of every iteration of the training loop."""
        body = getattr(loop, "body", None)
        root = model.split(".")[0].split("[")[0]
        if not body or not root.isidentifier() or binds_name(loop, root):
            return None
        if self.source.segment(body[0]).replace(" ", "") == f"{model}.train()":
            return None  # already there: the mode is lost elsewhere, and this would not help
        change = insert_before(self.source, body[0], f"{model}.train()")
        return Fix(f"Call `{model}.train()` at the start of each iteration", (change,), safe=False) if change else None

    VALID = [
        Valid(
            """
            import torch
            import torch.nn.functional as F
            from torchvision import models

            victim = models.vgg11_bn(weights="DEFAULT").eval()
            for weight in victim.parameters():
                weight.requires_grad_(False)
            delta = torch.zeros(1, 3, 224, 224, requires_grad=True)
            opt = torch.optim.Adam([delta], lr=0.01)


            def fooling_rate(net, loader):
                net.eval()
                fooled = 0
                with torch.no_grad():
                    for images, labels in loader:
                        fooled += (net(images + delta).argmax(1) != labels).sum().item()
                return fooled / len(loader.dataset)


            for epoch in range(10):
                for images, labels in loader:
                    loss = -F.cross_entropy(victim(images + delta), labels)
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                print(epoch, fooling_rate(victim, loader))
            """,
            title="a perturbation is trained with `Adam([delta])`; the frozen victim model stays in eval mode",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.Flatten(), nn.Dropout(0.5), nn.LazyLinear(10))
            optimizer = torch.optim.Adadelta(model.parameters())
            for epoch in range(15):
                model.train()
                for data, target in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(data), target).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader)
                print(epoch, correct)
            """,
            title="model.train() at the top of every epoch",
        ),
        Valid(
            """
            import torch
            from torchvision import models

            def train_one_epoch(model, criterion, optimizer, loader):
                model.train()
                for images, targets in loader:
                    loss = criterion(model(images), targets)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()

            def evaluate(model, criterion, loader):
                model.eval()
                with torch.inference_mode():
                    return sum(criterion(model(x), y).item() for x, y in loader)

            model = models.resnet34(num_classes=10)
            for epoch in range(20):
                train_one_epoch(model, criterion, optimizer, train_loader)
                print(evaluate(model, criterion, val_loader))
            """,
            title="the training function switches back itself",
        ),
        Valid(
            """
            import torch
            from torch import nn

            def validate(model, loader):
                model.eval()
                with torch.no_grad():
                    score = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
                model.train()
                return score

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.train()
            for step, (x, y) in enumerate(train_loader):
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
                if step % 500 == 0:
                    print(validate(model, val_loader))
            """,
            title="validate() restores training mode at its end",
        ),
        Valid(
            """
            import torch
            from torch import nn

            def run_epoch(model, loader, loss_fn, optimizer=None):
                is_train = optimizer is not None
                model.train(is_train)
                with torch.set_grad_enabled(is_train):
                    for x, y in loader:
                        loss = loss_fn(model(x), y)
                        if is_train:
                            optimizer.zero_grad()
                            loss.backward()
                            optimizer.step()

            model = nn.GRU(8, 64, num_layers=2, dropout=0.2)
            for epoch in range(30):
                run_epoch(model, train_loader, loss_fn, optimizer)
                run_epoch(model, val_loader, loss_fn)
            """,
            title="one function for both phases, `model.train(is_train)`",
        ),
        Valid(
            """
            import torch
            from torchvision import models

            teacher = models.resnet50(num_classes=10)
            teacher.load_state_dict(torch.load("teacher.pt"))
            student = models.resnet18(num_classes=10)
            student.train()
            for epoch in range(40):
                for images, labels in loader:
                    teacher.eval()
                    with torch.no_grad():
                        soft = teacher(images).softmax(1)
                    loss = distillation_loss(student(images), soft, labels)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
            """,
            title="a frozen teacher is not the model being trained",
        ),
        Valid(
            """
            import copy
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            ema = copy.deepcopy(model)
            model.train()
            for epoch in range(10):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                ema.eval()
                with torch.no_grad():
                    print(ema(x_val))
            """,
            title="the EMA copy is put into eval mode, not the trained model",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 1))
            model.train()
            for step in range(5000):
                optimizer.zero_grad()
                nn.functional.mse_loss(model(points), targets).backward()
                optimizer.step()
                if step % 500 == 0:
                    model.eval()
                    print(model(held_out).abs().max())
            """,
            title="a model without dropout or batch norm trains the same in eval mode",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.train()
            for epoch in range(100):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                if early_stopping(epoch):
                    model.eval()
                    break
            model.eval()
            """,
            title="eval() only on the way out of the loop",
        ),
        Valid(
            files={
                "engine.py": """
                    import torch

                    def train_one_epoch(model, loader, optimizer):
                        model.train()
                        for x, y in loader:
                            optimizer.zero_grad()
                            torch.nn.functional.cross_entropy(model(x), y).backward()
                            optimizer.step()

                    def evaluate(model, loader):
                        model.eval()
                        with torch.no_grad():
                            return [model(x) for x, _ in loader]
                    """,
                "train.py": """
                    import timm
                    from engine import evaluate, train_one_epoch

                    model = timm.create_model("resnet50", num_classes=100)
                    for epoch in range(90):
                        train_one_epoch(model, train_loader, optimizer)
                        evaluate(model, val_loader)
                    """,
            },
            title="the training and evaluation helpers live in another file",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.train()
            for epoch in range(args.epochs):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                if epoch == args.epochs - 1:
                    model.eval()
                    with torch.no_grad():
                        print(sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader))
            """,
            title="evaluation only after the last epoch",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class Discriminator(nn.Module):
                def __init__(self, encoder):
                    super().__init__()
                    self.encoder = encoder
                    self.head = nn.Sequential(nn.Dropout(0.1), nn.Linear(768, 2))

                def train_head_only(self):
                    for param in self.encoder.parameters():
                        param.requires_grad = False
                    self.head.train()

                def forward(self, x):
                    return self.head(self.encoder(x))

            def evaluate(discriminator, loader):
                discriminator.eval()
                with torch.no_grad():
                    return sum((discriminator(x).argmax(1) == y).sum().item() for x, y in loader)

            def fit(discriminator, encoder, train_loader, test_loader, optimizer, epochs):
                for epoch in range(epochs):
                    discriminator.train_head_only()
                    for x, y in train_loader:
                        optimizer.zero_grad()
                        F.cross_entropy(discriminator(x), y).backward()
                        optimizer.step()
                    evaluate(discriminator, test_loader)
            """,
            title="only the trainable head is put back in train mode; the frozen encoder stays in eval on purpose",
        ),
        Valid(
            """
            import torch
            from diffusers import StableDiffusionPipeline, UNet2DConditionModel

            def render_samples(pipe, prompt):
                with torch.no_grad():
                    return pipe(prompt).images

            def finetune(args, loader, optimizer, noise_loss):
                unet = UNet2DConditionModel.from_pretrained(args.base, subfolder="unet")
                for epoch in range(args.epochs):
                    unet.train()
                    for batch in loader:
                        loss = noise_loss(unet(batch["noisy"], batch["t"], batch["text"]).sample, batch["noise"])
                        loss.backward()
                        optimizer.step()
                        optimizer.zero_grad()
                    preview = StableDiffusionPipeline.from_pretrained(args.base, unet=unet)
                    render_samples(preview, args.prompt)
            """,
            title="a preview pipeline loaded inside the loop is a new object, not a switch of the trained model",
        ),
        Valid(
            """
            import torch.nn.functional as F

            def curriculum(model, train_batches, eval_batches, optimizer, steps, every):
                for step in range(steps):
                    model.train()
                    tokens, labels = next(train_batches)
                    logits = model(tokens)
                    F.cross_entropy(logits.transpose(1, 2), labels).backward()
                    optimizer.step()
                    optimizer.zero_grad()
                    if (step + 1) % every == 0:
                        model.eval()
                        tokens, labels = next(eval_batches)
                        logits = model(tokens)
                        print((logits.argmax(-1) == labels).float().mean().item())
            """,
            title="train() at the top of every step; the evaluation forward at the end reuses the name `logits`",
        ),
        Valid(
            """
            import torch
            from torch import nn

            def validation(net, loader, loss_fn):
                total = 0.0
                for inputs, labels in loader:
                    total += loss_fn(net(inputs), labels).item()
                return total / len(loader)

            net = nn.Sequential(nn.Linear(20, 64), nn.Dropout(0.25), nn.Linear(64, 3))
            loss_fn = nn.CrossEntropyLoss()
            opt = torch.optim.SGD(net.parameters(), lr=0.05)
            for epoch in range(30):
                for inputs, labels in train_loader:
                    opt.zero_grad()
                    loss = loss_fn(net(inputs), labels)
                    loss.backward()
                    opt.step()
                net.eval()
                print(epoch, validation(net, valid_loader, loss_fn))
                net.train()
            """,
            title="eval(), a validation helper that returns a loss it never backpropagates, then train()",
        ),
        Valid(
            """
            import torch
            import torchvision
            from torch import nn

            def draw(generator, noise):
                images = generator(noise)
                return images.clamp(-1, 1)

            generator = nn.Sequential(nn.Linear(64, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
            critic = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
            g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4)
            noise = torch.randn(36, 64)
            for epoch in range(50):
                generator.train()
                for real, _ in loader:
                    g_opt.zero_grad()
                    g_loss = -critic(generator(torch.randn(real.size(0), 64))).mean()
                    g_loss.backward()
                    g_opt.step()
                generator.eval()
                grid = draw(generator, noise)
                torchvision.utils.save_image(grid.view(-1, 1, 28, 28), f"epoch_{epoch}.png")
            """,
            title="samples drawn at the end of an epoch whose next iteration starts with train()",
        ),
        Valid(
            """
            import torch
            from torch.utils.data import DataLoader

            model = SentenceVAE(vocab_size=10000, embedding_dropout=0.5)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            for epoch in range(10):
                for split in ("train", "valid"):
                    loader = DataLoader(datasets[split], batch_size=32, shuffle=split == "train")
                    if split == "train":
                        model.train()
                    else:
                        model.eval()
                    for batch in loader:
                        loss = model(batch["input"]).mean()
                        if split == "train":
                            opt.zero_grad()
                            loss.backward()
                            opt.step()
            """,
            title="the phase decides the mode: `if split == 'train': train() else: eval()`",
        ),
        Valid(
            files={
                "evaluation.py": """
                    def run_validation(model, batches, criterion):
                        losses = [criterion(model(x), y).item() for x, y in batches]
                        return sum(losses) / len(losses)
                    """,
                "train.py": """
                    import torch
                    from torch import nn
                    from evaluation import run_validation

                    class Tagger(nn.Module):
                        def __init__(self):
                            super().__init__()
                            self.rnn = nn.GRU(50, 100, batch_first=True)
                            self.drop = nn.Dropout(0.4)
                            self.out = nn.Linear(100, 9)

                        def forward(self, x):
                            return self.out(self.drop(self.rnn(x)[0]))

                    tagger = Tagger()
                    criterion = nn.CrossEntropyLoss()
                    optimizer = torch.optim.Adam(tagger.parameters())
                    for epoch in range(8):
                        for x, y in train_batches:
                            optimizer.zero_grad()
                            criterion(tagger(x).flatten(0, 1), y.flatten()).backward()
                            optimizer.step()
                        tagger.eval()
                        score = run_validation(tagger, dev_batches, criterion)
                        tagger.train()
                    """,
            },
            title="eval() and train() around a validation helper of another file",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class RetrievalModel:
                def __init__(self, lr):
                    self.image_encoder = nn.Sequential(nn.Linear(2048, 512), nn.BatchNorm1d(512))
                    self.text_encoder = nn.Sequential(nn.EmbeddingBag(20000, 512), nn.Dropout(0.1))
                    params = list(self.image_encoder.parameters()) + list(self.text_encoder.parameters())
                    self.optimizer = torch.optim.Adam(params, lr=lr)

                def train_mode(self):
                    self.image_encoder.train()
                    self.text_encoder.train()

                def eval_mode(self):
                    self.image_encoder.eval()
                    self.text_encoder.eval()

                def embed(self, images, captions):
                    return self.image_encoder(images), self.text_encoder(captions)

                def train_step(self, images, captions):
                    image_emb, text_emb = self.embed(images, captions)
                    loss = nn.functional.cross_entropy(image_emb @ text_emb.T, torch.arange(len(images)))
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()

            def recall(model, loader):
                model.eval_mode()
                with torch.no_grad():
                    return [model.embed(images, captions) for images, captions in loader]

            model = RetrievalModel(2e-4)
            for epoch in range(30):
                model.train_mode()
                for images, captions in train_loader:
                    model.train_step(images, captions)
                print(recall(model, val_loader))
            """,
            title="a wrapper object's own train_mode()/eval_mode() around its train_step()",
        ),
    ]


    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            net = nn.Sequential(nn.Linear(64, 128), nn.Dropout(0.3), nn.Linear(128, 4))
            with_decay = {"params": net[0].parameters(), "weight_decay": 1e-4}
            without_decay = {"params": net[2].parameters(), "weight_decay": 0.0}
            optimizer = torch.optim.AdamW([with_decay, without_decay], lr=3e-4)
            for epoch in range(20):
                for features, target in train_loader:
                    loss = nn.functional.cross_entropy(net(features), target)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                net.eval()
                print(epoch, sum(net(x).argmax(1).eq(y).sum().item() for x, y in val_loader))
            """,
            "14:5",
            title="parameter groups bound to names: the optimizer trains the model",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.Flatten(), nn.Dropout(0.5), nn.LazyLinear(10))
            optimizer = torch.optim.Adadelta(model.parameters())
            model.train()
            for epoch in range(15):
                for data, target in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(data), target).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader)
                print(epoch, correct)
            """,
            "12:5",
            title="model.train() only once, before the epoch loop",
            fix="""
            import torch
            from torch import nn

            model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.Flatten(), nn.Dropout(0.5), nn.LazyLinear(10))
            optimizer = torch.optim.Adadelta(model.parameters())
            model.train()
            for epoch in range(15):
                model.train()
                for data, target in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(data), target).backward()
                    optimizer.step()
                model.eval()
                with torch.no_grad():
                    correct = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader)
                print(epoch, correct)
            """,
        ),
        Invalid(
            """
            import torch
            from torch import nn

            def evaluate(model, batches):
                model.eval()
                with torch.no_grad():
                    return sum((model(t).argmax(-1) == y).float().mean().item() for t, y in batches)

            model = nn.LSTM(100, 200, num_layers=2, dropout=0.33)
            model.train()
            for epoch in range(20):
                for tokens, tags in train_batches:
                    opt.zero_grad()
                    loss_fn(model(tokens)[0], tags).backward()
                    opt.step()
                acc = evaluate(model, dev_batches)
            """,
            "16:11",
            title="an evaluate() helper called in the loop",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.TransformerEncoder(nn.TransformerEncoderLayer(256, 4), 4)
            model.train()
            step = 0
            while step < 20000:
                for ids, y in train_loader:
                    optimizer.zero_grad()
                    criterion(model(ids).mean(0), y).backward()
                    optimizer.step()
                    step += 1
                    if step % 500 == 0:
                        model.train(False)
                        with torch.no_grad():
                            print(model(val_ids).shape)
            """,
            "14:13",
            title="periodic evaluation inside the step loop, with `train(False)`",
        ),
        Invalid(
            """
            import torch
            from torchvision import models

            def train_step(model, images, labels, optimizer):
                loss = torch.nn.functional.cross_entropy(model(images), labels)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                return loss.item()

            def validate(model, loader):
                model.eval()
                with torch.no_grad():
                    return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

            model = models.resnet18(num_classes=10)
            model.train()
            for epoch in range(30):
                for images, labels in train_loader:
                    train_step(model, images, labels, optimizer)
                print(validate(model, val_loader))
            """,
            "21:11",
            title="the training step in a helper, the eval in another",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Trainer:
                def __init__(self, model, optimizer):
                    self.model = model
                    self.optimizer = optimizer

                def train_step(self, x, y):
                    self.optimizer.zero_grad()
                    nn.functional.mse_loss(self.model(x), y).backward()
                    self.optimizer.step()

                def validate(self, loader):
                    self.model.eval()
                    with torch.no_grad():
                        return [self.model(x) for x, _ in loader]

                def fit(self, train_loader, val_loader, epochs):
                    self.model.train()
                    for epoch in range(epochs):
                        for x, y in train_loader:
                            self.train_step(x, y)
                        self.validate(val_loader)
            """,
            "24:13",
            title="a trainer class: `self.validate()` switches `self.model` to eval",
        ),
        Invalid(
            """
            import torch
            from torch import nn
            from torch.nn.parallel import DistributedDataParallel as DDP

            model = DDP(nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2)).cuda())
            model.train()
            for epoch in range(10):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                model.module.eval()
            """,
            "12:5",
            title="`model.module.eval()` on a DDP wrapper",
        ),
        Invalid(
            files={
                "models.py": """
                    from torch import nn

                    class Net(nn.Module):
                        def __init__(self):
                            super().__init__()
                            self.fc1 = nn.Linear(784, 256)
                            self.drop = nn.Dropout(0.5)
                            self.fc2 = nn.Linear(256, 10)

                        def forward(self, x):
                            return self.fc2(self.drop(self.fc1(x).relu()))
                    """,
                "utils.py": """
                    import torch

                    def evaluate(model, loader):
                        model.eval()
                        with torch.no_grad():
                            return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
                    """,
                "train.py": """
                    import torch
                    from models import Net
                    from utils import evaluate

                    model = Net()
                    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
                    model.train()
                    for epoch in range(10):
                        for x, y in train_loader:
                            optimizer.zero_grad()
                            torch.nn.functional.cross_entropy(model(x), y).backward()
                            optimizer.step()
                        print(evaluate(model, val_loader))
                    """,
            },
            expect=("train.py:13:11",),
            title="the model class in models.py, the evaluate helper in utils.py",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class RetrievalModel:
                def __init__(self, lr):
                    self.image_encoder = nn.Sequential(nn.Linear(2048, 512), nn.BatchNorm1d(512))
                    self.text_encoder = nn.Sequential(nn.EmbeddingBag(20000, 512), nn.Dropout(0.1))
                    params = list(self.image_encoder.parameters()) + list(self.text_encoder.parameters())
                    self.optimizer = torch.optim.Adam(params, lr=lr)

                def train_mode(self):
                    self.image_encoder.train()
                    self.text_encoder.train()

                def val_start(self):
                    self.image_encoder.eval()
                    self.text_encoder.eval()

                def train_step(self, images, captions):
                    scores = self.image_encoder(images) @ self.text_encoder(captions).T
                    loss = nn.functional.cross_entropy(scores, torch.arange(len(images)))
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()

            model = RetrievalModel(2e-4)
            model.train_mode()
            for step, (images, captions) in enumerate(train_loader):
                model.train_step(images, captions)
                if step % 1000 == 0:
                    model.val_start()
                    with torch.no_grad():
                        for images, captions in val_loader:
                            print(model.image_encoder(images) @ model.text_encoder(captions).T)
            """,
            "31:9",
            title="a wrapper object's val_start() in the step loop, never undone",
        ),
        Invalid(
            files={
                "gan.py": """
                    import torch
                    from torch import nn

                    class GAN:
                        def __init__(self):
                            self.generator = nn.Sequential(nn.Linear(100, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 784))
                            self.discriminator = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
                            self.g_opt = torch.optim.Adam(self.generator.parameters(), lr=2e-4)

                        def set_eval(self):
                            self.generator.eval()

                        def generator_step(self, batch_size):
                            fake = self.generator(torch.randn(batch_size, 100))
                            loss = -self.discriminator(fake).mean()
                            self.g_opt.zero_grad()
                            loss.backward()
                            self.g_opt.step()
                    """,
                "train.py": """
                    import torch
                    from gan import GAN

                    gan = GAN()
                    for epoch in range(100):
                        for real, _ in loader:
                            gan.generator_step(real.size(0))
                        gan.set_eval()
                        with torch.no_grad():
                            samples = gan.generator(torch.randn(16, 100))
                    """,
            },
            expect=("train.py:8:5",),
            title="a GAN object of another file: its set_eval() at the end of an epoch, never undone",
        ),
    ]
