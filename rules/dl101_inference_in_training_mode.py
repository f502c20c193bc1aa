import ast
from typing import Optional, Set, Tuple

from dllint.diagnostics import Fix
from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.statement_edits import binds_name, insert_before


class InferenceInTrainingMode(Rule):
    """
    ## What it does
    Finds a model with dropout or batch norm that is used for inference or
    exported while still in training mode. No `.eval()` (or `.train(False)`)
    reaches the use since the model was created or last put into training
    mode.

    Inference is a forward call (`model(x)`, `model.forward(x)`, a model's
    own `generate`/`encode`/`sample`/`predict`/`embed`, or any method of a
    project model class that runs its layers) under
    `torch.no_grad()` / `torch.inference_mode()` (or in a function decorated
    with them); in a function that evaluates (named like `evaluate`,
    `validate`, `test`, `predict`, `infer`) or over validation or test data,
    in code that does not train; after loading a checkpoint in code that only
    predicts; and exporting with `torch.onnx.export`, `torch.jit.trace`,
    `torch.export.export`, or `torch.jit.script` whose result is saved.

    The mode is followed through helper functions and methods (in other files
    of the project too), plain objects that hold models and switch or run
    them in their own methods (`pair.val_start()`, `pair.embed(x)`), wrappers (`model.module`, DDP, `.to(device)`),
    context managers, loops and the callers of the function that does the
    inference. Lightning hooks (`validation_step`, ...) and Hugging Face
    models from `from_pretrained` (which returns them in eval mode) are
    understood.

    ## Why is this bad?
    In training mode dropout zeroes random activations and batch norm
    normalises with the statistics of the current batch (and updates its
    running averages with them). Validation scores come out noisy and too
    low, predictions change from run to run and with the batch composition,
    and an exported graph keeps the training behaviour for ever. Nothing
    crashes; the numbers are just wrong. `torch.no_grad()` does not help: it
    turns off gradients, not dropout.

    ## Known limits
    - A model whose layers dllint cannot see (a `torchvision` or `timm`
      factory, a Hugging Face model, a class defined out of reach) is assumed
      to have dropout or batch norm; a model built only from known layers
      without them (Linear, Conv, ReLU, LayerNorm, an LSTM without dropout
      ...) is never reported.
    - Whenever the model may have been switched by something dllint cannot
      follow (a library function or object it was handed to, a callback,
      `.train(flag)`), nothing is reported; so
      also when only some paths to the use leave it in training mode. A
      setting or a bare parameter read off the model
      (`num_classes=model.num_classes`, `x.mm(model.mix)`, where the model's
      class stores a number, a string or an `nn.Parameter` there) does not
      hand it over.
    - A function that uses a model it receives is judged through each of its
      callers in the linted files (the finding names the caller that passes
      a model in training mode with dropout or batch norm); with no caller
      it is not reported.
    - Deliberate training mode is left alone: an explicit `model.train()`
      followed by a no_grad pass with no training step in between
      (batch-norm recalibration, MC dropout), and a no_grad forward pass
      inside the loop that trains the model (GAN samples, RL rollouts,
      metrics of the current step) unless it runs on validation or test data.
    - A forward pass on synthetic input is a shape check, not inference:
      noise or constants (`torch.randn`, `torch.zeros`), tensors whose
      elements are written in the code (`torch.LongTensor([1, 2, 3])`), those
      moved, wrapped or indexed (also through a project helper such as
      `Variable(x.cuda())`), and what a model with no loaded weights computed
      from them. A loaded model fed a hand-written tensor is still reported.
    - `torch.onnx.export(..., dynamo=False)` (the TorchScript exporter
      switches to eval mode itself) and an explicit `training=` are not
      reported. Test files (`test_*.py`, `*_test.py`) are not checked.

    ## Fix safety
    The fix inserts `model.eval()` on its own line before the inference: before
    the `with torch.no_grad():` block or the evaluation loop that holds it
    (never outside a loop that trains, an `if` or the function). It is unsafe:
    when training goes on afterwards the model must be switched back
    (DL102 then reports it, and its fix inserts the `model.train()`).
    """

    code = "DL101"
    name = "inference-in-training-mode"
    message = (
        "`{model}` is used for inference {reason} but is still in training mode, so dropout and batch norm "
        "behave as in training; call `{model}.eval()` before this"
    )
    triggers = LazyPattern(
        r"no_grad|inference_mode|set_grad_enabled|onnx|jit|export|eval|val|test|tst|dev|hold|predict|infer|load_state_dict|load\("
    )

    def finish(self) -> None:
        modes = self.semantic.modes
        seen: Set[Tuple[int, object]] = set()
        uses = []
        for call, target in modes.forward_calls():
            reason = modes.inference_reason(call, target)
            if reason is not None:
                uses.append((call, target, reason))
        for call, target, qualname in modes.exports():
            uses.append((call, target, f"when exported with `{qualname}`"))
        uses.sort(key=lambda use: (use[0].lineno, use[0].col_offset))
        reported: Set[int] = set()
        for call, target, reason in uses:
            key = modes.key_of(target)
            if key is None or id(call) in reported:
                continue
            function = modes.body_of(call)
            if isinstance(key[0], ast.ClassDef):
                key = (key[0], ())  # the models an object's method runs: one finding for the object
            if (id(function), key) in seen:
                continue
            for caller, state in modes.mode_before_by_caller(call, target):
                if not state.surely_training or modes.switched_on_purpose(call, state):
                    continue
                if not (modes.caller_dependent(caller, call, target) if caller else modes.is_mode_dependent(target)):
                    continue
                seen.add((id(function), key))
                via = ""
                if caller is not None:
                    module, site = caller
                    where = "" if module is self.semantic else f" of {module.source.path}"
                    via = f" (called at line {site.lineno}{where})"
                name = self.source.segment(target)
                if isinstance(target, ast.Attribute) and not name.endswith(target.attr):
                    name = ast.unparse(target)  # a model a wrapper's method runs: `pair.img_enc`
                reported.add(id(call))
                fix = self._fix(call, target, name) if caller is None and name == self.source.segment(target) else None
                self.report(call, model=name, reason=reason + via, fix=fix)
                break

    def _fix(self, call: ast.AST, target: ast.AST, model: str) -> Optional[Fix]:
        """`model.eval()` inserted before the block that does the inference."""
        root = target
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name):
            return None  # `models[i]`, `make_model()`: no name to call .eval() on up there
        statement = self._inference_block(call)
        if statement is None or binds_name(statement, root.id):
            return None
        change = insert_before(self.source, statement, f"{model}.eval()")
        return Fix(f"Call `{model}.eval()` before the inference", (change,), safe=False) if change else None

    def _inference_block(self, node: ast.AST) -> Optional[ast.stmt]:
        """The statement holding `node`, widened to the `with` blocks and the
        loops that do not train around it."""
        parent = self.semantic.parent
        current: Optional[ast.AST] = node
        while current is not None and not isinstance(current, ast.stmt):
            current = parent(current)
        if current is None:
            return None
        while True:
            outer = parent(current)
            if isinstance(outer, (ast.With, ast.AsyncWith)) or (
                isinstance(outer, (ast.For, ast.AsyncFor, ast.While))
                and current in outer.body
                and self.semantic.modes.trains(outer) == (False, False)
            ):
                current = outer
                continue
            return current

    VALID = [
        Valid(
            """
            import torch
            from torch import nn

            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.3))
                    self.head = nn.Linear(64, 10)

                def forward(self, x):
                    return self.head(self.body(x))

            def train_epoch(model, loader, optimizer):
                model.train()
                for x, y in loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()

            @torch.no_grad()
            def validate(model, loader):
                model.eval()
                return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

            model = Classifier()
            optimizer = torch.optim.Adam(model.parameters())
            for epoch in range(10):
                train_epoch(model, train_loader, optimizer)
                print(validate(model, val_loader))
            """,
            title="validate() switches to eval mode itself",
        ),
        Valid(
            """
            import torch
            from torch import nn

            def prepare(network):
                network.to("cuda")
                network.eval()
                return network

            model = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2))
            model.load_state_dict(torch.load("weights.pt"))
            prepare(model)
            with torch.no_grad():
                print(model(batch))
            """,
            title="eval() in a helper function",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model = model.to("cuda").eval()
            with torch.inference_mode():
                print(model(batch))
            """,
            title="eval() chained after .to(device)",
        ),
        Valid(
            """
            import contextlib
            import torch
            from torch import nn

            @contextlib.contextmanager
            def evaluating(network):
                was_training = network.training
                network.eval()
                try:
                    yield network
                finally:
                    network.train(was_training)

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            with evaluating(model), torch.no_grad():
                print(model(batch))
            """,
            title="eval() in a context manager",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Trainer:
                def __init__(self, model, optimizer):
                    self.model = model
                    self.optimizer = optimizer

                def train_epoch(self, loader):
                    self.model.train()
                    for x, y in loader:
                        self.optimizer.zero_grad()
                        nn.functional.mse_loss(self.model(x), y).backward()
                        self.optimizer.step()

                @torch.no_grad()
                def validate(self, loader):
                    self.model.eval()
                    return [self.model(x) for x, _ in loader]

                def fit(self, train_loader, val_loader):
                    for epoch in range(5):
                        self.train_epoch(train_loader)
                        self.validate(val_loader)
            """,
            title="`self.model.eval()` in a trainer class",
        ),
        Valid(
            """
            import torch
            from torch import nn
            from torch.nn.parallel import DistributedDataParallel as DDP

            net = DDP(nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.Linear(8, 2)).cuda())
            net.module.eval()
            with torch.no_grad():
                print(net(batch))
            """,
            title="`net.module.eval()` on a DDP wrapper",
        ),
        Valid(
            files={
                "models.py": """
                    import torch
                    from torch import nn

                    class DefectNet(nn.Module):
                        def __init__(self):
                            super().__init__()
                            self.features = nn.Sequential(nn.Conv2d(1, 16, 3), nn.BatchNorm2d(16), nn.ReLU())
                            self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.LazyLinear(3))

                        def forward(self, x):
                            return self.classifier(self.features(x))

                    def load_for_inference(path):
                        net = DefectNet()
                        net.load_state_dict(torch.load(path))
                        net.eval()
                        return net
                    """,
                "predict.py": """
                    import torch
                    from models import load_for_inference

                    model = load_for_inference("defects.pt")
                    with torch.inference_mode():
                        print(model(images).argmax(1))
                    """,
            },
            title="eval() in a loader defined in another file",
        ),
        Valid(
            files={
                "utils.py": """
                    import torch

                    def evaluate(model, loader):
                        with torch.no_grad():
                            return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
                    """,
                "train.py": """
                    import torch
                    from torch import nn
                    from utils import evaluate

                    model = nn.Sequential(nn.Linear(20, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 2))
                    for epoch in range(25):
                        model.train()
                        for xb, yb in train_loader:
                            optimizer.zero_grad()
                            nn.functional.cross_entropy(model(xb), yb).backward()
                            optimizer.step()
                        model.eval()
                        print(evaluate(model, val_loader))
                    """,
            },
            title="eval() in the caller, before the evaluate helper of another file",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.train(False)
            with torch.no_grad():
                print(model(batch))
            """,
            title="`model.train(False)`",
        ),
        Valid(
            """
            import torch
            from torch import nn

            def run(model, loader, is_training):
                model.train(mode=is_training)
                with torch.set_grad_enabled(is_training):
                    for x, y in loader:
                        yield model(x)

            def score(model, loader):
                with torch.no_grad():
                    return [model(x) for x, _ in loader]

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            list(run(model, val_loader, is_training=False))
            score(model, val_loader)
            """,
            title="`model.train(mode=flag)` with a flag that can be false",
        ),
        Valid(
            """
            import lightning as L
            import torch
            from torch import nn

            class LitClassifier(L.LightningModule):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))

                def training_step(self, batch, batch_idx):
                    x, y = batch
                    return nn.functional.cross_entropy(self.net(x), y)

                def validation_step(self, batch, batch_idx):
                    x, y = batch
                    self.log("val_loss", nn.functional.cross_entropy(self.net(x), y))

                def configure_optimizers(self):
                    return torch.optim.Adam(self.parameters())

            model = LitClassifier()
            trainer = L.Trainer(max_epochs=5)
            trainer.fit(model, train_loader, val_loader)
            trainer.validate(model, val_loader)
            predictions = trainer.predict(model, test_loader)
            """,
            title="Lightning switches modes around its hooks",
        ),
        Valid(
            """
            import torch
            from transformers import AutoModelForSequenceClassification, Trainer, pipeline

            model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
            trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=val_ds)
            trainer.train()
            print(trainer.evaluate())
            classifier = pipeline("text-classification", model=model, tokenizer=tokenizer)
            with torch.no_grad():
                print(model(**encoded).logits)
            """,
            title="Hugging Face Trainer and pipeline switch modes themselves",
        ),
        Valid(
            """
            import torch
            from transformers import AutoModelForSequenceClassification

            model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
            with torch.no_grad():
                print(model(**inputs).logits.argmax(-1))
            """,
            title="`from_pretrained` returns the model in eval mode",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class HeatSurrogate(nn.Module):
                def __init__(self, width=64, depth=3):
                    super().__init__()
                    layers = [nn.Linear(2, width), nn.Tanh()]
                    for _ in range(depth - 1):
                        layers += [nn.Linear(width, width), nn.Tanh()]
                    layers.append(nn.Linear(width, 1))
                    self.net = nn.Sequential(*layers)
                    self.rnn = nn.LSTM(width, width, batch_first=True)
                    self.norm = nn.LayerNorm(width)

                def forward(self, xt):
                    return self.net(xt)

            surrogate = HeatSurrogate()
            with torch.no_grad():
                print(surrogate(points))
            """,
            title="a model with no dropout or batch norm behaves the same in both modes",
        ),
        Valid(
            """
            import copy
            import torch

            def train(model, ema, loader, optimizer, decay=0.999):
                model.train()
                for x, y in loader:
                    optimizer.zero_grad()
                    torch.nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
                    with torch.no_grad():
                        for e, p in zip(ema.parameters(), model.parameters()):
                            e.mul_(decay).add_(p, alpha=1 - decay)

            model = timm.create_model("resnet50", num_classes=10)
            ema = copy.deepcopy(model).eval()
            train(model, ema, train_loader, optimizer)
            with torch.no_grad():
                print(ema(images))
            """,
            title="an EMA copy put into eval mode when it is made",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Encoder(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.backbone = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
                    self.proj = nn.Linear(8, 4)

                def forward(self, x):
                    with torch.no_grad():
                        features = self.backbone(x).mean((2, 3))
                    return self.proj(features)
            """,
            title="a model running its own submodules (library model code)",
        ),
        Valid(
            """
            import torch
            import torchvision

            netG = Generator().cuda()
            fixed_noise = torch.randn(64, 100, 1, 1)
            for epoch in range(25):
                for real, _ in loader:
                    optimizer_g.zero_grad()
                    loss_g = criterion(netD(netG(torch.randn(64, 100, 1, 1))), ones)
                    loss_g.backward()
                    optimizer_g.step()
                    with torch.no_grad():
                        samples = netG(fixed_noise)
                    torchvision.utils.save_image(samples, "samples.png")
            """,
            title="samples drawn inside the loop that trains the model (monitoring, not inference)",
        ),
        Valid(
            """
            import torch

            def predict(model, images):
                with torch.no_grad():
                    return model(images).softmax(-1)
            """,
            title="a helper with no caller in the linted files",
        ),
        Valid(
            """
            import torch

            model = torch.load("full_model.pt", map_location="cpu", weights_only=False)
            model.eval()
            with torch.no_grad():
                print(model(batch))
            """,
            title="a pickled model put into eval mode after loading",
        ),
        Valid(
            """
            import torch
            from torch import nn

            checkpoint = torch.load("last.ckpt", map_location="cpu")
            net = nn.Sequential(nn.Linear(16, 32), nn.Dropout(0.1), nn.Linear(32, 4))
            net.load_state_dict(checkpoint["model"])
            net.train(False)
            with torch.no_grad():
                for x, _ in test_loader:
                    print(net(x).argmax(1))
            """,
            title="a checkpoint dictionary from `torch.load` is not a model; `train(False)` is eval()",
        ),
        Valid(
            """
            import torch

            def save():
                net = torch.nn.Sequential(torch.nn.Linear(1, 10), torch.nn.ReLU(), torch.nn.Linear(10, 1))
                optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
                for _ in range(100):
                    optimizer.zero_grad()
                    torch.nn.functional.mse_loss(net(x), y).backward()
                    optimizer.step()
                torch.save(net, "net.pkl")

            def restore():
                net = torch.load("net.pkl")
                return net(x)
            """,
            title="the pickled model saved in this file has no dropout or batch norm",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Translator(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn.GRU(64, 128, batch_first=True)
                    self.dropout = nn.Dropout(0.3)
                    self.decoder = nn.Linear(128, 5000)

                def forward(self, src):
                    return self.decoder(self.dropout(self.encoder(src)[0]))

                @torch.no_grad()
                def translate(self, src):
                    self.eval()
                    return self.forward(src).argmax(-1)

                def count_parameters(self):
                    return sum(p.numel() for p in self.parameters())

            model = Translator()
            model.load_state_dict(torch.load("translator.pt"))
            print(model.count_parameters())
            with torch.no_grad():
                for src, _ in test_loader:
                    print(model.translate(src))
            """,
            title="a model method that switches to eval mode itself, and one that runs no layer",
        ),
        Valid(
            """
            import torch
            from torch import nn

            @torch.no_grad()
            def accuracy(net, loader):
                return sum((net(x).argmax(1) == y).float().sum().item() for x, y in loader) / len(loader.dataset)

            linear = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
            mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.Dropout(0.5), nn.ReLU(), nn.Linear(256, 10))
            for epoch in range(5):
                fit_one_epoch(linear, train_loader)
                print("linear", accuracy(linear, test_loader))
            fit_one_epoch(mlp, train_loader)
            mlp.eval()
            print("mlp", accuracy(mlp, test_loader))
            """,
            title="one helper, two callers: the dropout-free model, and the dropout model after eval()",
        ),
        Valid(
            files={
                "model.py": """
                    from torch import nn

                    class Upscaler(nn.Module):
                        def __init__(self, factor):
                            super().__init__()
                            self.conv = nn.Conv2d(1, factor ** 2, 3, padding=1)
                            self.shuffle = nn.PixelShuffle(factor)

                        def forward(self, x):
                            return self.shuffle(self.conv(x).relu())
                    """,
                "upscale.py": """
                    import sys
                    import torch
                    from model import Upscaler

                    with torch.serialization.safe_globals([Upscaler]):
                        model = torch.load(sys.argv[1])
                    print(model(read_image(sys.argv[2])).shape)
                    """,
            },
            title="a pickled model whose only possible class (imported for unpickling) is mode-free",
        ),
        Valid(
            """
            import torch
            from torchvision.models import resnet50
            from some_toolkit import restore_checkpoint

            model = resnet50()
            restore_checkpoint(model, "last.ckpt")
            with torch.no_grad():
                print(model(batch))
            """,
            title="a model handed to a function dllint cannot see",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            scripted = torch.jit.script(model)
            for x, y in loader:
                optimizer.zero_grad()
                nn.functional.mse_loss(scripted(x), y).backward()
                optimizer.step()
            """,
            title="`torch.jit.script` to speed up training is not an export",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
            model.load_state_dict(torch.load("pruned.pt"))
            model.train()  # re-estimate batch-norm statistics after pruning
            with torch.no_grad():
                for images, _ in calibration_loader:
                    model(images)
            model.eval()
            """,
            title="an explicit train() right before a no_grad pass: batch-norm recalibration",
        ),
        Valid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(40, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 12))
            torch.onnx.export(model, torch.randn(1, 40), "kws.onnx", dynamo=False)
            """,
            title="the TorchScript ONNX exporter (`dynamo=False`) exports in eval mode itself",
        ),
        Valid(
            """
            import torch
            from torch import nn

            def count_flops(model):
                dummy = torch.randn(1, 3, 224, 224)
                with torch.no_grad():
                    model(dummy)

            model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
            count_flops(model)
            """,
            title="a forward pass on random input checks shapes or cost, it is not inference",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Encoder(nn.Module):
                def __init__(self):
                    super().__init__()
                    layer = nn.TransformerEncoderLayer(64, 4, 256, dropout=0.0, batch_first=True)
                    self.encoder = nn.TransformerEncoder(layer, 2)
                    self.head = nn.Linear(64, 3)

                def forward(self, x):
                    return self.head(self.encoder(x).mean(1))

            model = Encoder()
            with torch.no_grad():
                print(model(batch))
            """,
            title="a transformer built with `dropout=0.0`",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn

            class SelfAttention(nn.Module):
                def __init__(self, width, dropout):
                    super().__init__()
                    self.qkv = nn.Linear(width, 3 * width)
                    self.drop = nn.Dropout(dropout)

                def forward(self, x):
                    q, k, v = self.qkv(x).chunk(3, dim=-1)
                    weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
                    return self.drop(weights) @ v

            attention = SelfAttention(16, 0.0)
            with torch.no_grad():
                print(attention(torch.load("tokens.pt")))
            """,
            title="the construction sets the dropout rate to 0, so the model behaves the same in both modes",
        ),
        Valid(
            files={
                "nets.py": """
                    import torch
                    from torch import nn
                    from torch.autograd import Variable

                    def on_device(t):
                        return Variable(t.cuda()) if torch.cuda.is_available() else Variable(t)

                    class Tagger(nn.Module):
                        def __init__(self, vocab, width, tags):
                            super().__init__()
                            self.embed = nn.Embedding(vocab, width)
                            self.rnn = nn.GRU(width, width, batch_first=True)
                            self.drop = nn.Dropout(0.3)
                            self.out = nn.Linear(width, tags)

                        def initial_state(self):
                            return on_device(torch.zeros(1, 1, self.rnn.hidden_size))

                        def forward(self, tokens, state):
                            features, state = self.rnn(self.embed(tokens), state)
                            return self.out(self.drop(features)), state
                """,
                "check_shapes.py": """
                    import torch
                    from nets import Tagger, on_device

                    def test_sizes():
                        tagger = Tagger(20, 8, 5)
                        state = tagger.initial_state()
                        sentence = on_device(torch.LongTensor([[4, 7, 1, 9]]))
                        for step in range(3):
                            scores, state = tagger(sentence[:, : step + 1], state)
                            print(scores.shape, state.shape)
                """,
            },
            title="a freshly built model run on tensors written in the code (and its own outputs) is a shape check",
        ),
        Valid(
            """
            import torch
            from torch import nn
            import torch.nn.functional as F


            class Critic(nn.Module):
                def __init__(self, state_size, action_size):
                    super().__init__()
                    self.hidden = nn.Linear(state_size + action_size, 64)
                    self.value = nn.Linear(64, 1)

                def forward(self, state, action):
                    return self.value(F.relu(self.hidden(torch.cat([state, action], dim=1))))


            class Actor(nn.Module):
                def __init__(self, state_size, action_size):
                    super().__init__()
                    self.hidden = nn.Linear(state_size, 64)
                    self.out = nn.Linear(64, action_size)
                    self.optimizer = torch.optim.Adam(self.parameters(), lr=3e-4)

                def forward(self, state):
                    return torch.tanh(self.out(F.relu(self.hidden(state))))

                def learn(self, critic, states):
                    loss = -critic(states, self(states)).mean()
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()


            def bootstrap_target(actor, critic, rewards, next_states):
                with torch.no_grad():
                    return rewards + 0.99 * critic(next_states, actor(next_states))


            actor, critic = Actor(3, 1), Critic(3, 1)
            critic_optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
            for states, actions, rewards, next_states in replay_batches():
                target = bootstrap_target(actor, critic, rewards, next_states)
                critic_loss = F.mse_loss(critic(states, actions), target)
                critic_optimizer.zero_grad()
                critic_loss.backward()
                critic_optimizer.step()
                actor.learn(critic, states)
            """,
            title="an actor of linear layers, whose training method calls the critic it is given, has no mode to switch",
        ),
        Valid(
            """
            import torch
            from torch import nn
            from torch.distributions import Categorical


            class MultiHeadPolicy(nn.Module):
                def __init__(self, obs_size, action_sizes):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(obs_size, 64), nn.Tanh())
                    self.heads = nn.ModuleList([nn.Linear(64, n) for n in action_sizes])

                def sample(self, obs):
                    features = self.body(obs)
                    dists = [Categorical(logits=head(features)) for head in self.heads]
                    return torch.stack([d.sample() for d in dists], dim=1)


            policy = MultiHeadPolicy(8, [3, 2])
            obs = env.reset()
            for step in range(1000):
                with torch.no_grad():
                    action = policy.sample(torch.as_tensor(obs))
                obs, reward, done, info = env.step(action.numpy())
            """,
            title="a sampling method that calls the policy's own linear heads in a loop has no mode to switch",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F
            from torch import nn


            class GraphNet(nn.Module):
                def __init__(self, n_in, n_classes):
                    super().__init__()
                    self.hidden = nn.Linear(n_in, 128)
                    self.out = nn.Linear(128, n_classes)

                def forward(self, x, drop):
                    h = torch.relu(self.hidden(x))
                    h = nn.Dropout(drop)(h)
                    return self.out(h)


            net = GraphNet(16, 4)
            optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
            for x, y in batches():
                loss = F.cross_entropy(net(x, 0.5), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                scores = net(test_x, 0.0)
            """,
            title="`nn.Dropout(p)(x)` built inside forward is no submodule: eval() cannot reach it, the rate passed in decides",
        ),
        Valid(
            """
            import torch
            from torch import nn


            class Classifier(nn.Module):
                def __init__(self, n_in, n_classes):
                    super().__init__()
                    self.layers = nn.Sequential(nn.Linear(n_in, 64), nn.ReLU(), nn.Linear(64, n_classes))

                def forward(self, x):
                    return self.layers(x)

                def loss(self, scores, labels):
                    return nn.CrossEntropyLoss()(scores, labels)


            model = Classifier(16, 4)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in batches():
                loss = model.loss(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            with torch.no_grad():
                scores = model(test_x)
            """,
            title="a loss module built in a method of the model behaves the same in both modes",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.3))
                    self.head = nn.Linear(64, 10)

                def forward(self, x):
                    return self.head(self.body(x))

            def train_epoch(model, loader, optimizer):
                model.train()
                for x, y in loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()

            @torch.no_grad()
            def validate(model, loader):
                return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

            model = Classifier()
            optimizer = torch.optim.Adam(model.parameters())
            for epoch in range(10):
                train_epoch(model, train_loader, optimizer)
                print(validate(model, val_loader))
            """,
            "22:17",
            title="validate() runs the model as train_epoch() left it",
            fix="""
            import torch
            from torch import nn

            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Dropout(0.3))
                    self.head = nn.Linear(64, 10)

                def forward(self, x):
                    return self.head(self.body(x))

            def train_epoch(model, loader, optimizer):
                model.train()
                for x, y in loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()

            @torch.no_grad()
            def validate(model, loader):
                model.eval()
                return sum((model(x).argmax(1) == y).sum().item() for x, y in loader)

            model = Classifier()
            optimizer = torch.optim.Adam(model.parameters())
            for epoch in range(10):
                train_epoch(model, train_loader, optimizer)
                print(validate(model, val_loader))
            """,
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class SelfAttention(nn.Module):
                def __init__(self, width, dropout):
                    super().__init__()
                    self.qkv = nn.Linear(width, 3 * width)
                    self.drop = nn.Dropout(dropout)

                def forward(self, x):
                    q, k, v = self.qkv(x).chunk(3, dim=-1)
                    weights = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
                    return self.drop(weights) @ v

            attention = SelfAttention(16, 0.1)
            with torch.no_grad():
                print(attention(torch.load("tokens.pt")))
            """,
            "17:11",
            title="the same class built with a real dropout rate",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            with torch.inference_mode():
                print(model.forward(batch))
            """,
            "6:11",
            title="`model.forward(x)` under inference_mode",
            fix="""
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            model.eval()
            with torch.inference_mode():
                print(model.forward(batch))
            """,
        ),
        Invalid(
            """
            import torch
            from torch import nn

            def evaluate(model, loader):
                correct = 0
                for x, y in loader:
                    correct += (model(x).argmax(1) == y).sum().item()
                return correct

            model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.Flatten(), nn.LazyLinear(10))
            model.train()
            for x, y in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            print(evaluate(model, test_loader))
            """,
            "7:21",
            title="a function named like an evaluation, without no_grad",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(8, 8), nn.Dropout(0.2), nn.Linear(8, 2))
            for epoch in range(10):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()
            correct = 0
            for x, y in val_loader:
                correct += (model(x).argmax(1) == y).sum().item()
            """,
            "12:17",
            title="a loop over validation data after training",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class TextCNN(nn.Module):
                def __init__(self, vocab_size):
                    super().__init__()
                    self.embedding = nn.Embedding(vocab_size, 128)
                    self.conv = nn.Conv1d(128, 100, 3)
                    self.dropout = nn.Dropout(0.5)
                    self.out = nn.Linear(100, 4)

                def forward(self, tokens):
                    h = self.conv(self.embedding(tokens).transpose(1, 2)).max(dim=2).values
                    return self.out(self.dropout(h))

            state = torch.load("textcnn.pt")
            model = TextCNN(len(state["vocab"]))
            model.load_state_dict(state["model"])
            labels = model(encode(texts)).argmax(-1)
            """,
            "19:10",
            title="a script that loads a checkpoint and predicts",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Tagger(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.embed = nn.Embedding(20, 8)
                    self.drop = nn.Dropout(0.3)
                    self.out = nn.Linear(8, 5)

                def forward(self, tokens):
                    return self.out(self.drop(self.embed(tokens)))

            def test():
                tagger = Tagger()
                tagger.load_state_dict(torch.load("tagger.pt"))
                print(tagger(torch.LongTensor([4, 7, 1])).argmax(-1))
            """,
            "17:11",
            title="a hand-written sentence fed to a loaded model is a prediction, not a shape check",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            model = nn.Sequential(nn.Linear(40, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, 12))
            model.train()
            for feats, labels in loader:
                opt.zero_grad()
                loss_fn(model(feats), labels).backward()
                opt.step()
            torch.onnx.export(model, torch.randn(1, 40), "kws.onnx")
            """,
            "10:1",
            title="`torch.onnx.export` right after training",
        ),
        Invalid(
            """
            import torch
            from torchvision import models

            net = models.resnet18(weights=models.ResNet18_Weights.DEFAULT)
            traced = torch.jit.trace(net, torch.rand(1, 3, 224, 224))
            traced.save("resnet18.pt")
            """,
            "5:10",
            title="`torch.jit.trace` of a torchvision model (layers unknown: assumed batch norm)",
        ),
        Invalid(
            """
            import torch
            import timm

            model = timm.create_model("vit_small_patch16_224", pretrained=True)
            program = torch.export.export(model, (torch.randn(1, 3, 224, 224),))
            torch.jit.script(model).save("vit.pt")
            """,
            "5:11",
            title="`torch.export.export` and a saved `torch.jit.script`",
        ),
        Invalid(
            """
            import torch
            from torch.optim import AdamW
            from transformers import AutoModelForSequenceClassification

            model = AutoModelForSequenceClassification.from_pretrained("bert-base-uncased", num_labels=2)
            optimizer = AdamW(model.parameters(), lr=2e-5)
            for epoch in range(3):
                model.train()
                for batch in train_dataloader:
                    model(**batch).loss.backward()
                    optimizer.step()
                    optimizer.zero_grad()
                for batch in eval_dataloader:
                    with torch.no_grad():
                        logits = model(**batch).logits
            """,
            "15:22",
            title="a Hugging Face model put back into training mode, then evaluated",
        ),
        Invalid(
            """
            import torch
            from torchvision import models

            backbone = models.resnet50(weights=models.ResNet50_Weights.DEFAULT)
            backbone.fc = torch.nn.Identity()
            backbone.requires_grad_(False)
            with torch.no_grad():
                features = torch.cat([backbone(images) for images, _ in loader])
            """,
            "8:27",
            title="`requires_grad_(False)` freezes the weights but is not eval()",
        ),
        Invalid(
            """
            import torch
            from torch import nn
            import torch.nn.functional as F

            class Tagger(nn.Module):
                def __init__(self, vocab, n_tags):
                    super().__init__()
                    self.emb = nn.Embedding(vocab, 100)
                    self.lstm = nn.LSTM(100, 200, num_layers=2, dropout=0.33)
                    self.out = nn.Linear(200, n_tags)

                def forward(self, tokens):
                    return self.out(self.lstm(self.emb(tokens))[0])

            class Scorer(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(16, 1)

                def forward(self, x):
                    return self.fc(F.dropout(x, 0.1, training=self.training))

            tagger, scorer = Tagger(5000, 18), Scorer()
            with torch.no_grad():
                print(tagger(tokens), scorer(features))
            """,
            "25:11",
            "25:27",
            title="LSTM dropout and `F.dropout(training=self.training)` depend on the mode",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Trainer:
                def __init__(self, model, optimizer):
                    self.model = model
                    self.optimizer = optimizer

                def train_epoch(self, loader):
                    self.model.train()
                    for x, y in loader:
                        self.optimizer.zero_grad()
                        nn.functional.mse_loss(self.model(x), y).backward()
                        self.optimizer.step()

                @torch.no_grad()
                def validate(self, loader):
                    return [self.model(x) for x, _ in loader]

                def fit(self, train_loader, val_loader):
                    for epoch in range(5):
                        self.train_epoch(train_loader)
                        self.validate(val_loader)
            """,
            "18:17",
            title="`self.model` of a trainer class, validated in training mode",
        ),
        Invalid(
            files={
                "models.py": """
                    from torch import nn

                    class ChurnNet(nn.Module):
                        def __init__(self, n_features):
                            super().__init__()
                            self.body = nn.Sequential(nn.Linear(n_features, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.4))
                            self.head = nn.Linear(64, 2)

                        def forward(self, x):
                            return self.head(self.body(x))
                    """,
                "utils.py": """
                    import torch

                    def evaluate(model, loader):
                        hits = 0
                        with torch.no_grad():
                            for xb, yb in loader:
                                hits += (model(xb).argmax(1) == yb).sum().item()
                        return hits
                    """,
                "train.py": """
                    import torch
                    from models import ChurnNet
                    from utils import evaluate

                    model = ChurnNet(20)
                    optimizer = torch.optim.Adam(model.parameters())
                    model.train()
                    for epoch in range(25):
                        for xb, yb in train_loader:
                            optimizer.zero_grad()
                            torch.nn.functional.cross_entropy(model(xb), yb).backward()
                            optimizer.step()
                    print(evaluate(model, test_loader))
                    """,
            },
            expect=("utils.py:7:22",),
            title="the model class in models.py, the evaluate helper in utils.py",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 256, batch_first=True), 2)
                    self.head = nn.Linear(64, 3)

                def forward(self, x):
                    return self.head(self.encoder(x).mean(1))

            def load_model(path):
                model = Classifier()
                model.load_state_dict(torch.load(path, map_location="cpu"))
                return model

            def main():
                model = load_model("classifier.pt")
                for batch in batches:
                    print(model(batch).argmax(-1).tolist())
            """,
            "21:15",
            title="a prediction script: weights loaded by a helper, no eval()",
        ),
        Invalid(
            """
            import argparse
            import torch
            from torch import nn

            parser = argparse.ArgumentParser()
            parser.add_argument("--model", default="gru", choices=["gru", "lstm"])
            args = parser.parse_args()
            model = args.model

            class Tagger(nn.Module):
                def __init__(self, cell, hidden):
                    super().__init__()
                    rnn = nn.GRU if cell == "gru" else nn.LSTM
                    self.rnn = rnn(32, hidden, batch_first=True)
                    self.drop = nn.Dropout(0.3)
                    self.out = nn.Linear(hidden, 12)

                def forward(self, x):
                    return self.out(self.drop(self.rnn(x)[0]))

            tagger = Tagger(model, hidden=128)
            optimizer = torch.optim.Adam(tagger.parameters())
            for x, y in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(tagger(x).flatten(0, 1), y.flatten()).backward()
                optimizer.step()
            with torch.no_grad():
                for x, y in test_loader:
                    print((tagger(x).argmax(-1) == y).float().mean())
            """,
            "29:16",
            title="a command-line option named `model` is a string, not a model",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Encoder(nn.Module):
                def __init__(self, model="transformer", dim=256):
                    super().__init__()
                    self.model = model
                    self.net = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 4), 2)

                def forward(self, x):
                    return self.net(x)

            def main(model="transformer", epochs=3):
                encoder = Encoder(model)
                optimizer = torch.optim.AdamW(encoder.parameters())
                for epoch in range(epochs):
                    for x, y in train_loader:
                        optimizer.zero_grad()
                        nn.functional.mse_loss(encoder(x), y).backward()
                        optimizer.step()
                val_error = 0.0
                with torch.no_grad():
                    for x, y in val_loader:
                        val_error += nn.functional.mse_loss(encoder(x), y).item()
                print(val_error)

            main()
            """,
            "24:49",
            title="a parameter `model` whose default is a string names an architecture",
        ),
        Invalid(
            files={
                "networks.py": """
                    from torch import nn

                    class ConvNet(nn.Module):
                        def __init__(self, model_type, classes=10):
                            super().__init__()
                            width = 64 if model_type == "wide" else 32
                            self.body = nn.Sequential(nn.Conv2d(3, width, 3), nn.BatchNorm2d(width), nn.ReLU(),
                                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
                            self.head = nn.Linear(width, classes)

                        def forward(self, x):
                            return self.head(self.body(x))
                    """,
                "train.py": """
                    import json
                    import torch
                    from networks import ConvNet

                    with open("config.json") as f:
                        config = json.load(f)
                    model = config["model"]
                    model_path = f"checkpoints/{model}.pt"
                    net = ConvNet(model)
                    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
                    for images, labels in train_loader:
                        optimizer.zero_grad()
                        torch.nn.functional.cross_entropy(net(images), labels).backward()
                        optimizer.step()
                    torch.save(net.state_dict(), model_path)
                    with torch.no_grad():
                        accuracy = sum((net(x).argmax(1) == y).sum().item() for x, y in test_loader)
                    """,
            },
            expect=("train.py:17:21",),
            title="a configuration entry and a checkpoint path named like models",
        ),
        Invalid(
            """
            import torch

            model = torch.load("full_model.pt")
            with torch.no_grad():
                print(model(batch))
            """,
            "5:11",
            title="a pickled model from `torch.load` is in the mode it was saved in: training",
        ),
        Invalid(
            """
            import sys
            import torch

            def classify(path, images):
                net = torch.load(path, map_location="cpu", weights_only=False).to("cuda")
                scores = net(images.cuda())
                return scores.softmax(-1)

            print(classify(sys.argv[1], read_images(sys.argv[2:])))
            """,
            "6:14",
            title="a whole model loaded in a prediction function, moved to the GPU but never switched",
        ),
        Invalid(
            files={
                "checkpoints.py": """
                    import torch

                    def restore(path):
                        return torch.load(path, weights_only=False)
                    """,
                "evaluate.py": """
                    import torch
                    from checkpoints import restore

                    detector = restore("runs/best.pt")
                    with torch.no_grad():
                        for images, targets in val_loader:
                            print(detector(images))
                    """,
            },
            expect=("evaluate.py:7:15",),
            title="a helper of another file returns the unpickled model",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Seq2Seq(nn.Module):
                def __init__(self, vocab):
                    super().__init__()
                    self.embed = nn.Embedding(vocab, 256)
                    self.encoder = nn.LSTM(256, 256, num_layers=2, dropout=0.2, batch_first=True)
                    self.out = nn.Linear(256, vocab)

                def forward(self, src):
                    return self.out(self.encoder(self.embed(src))[0])

                def greedy(self, src, steps):
                    states = self.encoder(self.embed(src))[0]
                    return self.out(states[:, -steps:]).argmax(-1)

            model = Seq2Seq(8000)
            optimizer = torch.optim.Adam(model.parameters())
            for src, trg in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(src).flatten(0, 1), trg.flatten()).backward()
                optimizer.step()
            with torch.no_grad():
                for src, trg in test_loader:
                    print(model.greedy(src, 20))
            """,
            "26:15",
            title="a project model method that runs its layers, over test data under no_grad",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class SentenceEncoder(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.tokens = nn.EmbeddingBag(30000, 384)
                    self.drop = nn.Dropout(0.1)
                    self.proj = nn.Linear(384, 384)

                def forward(self, ids, offsets):
                    return self.proj(self.drop(self.tokens(ids, offsets)))

                def encode(self, ids, offsets):
                    return nn.functional.normalize(self(ids, offsets), dim=-1)

            def evaluate_retrieval(encoder, pairs):
                hits = 0
                for (q_ids, q_off), (d_ids, d_off) in pairs:
                    scores = encoder.encode(q_ids, q_off) @ encoder.encode(d_ids, d_off).T
                    hits += (scores.argmax(1) == torch.arange(len(scores))).sum().item()
                return hits

            encoder = SentenceEncoder()
            optimizer = torch.optim.AdamW(encoder.parameters(), lr=2e-5)
            for epoch in range(3):
                encoder.train()
                for (q_ids, q_off), (d_ids, d_off) in train_pairs:
                    optimizer.zero_grad()
                    logits = encoder(q_ids, q_off) @ encoder(d_ids, d_off).T
                    nn.functional.cross_entropy(logits, torch.arange(len(logits))).backward()
                    optimizer.step()
                print(evaluate_retrieval(encoder, dev_pairs))
            """,
            "20:18",
            title="`encoder.encode(...)` in an evaluation function, as the training loop left it",
        ),
        Invalid(
            files={
                "vae.py": """
                    import torch
                    from torch import nn

                    class VAE(nn.Module):
                        def __init__(self, latent=32):
                            super().__init__()
                            self.latent = latent
                            self.encoder = nn.Sequential(nn.Linear(784, 400), nn.BatchNorm1d(400), nn.ReLU(), nn.Linear(400, 2 * latent))
                            self.decoder = nn.Sequential(nn.Linear(latent, 400), nn.BatchNorm1d(400), nn.ReLU(), nn.Linear(400, 784))

                        def forward(self, x):
                            mu, logvar = self.encoder(x).chunk(2, dim=-1)
                            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
                            return self.decoder(z).sigmoid(), mu, logvar

                        def sample(self, count):
                            z = torch.randn(count, self.latent)
                            return self.decoder(z).sigmoid()
                    """,
                "sample.py": """
                    import torch
                    from torchvision.utils import save_image
                    from vae import VAE

                    vae = VAE()
                    vae.load_state_dict(torch.load("vae.pt"))
                    with torch.no_grad():
                        images = vae.sample(64)
                    save_image(images.view(64, 1, 28, 28), "samples.png")
                    """,
            },
            expect=("sample.py:8:14",),
            title="`vae.sample(64)` of a class in another file, after loading its weights",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            def evaluate(network, loader):
                with torch.no_grad():
                    return sum((network(x).argmax(1) == y).sum().item() for x, y in loader)

            def fit(network, loader, epochs=3):
                optimizer = torch.optim.SGD(network.parameters(), lr=0.05)
                network.train()
                for _ in range(epochs):
                    for x, y in loader:
                        optimizer.zero_grad()
                        nn.functional.cross_entropy(network(x), y).backward()
                        optimizer.step()

            baseline = nn.Sequential(nn.Linear(100, 64), nn.ReLU(), nn.Linear(64, 5))
            fit(baseline, train_loader)
            print("baseline", evaluate(baseline, val_loader))
            regularised = nn.Sequential(nn.Linear(100, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 5))
            fit(regularised, train_loader)
            print("dropout", evaluate(regularised, val_loader))
            """,
            "6:21",
            title="a helper called with a dropout-free model and with a dropout model: the second caller decides",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.features = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
                    self.fc = nn.Linear(16, 10)

                def forward(self, x):
                    return self.fc(self.features(x).flatten(1))

            def run_eval(model, loader):
                correct = 0
                with torch.no_grad():
                    for images, labels in loader:
                        correct += (model(images).argmax(1) == labels).sum().item()
                return correct

            def main():
                model = Classifier()
                optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
                for epoch in range(30):
                    model.train()
                    for images, labels in train_loader:
                        optimizer.zero_grad()
                        nn.functional.cross_entropy(model(images), labels).backward()
                        optimizer.step()
                    print(epoch, run_eval(model, val_loader))
                model.eval()
                print("test", run_eval(model, test_loader))
            """,
            "17:25",
            title="a helper whose last caller switches to eval mode, but whose per-epoch caller does not",
        ),
        Invalid(
            files={
                "metrics.py": """
                    import torch

                    @torch.no_grad()
                    def mean_iou(segmenter, loader):
                        scores = [iou(segmenter(images).argmax(1), masks) for images, masks in loader]
                        return sum(scores) / len(scores)
                    """,
                "finetune.py": """
                    from torch import nn
                    from metrics import mean_iou

                    head = nn.Sequential(nn.Conv2d(256, 21, 1))
                    print(mean_iou(head, val_loader))
                    """,
                "train.py": """
                    import torch
                    from torch import nn
                    from metrics import mean_iou

                    segmenter = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.Conv2d(64, 21, 1))
                    optimizer = torch.optim.Adam(segmenter.parameters())
                    for images, masks in train_loader:
                        optimizer.zero_grad()
                        nn.functional.cross_entropy(segmenter(images), masks).backward()
                        optimizer.step()
                    print(mean_iou(segmenter, val_loader))
                    """,
            },
            expect=("metrics.py:5:19",),
            title="a metric helper called from two scripts, one with a batch-norm model in training mode",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Recommender:
                def __init__(self):
                    self.user_tower = nn.Sequential(nn.Embedding(50000, 64), nn.Dropout(0.2))
                    self.item_tower = nn.Sequential(nn.Embedding(10000, 64), nn.Dropout(0.2))
                    params = list(self.user_tower.parameters()) + list(self.item_tower.parameters())
                    self.optimizer = torch.optim.Adam(params)

                def train_step(self, users, items, clicks):
                    logits = (self.user_tower(users) * self.item_tower(items)).sum(-1)
                    loss = nn.functional.binary_cross_entropy_with_logits(logits, clicks)
                    self.optimizer.zero_grad()
                    loss.backward()
                    self.optimizer.step()

                @torch.no_grad()
                def predict(self, users, items):
                    return (self.user_tower(users) * self.item_tower(items)).sum(-1).sigmoid()

            recommender = Recommender()
            for users, items, clicks in train_loader:
                recommender.train_step(users, items, clicks)
            for users, items, clicks in test_loader:
                print(recommender.predict(users, items))
            """,
            "20:17",
            title="a wrapper object's predict() runs its towers under no_grad in training mode",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Captioner:
                def __init__(self):
                    self.encoder = nn.Sequential(nn.Conv2d(3, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
                    self.decoder = nn.LSTM(32, 256, num_layers=2, dropout=0.3)

                def train_start(self):
                    self.encoder.train()
                    self.decoder.train()

                def describe(self, images):
                    features = self.encoder(images)
                    return self.decoder(features.unsqueeze(0))[0]

                def fit_batch(self, images, targets, optimizer):
                    optimizer.zero_grad()
                    nn.functional.mse_loss(self.describe(images), targets).backward()
                    optimizer.step()

            def validate(captioner, loader):
                with torch.no_grad():
                    return [captioner.describe(images) for images, _ in loader]

            captioner = Captioner()
            optimizer = torch.optim.Adam(list(captioner.encoder.parameters()) + list(captioner.decoder.parameters()))
            captioner.train_start()
            for images, targets in train_loader:
                captioner.fit_batch(images, targets, optimizer)
            print(validate(captioner, val_loader))
            """,
            "24:17",
            title="a validation helper calls a wrapper's method; nothing ever switched its models to eval",
        ),
        Invalid(
            """
            import torch
            from torch import nn
            from ranking_kit import to_cumulative_targets


            class GradeNet(nn.Module):
                def __init__(self, n_inputs, n_grades):
                    super().__init__()
                    self.n_grades = n_grades
                    self.layers = nn.Sequential(nn.Linear(n_inputs, 64), nn.ReLU(), nn.Dropout(0.25), nn.Linear(64, n_grades - 1))

                def forward(self, x):
                    return self.layers(x)


            net = GradeNet(n_inputs=12, n_grades=5).to("cuda")
            optimizer = torch.optim.AdamW(net.parameters(), lr=1e-3)
            for epoch in range(30):
                net = net.train()
                for x, grade in train_loader:
                    targets = to_cumulative_targets(grade, n_grades=net.n_grades)
                    loss = nn.functional.binary_cross_entropy_with_logits(net(x), targets)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()

            with torch.no_grad():
                for x, grade in test_loader:
                    print((torch.sigmoid(net(x)).gt(0.5).sum(1) - grade).abs().float().mean())
            """,
            "29:30",
            title="a setting read off the model (`n_grades=net.n_grades`) for a library helper does not hide its mode",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            tagger = nn.Sequential(nn.Embedding(5000, 64), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 20, 3))
            optimizer = torch.optim.SGD(tagger.parameters(), lr=0.05)
            for tokens, tags in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(tagger(tokens), tags).backward()
                optimizer.step()

            with torch.no_grad():
                hits = [(tagger(tokens).argmax(1) == tags).sum().item() for tokens, tags in dev_loader]
            print(sum(hits))
            """,
            "12:14",
            title="a comprehension over the dev loader reuses the training loop's batch names; its batches are the dev loader's",
        ),
        Invalid(
            """
            import torch
            from torch import nn


            class Scorer(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(40, 128), nn.GELU(), nn.Dropout(0.1), nn.Linear(128, 6))
                    self.mix = nn.Parameter(torch.eye(6))

                def forward(self, x):
                    return self.body(x)


            def mixed(logits, net):
                probas = torch.softmax(logits, dim=1)
                return probas.mm(net.mix)


            scorer = Scorer()
            optimizer = torch.optim.Adam(scorer.parameters(), lr=3e-4)
            for x, y in train_loader:
                logits = scorer(x)
                loss = nn.functional.mse_loss(mixed(logits, scorer), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()

            with torch.no_grad():
                for x, y in val_loader:
                    print(nn.functional.mse_loss(mixed(scorer(x), scorer), y).item())
            """,
            "31:44",
            title="a bare parameter read off the model (`net.mix`) for a tensor product does not hide its mode",
        ),
    ]
