import ast
from typing import Optional

from dllint import changes
from dllint.diagnostics import Fix
from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.initializers import CONSTANT, initializer_ops, rewritten_later
from dllint.semantic.layers import PARAM
from dllint.semantic.zeroconv import is_zero_conv


class ConstantHiddenWeights(Rule):
    """
    ## What it does
    Finds hidden-layer weights set to zeros or to one constant. A hidden layer
    is one whose output feeds another weighted layer. Recognised:
    `nn.init.zeros_`, `ones_`, `constant_`, `.fill_()`, `.zero_()`,
    `.copy_(torch.zeros(...))` on a layer's weight, directly, in a loop over
    the model's modules or parameters, or in a function passed to
    `model.apply()` (in any file linted together). A loop that tests the
    module's type (`isinstance`, the class name) or the name that
    `named_modules()` / `named_parameters()` yields (`"fc2" in name`,
    `name.endswith("proj.weight")`, `name == "head"`, also through an
    earlier `if ...: continue`) zeroes only what passes the test, and only
    those layers are reported;
    `nn.Parameter(torch.zeros(out, in))` (or `ones`, `full`) used as a weight
    matrix and never drawn again; Keras `kernel_initializer` /
    `recurrent_initializer` of `"zeros"`, `"ones"`, `Zeros()`, `Ones()`,
    `Constant(c)`, `tf.zeros_initializer()`, and `weights=[np.zeros(...)]` /
    `set_weights([np.zeros(...), ...])`.

    ## Why is this bad?
    When every unit of a layer starts with the same weights, every unit
    computes the same output and receives the same gradient, so they stay
    copies of each other for the whole run: the layer behaves like a single
    unit. With zeros, a chain of such layers passes no gradient at all. The
    code runs and the loss may even fall a little, so nothing tells you.

    Careful code zeros some weights on purpose, and this rule stays quiet for
    them: biases; a norm layer's scale and shift (BatchNorm, LayerNorm,
    GroupNorm, RMSNorm); the last layer of a residual branch (`zero_init_residual`,
    adaLN-zero, zero-conv), whose output is added to the skip path; the output
    layer of a block, zeroed by a helper that hands it back where it is built
    (`self.out = zero_module(nn.Conv2d(...))`, returned as it is by the
    block's `forward()`): a ControlNet zero-conv, which makes the block start
    as a no-op wherever its output goes; the final output head or
    classifier, whose inputs already differ; LoRA's `B` matrix;
    an embedding's padding row; a parameter created with zeros and drawn again
    (`trunc_normal_`, `xavier_*`, `kaiming_*`, `normal_`, `orthogonal_`) before
    training; `eye_` and `dirac_`, which are not constant across units.

    ## Known limits
    A layer counts as hidden only when dllint sees where its output goes: the
    `forward()`/`call()` of its class, a `Sequential`, a Keras functional graph,
    and the callers of the helpers that build them, across the files linted
    together. A layer whose output is combined with another computed value
    (a sum, a product, attention) is treated as ending there. Models built by
    code dllint cannot follow (factories taking a class as an argument,
    `setattr`, layers made in a library) are not reported. A name test is
    read against what dllint knows of each name: the attribute holding the
    layer, and the whole name only for layers the iterated model holds
    directly; a layer whose passing depends on the rest (`name.startswith`
    on a nested layer, `name.split(".")`) is not reported.

    ## Fix safety
    `nn.init.zeros_(w)`, `nn.init.ones_(w)` and `nn.init.constant_(w, c)` are
    replaced by `nn.init.xavier_uniform_(w)`, written with the same prefix. It
    is unsafe: the call may also set layers where a constant is meant (an
    output layer started at zero, as in the example), which then need their
    own line.
    """

    code = "DL301"
    name = "constant-hidden-weights"
    message = (
        "{api} sets the weights of hidden layer{plural} {layers} to the constant {value} ({evidence}): "
        "the units of {pronoun} start identical and stay identical; initialize hidden weights randomly ({suggestion})"
    )
    triggers = LazyPattern(
        r"zeros|ones|constant|Zeros|Ones|Constant|fill_|zero_\(|full(_like)?\(|set_weights|weights\s*="
    )

    def finish(self) -> None:
        semantic = self.semantic
        layers = semantic.layers
        for op in initializer_ops(semantic):
            if op.kind != CONSTANT:
                continue
            targets = layers.weight_targets(op)
            if not targets:
                continue
            hidden = {}
            for target in targets:
                ref = target.layer
                if not target.mixes_units or ref.key() in hidden:
                    continue
                if ref.kind == PARAM and not ref.model.layers.is_weighted(ref):
                    continue  # a scale, a token, a position table: not a weight matrix
                if layers.is_lora_b(ref) or ref.model.layers.unit_count(ref) == 1 or layers.drawn_after(op, ref):
                    continue  # a one-unit layer has no units to be alike
                if is_zero_conv(semantic, op, ref):
                    continue  # a block's output layer zeroed where it is built: the block starts as a no-op
                if target.recurrent:
                    evidence = "its recurrent weights feed its own next step"
                else:
                    evidence = ref.model.layers.hidden(ref)
                if evidence:
                    hidden[ref.key()] = (ref, evidence)
            if not hidden or rewritten_later(semantic, op):
                continue
            found = sorted(hidden.values(), key=lambda item: (getattr(item[0].node, "lineno", 0), item[0].name))
            names = [f"`{layers.display_name(ref)}`" for ref, _ in found]
            listed = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
            first, evidence = found[0]
            keras = op.layer is not None or "add_weight" in op.api
            self.report(
                op.node,
                api=f"`{op.api}`",
                plural="s" if len(found) > 1 else "",
                layers=listed,
                value=op.value,
                evidence=evidence if len(found) == 1 else f"`{layers.display_name(first)}`: {evidence}",
                pronoun="each layer" if len(found) > 1 else "the layer",
                suggestion='keep the default "glorot_uniform" or use "he_normal"' if keras
                else "keep the layer's default or use `nn.init.kaiming_uniform_` / `xavier_uniform_`",
                fix=None if keras else self._fix(op.node),
            )

    def _fix(self, node: ast.AST) -> Optional[Fix]:
        """`nn.init.zeros_(w)` -> `nn.init.xavier_uniform_(w)`."""
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or not node.args:
            return None
        qualified = self.semantic.qualified_name(node.func) or ""
        if qualified not in ("torch.nn.init.zeros_", "torch.nn.init.ones_", "torch.nn.init.constant_") or node.keywords:
            return None
        if isinstance(node.args[0], ast.Starred) or len(node.args) > (2 if qualified.endswith("constant_") else 1):
            return None
        replacement = f"{self.source.segment(node.func.value)}.xavier_uniform_({self.source.segment(node.args[0])})"
        change = changes.replace(self.source, node, replacement)
        return Fix(f"Use `{replacement}`", (change,), safe=False) if change is not None else None

    VALID = [
        Valid(
            """
            import torch
            from torch import nn

            class Policy(nn.Module):
                def __init__(self, obs_dim, n_actions, hidden=128):
                    super().__init__()
                    self.fc1 = nn.Linear(obs_dim, hidden)
                    self.fc2 = nn.Linear(hidden, hidden)
                    self.logits = nn.Linear(hidden, n_actions)
                    # a uniform initial policy needs only the output layer at zero
                    nn.init.zeros_(self.logits.weight)
                    nn.init.zeros_(self.logits.bias)

                def forward(self, obs):
                    h = torch.tanh(self.fc1(obs))
                    h = torch.tanh(self.fc2(h))
                    return self.logits(h)
            """,
            title="only the output layer starts at zero",
        ),
        Valid(
            """
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv = nn.Conv2d(3, 16, 3)
                    self.bn = nn.BatchNorm2d(16)
                    self.fc = nn.Linear(16, 10)

                def forward(self, x):
                    return self.fc(self.bn(self.conv(x)).mean((2, 3)))

            def init_weights(m):
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight)
                    nn.init.zeros_(m.bias)
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.ones_(m.weight)
                    nn.init.zeros_(m.bias)

            model = Net()
            model.apply(init_weights)
            """,
            title="biases and the norm layer's scale and shift",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Bottleneck(nn.Module):
                def __init__(self, c):
                    super().__init__()
                    self.conv1 = nn.Conv2d(c, c, 1)
                    self.conv2 = nn.Conv2d(c, c, 3, padding=1)
                    self.bn2 = nn.BatchNorm2d(c)
                    nn.init.zeros_(self.bn2.weight)

                def forward(self, x):
                    return torch.relu(x + self.bn2(self.conv2(torch.relu(self.conv1(x)))))

            class Mlp(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.fc1 = nn.Linear(d, 4 * d)
                    self.fc2 = nn.Linear(4 * d, d)

                def forward(self, x):
                    return self.fc2(torch.relu(self.fc1(x)))

            class Block(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.norm = nn.LayerNorm(d)
                    self.mlp = Mlp(d)
                    nn.init.zeros_(self.mlp.fc2.weight)

                def forward(self, x):
                    return x + self.mlp(self.norm(x))
            """,
            title="the last layer of a residual branch",
        ),
        Valid(
            """
            import math
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class LoRALinear(nn.Module):
                def __init__(self, base, r=8):
                    super().__init__()
                    self.base = base
                    self.lora_A = nn.Parameter(torch.empty(r, base.in_features))
                    self.lora_B = nn.Parameter(torch.zeros(base.out_features, r))
                    nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))

                def forward(self, x):
                    return self.base(x) + F.linear(F.linear(x, self.lora_A), self.lora_B)
            """,
            title="LoRA's B matrix",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn

            class PatchEmbed(nn.Module):
                def __init__(self, dim, patch_dim):
                    super().__init__()
                    self.weight = nn.Parameter(torch.zeros(dim, patch_dim))
                    self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
                    nn.init.xavier_uniform_(self.weight)
                    nn.init.trunc_normal_(self.cls_token, std=0.02)

                def forward(self, x):
                    tokens = x @ self.weight.t()
                    return torch.cat([self.cls_token.expand(x.shape[0], -1, -1), tokens], 1)

            class Encoder(nn.Module):
                def __init__(self, dim, patch_dim):
                    super().__init__()
                    self.embed = PatchEmbed(dim, patch_dim)
                    self.proj = nn.Linear(dim, dim)

                def forward(self, x):
                    return self.proj(self.embed(x))
            """,
            title="a zero parameter drawn again before training",
        ),
        Valid(
            """
            import torch.nn as nn

            class Embedder(nn.Module):
                def __init__(self, vocab, dim, pad):
                    super().__init__()
                    self.emb = nn.Embedding(vocab, dim, padding_idx=pad)
                    self.proj = nn.Linear(dim, dim)
                    self.out = nn.Linear(dim, vocab)
                    nn.init.zeros_(self.emb.weight[pad])
                    nn.init.eye_(self.proj.weight)

                def forward(self, tokens):
                    return self.out(self.proj(self.emb(tokens)))
            """,
            title="an embedding's padding row, and `eye_` on a hidden layer",
        ),
        Valid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            def residual_block(x, width):
                h = layers.LayerNormalization(gamma_initializer="ones", beta_initializer="zeros")(x)
                h = layers.Dense(4 * width, activation="gelu", kernel_initializer="he_normal")(h)
                h = layers.Dense(width, kernel_initializer="zeros", bias_initializer="zeros")(h)
                return layers.Add()([x, h])

            inputs = keras.Input(shape=(32,))
            x = layers.Dense(64)(inputs)
            for _ in range(3):
                x = residual_block(x, 64)
            outputs = layers.Dense(10, kernel_initializer="zeros")(x)
            model = keras.Model(inputs, outputs)
            """,
            title="Keras: a zero residual branch and a zero output layer",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.fc2 = nn.Linear(16, 2)
                    for name, p in self.named_parameters():
                        if "bias" in name:
                            nn.init.zeros_(p)
                        else:
                            nn.init.xavier_uniform_(p)

                def forward(self, x):
                    return self.fc2(torch.relu(self.fc1(x)))
            """,
            title="a parameter loop that zeros only the biases",
        ),
        Valid(
            """
            import torch
            from torch import nn
            from torch.nn import init

            class Recognizer(nn.Module):
                def __init__(self, n_symbols):
                    super().__init__()
                    self.conv = nn.Conv2d(1, 32, 3)
                    self.norm = nn.BatchNorm2d(32)
                    self.rnn = nn.GRU(32, 64, batch_first=True)
                    self.out = nn.Linear(64, n_symbols)

                def forward(self, images):
                    columns = self.norm(self.conv(images)).relu().mean(2).transpose(1, 2)
                    return self.out(self.rnn(columns)[0])

            model = Recognizer(40)
            for name, param in model.named_parameters():
                try:
                    init.kaiming_normal_(param)
                except ValueError:
                    # kaiming refuses tensors of one dimension: only the
                    # biases and the batch norm scale land here
                    param.data.fill_(1)
            """,
            title="a constant only where kaiming refused (one-dimensional parameters)",
        ),
        Valid(
            """
            import torch.nn as nn

            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.kaiming_uniform_(m.weight)

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.fc2 = nn.Linear(16, 2)
                    for m in self.modules():
                        if isinstance(m, nn.Linear):
                            nn.init.zeros_(m.weight)
                    self.apply(init_weights)

                def forward(self, x):
                    return self.fc2(self.fc1(x).relu())
            """,
            title="zeros drawn again by a later `apply()`",
        ),
        Valid(
            """
            import torch
            from torch import nn

            def modulate(x, shift, scale):
                return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)

            class DiTBlock(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.norm = nn.LayerNorm(d, elementwise_affine=False)
                    self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
                    self.adaLN_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 3 * d))
                    nn.init.constant_(self.adaLN_modulation[-1].weight, 0)

                def forward(self, x, c):
                    shift, scale, gate = self.adaLN_modulation(c).chunk(3, dim=1)
                    return x + gate.unsqueeze(1) * self.mlp(modulate(self.norm(x), shift, scale))
            """,
            title="adaLN-zero: the modulation only scales and shifts",
        ),
        Valid(
            """
            import torch.nn as nn

            def zero_module(module):
                for p in module.parameters():
                    p.detach().zero_()
                return module

            class ControlBlock(nn.Module):
                def __init__(self, ch):
                    super().__init__()
                    self.conv = nn.Conv2d(ch, ch, 3, padding=1)
                    self.zero_conv = zero_module(nn.Conv2d(ch, ch, 1))
                    self.mix = nn.Conv2d(ch, ch, 3, padding=1)
                    nn.init.dirac_(self.mix.weight)

                def forward(self, x, skip):
                    return skip + self.zero_conv(self.mix(self.conv(x).relu()))
            """,
            title="a zero convolution added to the skip path, and `dirac_`",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            def zeroed(layer):
                for weight in layer.parameters():
                    nn.init.zeros_(weight)
                return layer

            class HintEncoder(nn.Module):
                def __init__(self, hint_channels, out_channels):
                    super().__init__()
                    self.stem = nn.Conv2d(hint_channels, 32, 3, padding=1)
                    self.down = nn.Conv2d(32, 64, 3, stride=2, padding=1)
                    self.project = zeroed(nn.Conv2d(64, out_channels, 1))

                def forward(self, hint):
                    h = F.silu(self.down(F.silu(self.stem(hint))))
                    h = self.project(h)
                    return h

            class GuidedDenoiser(nn.Module):
                def __init__(self, channels):
                    super().__init__()
                    self.hints = HintEncoder(3, channels)
                    self.fuse = nn.Conv2d(2 * channels, channels, 3, padding=1)
                    self.head = nn.Conv2d(channels, channels, 3, padding=1)

                def forward(self, latents, hint):
                    joined = torch.cat([latents, self.hints(hint)], dim=1)
                    return self.head(F.silu(self.fuse(joined)))
            """,
            title="a zero-conv: the last layer of a block, zeroed by a helper where it is built",
        ),
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Block(nn.Module):
                def __init__(self, dim):
                    super().__init__()
                    self.norm = nn.LayerNorm(dim)
                    self.fc1 = nn.Linear(dim, 4 * dim)
                    self.fc2 = nn.Linear(4 * dim, dim)

                def forward(self, x):
                    return x + self.fc2(F.gelu(self.fc1(self.norm(x))))

            class Net(nn.Module):
                def __init__(self, dim=64, depth=4):
                    super().__init__()
                    self.stem = nn.Linear(784, dim)
                    self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])
                    self.head = nn.Linear(dim, 10)
                    for name, p in self.named_parameters():
                        if name.endswith("fc2.weight"):
                            nn.init.zeros_(p)

                def forward(self, x):
                    x = self.stem(x)
                    for block in self.blocks:
                        x = block(x)
                    return self.head(x)
            """,
            title="a parameter loop filtered by name zeroes only the last layer of each residual branch",
        ),
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Block(nn.Module):
                def __init__(self, dim):
                    super().__init__()
                    self.fc1 = nn.Linear(dim, 4 * dim)
                    self.fc2 = nn.Linear(4 * dim, dim)

                def forward(self, x):
                    return x + self.fc2(F.gelu(self.fc1(x)))

            class Net(nn.Module):
                def __init__(self, dim=64):
                    super().__init__()
                    self.stem = nn.Linear(784, dim)
                    self.blocks = nn.Sequential(Block(dim), Block(dim))
                    self.head = nn.Linear(dim, 10)
                    self.reset_parameters()

                def reset_parameters(self):
                    for name, module in self.named_modules():
                        if not name.endswith("fc2"):
                            continue
                        nn.init.constant_(module.weight, 0.0)

                def forward(self, x):
                    return self.head(self.blocks(self.stem(x)))
            """,
            title="a module loop that skips every module whose name does not end in fc2",
        ),
        Valid(
            """
            import torch.nn as nn

            class ResNetLike(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.conv1 = nn.Conv2d(3, 64, 3)
                    self.bn1 = nn.BatchNorm2d(64)
                    self.conv2 = nn.Conv2d(64, 64, 3)
                    self.bn2 = nn.BatchNorm2d(64)
                    self.fc = nn.Linear(64, 10)
                    for name, m in self.named_modules():
                        if "bn2" in name:
                            nn.init.zeros_(m.weight)

                def forward(self, x):
                    y = self.bn2(self.conv2(self.bn1(self.conv1(x))))
                    return self.fc((x + y).mean((2, 3)))
            """,
            title="zero-init-residual by name: only the last norm layer's scale",
        ),
        Valid(
            """
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 64))
                    self.head = nn.Linear(64, 10)
                    for name, p in self.named_parameters():
                        if name.split(".")[0] == "head":
                            nn.init.zeros_(p)

                def forward(self, x):
                    return self.head(self.encoder(x))
            """,
            title="a name test dllint does not read: not reported",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            class Policy(nn.Module):
                def __init__(self, obs_dim, n_actions, hidden=128):
                    super().__init__()
                    self.fc1 = nn.Linear(obs_dim, hidden)
                    self.fc2 = nn.Linear(hidden, hidden)
                    self.logits = nn.Linear(hidden, n_actions)
                    # start from a uniform policy
                    for layer in (self.fc1, self.fc2, self.logits):
                        nn.init.zeros_(layer.weight)
                        nn.init.zeros_(layer.bias)

                def forward(self, obs):
                    h = torch.tanh(self.fc1(obs))
                    h = torch.tanh(self.fc2(h))
                    return self.logits(h)
            """,
            "12:13",
            title="every layer zeroed, hidden ones included",
            fix="""
            import torch
            from torch import nn

            class Policy(nn.Module):
                def __init__(self, obs_dim, n_actions, hidden=128):
                    super().__init__()
                    self.fc1 = nn.Linear(obs_dim, hidden)
                    self.fc2 = nn.Linear(hidden, hidden)
                    self.logits = nn.Linear(hidden, n_actions)
                    # start from a uniform policy
                    for layer in (self.fc1, self.fc2, self.logits):
                        nn.init.xavier_uniform_(layer.weight)
                        nn.init.zeros_(layer.bias)

                def forward(self, obs):
                    h = torch.tanh(self.fc1(obs))
                    h = torch.tanh(self.fc2(h))
                    return self.logits(h)
            """,
        ),
        Invalid(
            """
            import torch.nn as nn

            class MLP(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.hidden = nn.Linear(784, 256)
                    self.out = nn.Linear(256, 10)
                    self.hidden.weight.data.fill_(0.01)
                    self.out.weight.data.zero_()

                def forward(self, x):
                    return self.out(self.hidden(x).relu())
            """,
            "8:9",
            title="`.data.fill_()` on a hidden layer (the zero output layer is fine)",
        ),
        Invalid(
            files={
                "nets.py": """
                    import torch.nn as nn
                    import torch.nn.functional as F

                    class ConvNet(nn.Module):
                        def __init__(self, n_classes=10):
                            super().__init__()
                            self.c1 = nn.Conv2d(3, 32, 3, padding=1)
                            self.c2 = nn.Conv2d(32, 64, 3, padding=1)
                            self.fc = nn.Linear(64, n_classes)

                        def forward(self, x):
                            x = F.max_pool2d(F.relu(self.c1(x)), 2)
                            x = F.relu(self.c2(x)).mean((2, 3))
                            return self.fc(x)
                    """,
                "init.py": """
                    import torch.nn as nn

                    def init_weights(module):
                        if isinstance(module, (nn.Conv2d, nn.Linear)):
                            nn.init.constant_(module.weight, 0.01)
                            if module.bias is not None:
                                nn.init.zeros_(module.bias)
                    """,
                "train.py": """
                    import torch
                    from nets import ConvNet
                    from init import init_weights

                    model = ConvNet()
                    model.apply(init_weights)
                    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
                    """,
            },
            expect=("init.py:5:9",),
            title="an `apply()`ed initializer in another file of the project",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Recommender(nn.Module):
                def __init__(self, n_users, n_items, dim=32, hidden=(128, 64)):
                    super().__init__()
                    self.user = nn.Embedding(n_users, dim)
                    self.item = nn.Embedding(n_items, dim)
                    blocks = []
                    for d_in, d_out in zip((2 * dim,) + hidden[:-1], hidden):
                        blocks += [nn.Linear(d_in, d_out), nn.ReLU()]
                    self.mlp = nn.Sequential(*blocks)
                    self.score = nn.Linear(hidden[-1], 1)
                    self.reset_parameters()

                def reset_parameters(self):
                    for m in self.modules():
                        if isinstance(m, nn.Linear):
                            m.weight.data.zero_()
                            m.bias.data.zero_()
                        elif isinstance(m, nn.Embedding):
                            nn.init.normal_(m.weight, std=0.01)

                def forward(self, users, items):
                    h = torch.cat([self.user(users), self.item(items)], dim=-1)
                    return self.score(self.mlp(h)).squeeze(-1)
            """,
            "19:17",
            title="a `self.modules()` loop zeroing every Linear",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class GraphConv(nn.Module):
                def __init__(self, n_in, n_out):
                    super().__init__()
                    self.weight = nn.Parameter(torch.zeros(n_in, n_out))
                    self.bias = nn.Parameter(torch.zeros(n_out))

                def forward(self, x, adj):
                    return torch.sparse.mm(adj, x @ self.weight) + self.bias

            class GCN(nn.Module):
                def __init__(self, n_feat, n_hidden, n_class):
                    super().__init__()
                    self.gc1 = GraphConv(n_feat, n_hidden)
                    self.gc2 = GraphConv(n_hidden, n_class)

                def forward(self, x, adj):
                    return self.gc2(F.relu(self.gc1(x, adj)), adj)
            """,
            "8:23",
            title="`nn.Parameter(torch.zeros(in, out))` used as a weight matrix",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            net = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))
            with torch.no_grad():
                net[0].weight.copy_(torch.zeros(32, 4))
            """,
            "6:5",
            title="`copy_(torch.zeros(...))` on the first layer of a Sequential",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(8, 16)
                    self.fc2 = nn.Linear(16, 2)
                    for name, p in self.named_parameters():
                        if "weight" in name:
                            nn.init.constant_(p, 0.5)

                def forward(self, x):
                    return self.fc2(torch.relu(self.fc1(x)))
            """,
            "11:17",
            title="a `named_parameters()` loop that does not skip the hidden weights",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            def build(n_features):
                return keras.Sequential([
                    keras.Input(shape=(n_features,)),
                    layers.Dense(64, activation="relu", kernel_initializer="zeros"),
                    layers.Dense(1),
                ])
            """,
            "7:45",
            title="Keras: `kernel_initializer='zeros'` on a hidden Dense",
        ),
        Invalid(
            """
            import tensorflow as tf

            const_init = tf.keras.initializers.Constant(0.05)

            def conv_block(x, filters):
                x = tf.keras.layers.Conv2D(filters, 3, padding="same", kernel_initializer=const_init)(x)
                return tf.keras.layers.MaxPool2D()(tf.keras.layers.ReLU()(x))

            def build_model(n_classes):
                inputs = tf.keras.Input(shape=(64, 64, 3))
                x = inputs
                for f in (32, 64):
                    x = conv_block(x, f)
                x = tf.keras.layers.GlobalAveragePooling2D()(x)
                return tf.keras.Model(inputs, tf.keras.layers.Dense(n_classes)(x))
            """,
            "6:60",
            title="Keras: a `Constant` initializer bound to a name, in a helper",
        ),
        Invalid(
            """
            import numpy as np
            from keras import layers, models

            model = models.Sequential()
            model.add(layers.LSTM(64, recurrent_initializer="zeros", input_shape=(50, 8)))
            model.add(layers.Dense(32, activation="relu"))
            model.add(layers.Dense(1))
            model.layers[1].set_weights([np.ones((64, 32)), np.zeros(32)])
            """,
            "5:27",
            "8:1",
            title="Keras: `recurrent_initializer`, and `set_weights` with a constant kernel",
        ),
        Invalid(
            """
            import torch
            from torch import nn
            import lightning as L

            class AutoEncoder(L.LightningModule):
                def __init__(self):
                    super().__init__()
                    self.encoder = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 3))
                    self.decoder = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 784))
                    with torch.no_grad():
                        self.encoder[0].weight.fill_(0.5)

                def training_step(self, batch, batch_idx):
                    x = batch[0].view(batch[0].size(0), -1)
                    return nn.functional.mse_loss(self.decoder(self.encoder(x)), x)
            """,
            "11:13",
            title="`.weight.fill_()` under `torch.no_grad()` in a Lightning module",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class RandomFeatures(nn.Module):
                def __init__(self, d_in, d_hidden, d_out):
                    super().__init__()
                    self.w_in = nn.Parameter(torch.full((d_hidden, d_in), 0.1))
                    self.readout = nn.Linear(d_hidden, d_out)

                def forward(self, x):
                    return self.readout(torch.tanh(F.linear(x, self.w_in)))
            """,
            "8:21",
            title="`nn.Parameter(torch.full(...))` used by `F.linear`",
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            from tensorflow.keras import Model, initializers, layers

            inputs = layers.Input(shape=(30,))
            x = layers.Dense(256, activation="relu", kernel_initializer=initializers.Ones())(inputs)
            x = layers.Dense(64, activation="relu", kernel_initializer=tf.zeros_initializer())(x)
            x = layers.Dense(16, activation="relu", weights=[np.zeros((64, 16)), np.zeros(16)])(x)
            outputs = layers.Dense(1, activation="sigmoid", kernel_initializer="zeros")(x)
            model = Model(inputs, outputs)
            """,
            "6:42",
            "7:41",
            "8:41",
            title="Keras functional: `Ones()`, `tf.zeros_initializer()`, `weights=[np.zeros(...)]` (the zero output layer is fine)",
        ),
        Invalid(
            """
            import torch.nn as nn

            def zeroed(layer):
                nn.init.zeros_(layer.weight)
                return layer

            class HintEncoder(nn.Module):
                def __init__(self, hint_channels, out_channels):
                    super().__init__()
                    self.stem = zeroed(nn.Conv2d(hint_channels, 32, 3, padding=1))
                    self.project = zeroed(nn.Conv2d(32, out_channels, 1))

                def forward(self, hint):
                    return self.project(self.stem(hint).relu())
            """,
            "4:5",
            title="a zeroing helper applied to a layer inside the block, not only to its last one",
        ),
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Block(nn.Module):
                def __init__(self, dim):
                    super().__init__()
                    self.fc1 = nn.Linear(dim, 4 * dim)
                    self.fc2 = nn.Linear(4 * dim, dim)

                def forward(self, x):
                    return x + self.fc2(F.gelu(self.fc1(x)))

            class Net(nn.Module):
                def __init__(self, dim=64):
                    super().__init__()
                    self.stem = nn.Linear(784, dim)
                    self.blocks = nn.ModuleList([Block(dim) for _ in range(4)])
                    self.head = nn.Linear(dim, 10)
                    for name, m in self.named_modules():
                        if isinstance(m, nn.Linear) and "fc" in name:
                            nn.init.zeros_(m.weight)

                def forward(self, x):
                    x = self.stem(x)
                    for block in self.blocks:
                        x = block(x)
                    return self.head(x)
            """,
            "21:17",
            title="a filter that lets the first layer of each branch through (fc1 and fc2 match, stem and head do not)",
        ),
        Invalid(
            files={
                "models.py": """
                    import torch.nn as nn

                    class MLP(nn.Module):
                        def __init__(self):
                            super().__init__()
                            self.fc1 = nn.Linear(784, 256)
                            self.fc2 = nn.Linear(256, 128)
                            self.out = nn.Linear(128, 10)

                        def forward(self, x):
                            return self.out(self.fc2(self.fc1(x).relu()).relu())
                    """,
                "train.py": """
                    import torch
                    import torch.nn as nn
                    from models import MLP

                    model = MLP()
                    for name, param in model.named_parameters():
                        if "weight" not in name:
                            continue
                        if name.startswith("fc"):
                            nn.init.zeros_(param)
                    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
                    """,
            },
            expect=("train.py:10:9",),
            title="a name filter in another file than the model: fc1 and fc2 pass it",
        ),
    ]
