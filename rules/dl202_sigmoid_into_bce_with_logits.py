import ast

from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.activations import SIGMOID
from dllint.semantic.gradient_flow import no_gradient_reason
from dllint.semantic.loss_sites import BINARY, EXPECTS_LOGITS


class SigmoidIntoBceWithLogits(Rule):
    """
    ## What it does
    Finds sigmoid outputs given as the prediction to a binary cross-entropy
    that applies the sigmoid itself: PyTorch's `nn.BCEWithLogitsLoss` /
    `F.binary_cross_entropy_with_logits`, and Keras / TensorFlow
    `BinaryCrossentropy(from_logits=True)` (class or function) and
    `tf.nn.sigmoid_cross_entropy_with_logits` fed by a model whose final
    activation is sigmoid.

    The sigmoid can be `torch.sigmoid`, `F.sigmoid`, `Tensor.sigmoid`,
    `nn.Sigmoid` (also the last layer of an `nn.Sequential`), or in Keras
    `activation="sigmoid"`, `tf.nn.sigmoid`, `Activation("sigmoid")`. dllint
    follows the value through variables, helpers, a model's `forward()` /
    `call()` (also in another file), Sequential models and functional Keras
    graphs.

    ## Why is this bad?
    The loss computes `sigmoid(prediction)` itself. Given probabilities it
    squashes them a second time into the narrow band between 0.5 and 0.73:
    the loss can never approach zero, its gradient is tiny, and the model
    trains slowly or not at all, with no error to say why.

    ## Known limits
    Reported only when the sigmoid is applied on every path to the loss. A
    sigmoid used to threshold predictions or compute metrics, or as a
    focal-loss weight, while the loss gets the logits is fine; so is one that
    `forward()` applies only in evaluation mode or behind a flag the training
    call does not set.

    ## Fix safety
    When the sigmoid call sits inside the loss call's prediction argument
    (`criterion(torch.sigmoid(logits), y)`), the fix replaces it with its
    input; it changes nothing but the bug. A sigmoid reached through a
    variable, a model or a layer gets no fix.
    """

    code = "DL202"
    name = "sigmoid-into-bce-with-logits"
    message = "`{prediction}` reaches {loss} already passed through a sigmoid ({where}); pass the raw logits"
    triggers = LazyPattern(r"BCEWithLogits|binary_cross_entropy_with_logits|from_logits|sigmoid_cross_entropy_with_logits|loss|criterion")

    def visit_Call(self, node: ast.Call) -> None:
        site = self.semantic.loss_sites.at(node)
        if site is None or site.family != BINARY or site.expects != EXPECTS_LOGITS:
            return
        activation = site.activation
        if activation.kind != SIGMOID:
            return
        prediction = _shorten(site.prediction_text())
        where = activation.describe(self.semantic)
        evaluation = no_gradient_reason(self.semantic, node)
        cost = "the gradients vanish" if evaluation is None else "the loss reported here is wrong"
        context = "" if evaluation is None else f" {evaluation}, where no gradients flow"
        if site.framework == "torch":
            text = (f"`{prediction}` reaches {site.loss} already passed through a sigmoid ({where}){context}; the loss applies the "
                    f"sigmoid itself, so it is applied twice and {cost}: pass the raw logits")
        else:
            subject = f"the model `{prediction}` already outputs" if site.prediction is None else f"`{prediction}` is already"
            remedy = "the final sigmoid or `from_logits=True`" if site.keras_loss is not None else "the final sigmoid"
            text = (f"{site.loss} expects logits, but {subject} sigmoid probabilities ({where}){context}, so the sigmoid is "
                    f"applied twice and {cost}: remove {remedy}")
        self.report(node, text, fix=self._fix(site))

    def _fix(self, site):
        inline = site.inline_activation()
        return inline.removal(self.source) if inline is not None else None

    VALID = [
        Valid(
            """
            import torch
            from torch import nn

            class FraudNet(nn.Module):
                def __init__(self, n_features):
                    super().__init__()
                    self.hidden = nn.Linear(n_features, 32)
                    self.out = nn.Linear(32, 1)

                def forward(self, x):
                    return self.out(torch.relu(self.hidden(x)))

            model = FraudNet(30)
            criterion = nn.BCEWithLogitsLoss()
            for xb, yb in loader:
                loss = criterion(model(xb).squeeze(1), yb)
            """,
            title="the loss gets the logits",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn

            loss_fn = nn.BCEWithLogitsLoss()
            for xb, yb in loader:
                logits = model(xb)
                loss = loss_fn(logits, yb)
                preds = (torch.sigmoid(logits) > 0.5).float()
                correct += (preds == yb).sum().item()
            """,
            title="sigmoid only to threshold predictions",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            def focal_loss(logits, targets, gamma=2.0):
                p = torch.sigmoid(logits)
                ce = F.binary_cross_entropy_with_logits(logits, targets, reduction="none")
                p_t = p * targets + (1 - p) * (1 - targets)
                return (ce * (1 - p_t) ** gamma).mean()
            """,
            title="sigmoid as a focal-loss weight",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Tagger(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(300, 20)

                def forward(self, x):
                    logits = self.fc(x)
                    return logits if self.training else torch.sigmoid(logits)

            model = Tagger()
            loss = nn.BCEWithLogitsLoss()(model(x), y)
            """,
            title="sigmoid only in evaluation mode",
        ),
        Valid(
            """
            from torch import nn

            model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
            criterion = nn.BCELoss()
            loss = criterion(model(x), y)
            """,
            title="sigmoid output with plain BCELoss, which expects probabilities",
        ),
        Valid(
            """
            from tensorflow import keras

            model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            """,
            title="Keras: sigmoid output with a probability loss",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch
            from torch import nn

            class FraudNet(nn.Module):
                def __init__(self, n_features):
                    super().__init__()
                    self.hidden = nn.Linear(n_features, 32)
                    self.out = nn.Linear(32, 1)

                def forward(self, x):
                    return torch.sigmoid(self.out(torch.relu(self.hidden(x))))

            model = FraudNet(30)
            criterion = nn.BCEWithLogitsLoss()
            for xb, yb in loader:
                loss = criterion(model(xb).squeeze(1), yb)
            """,
            "16:12",
            title="forward() ends in torch.sigmoid",
        ),
        Invalid(
            """
            import torch.nn.functional as F

            def step(model, x, y):
                loss = F.binary_cross_entropy_with_logits(model(x).sigmoid(), y)
                return loss
            """,
            "4:12",
            fix="""
            import torch.nn.functional as F

            def step(model, x, y):
                loss = F.binary_cross_entropy_with_logits(model(x), y)
                return loss
            """,
            title="Tensor.sigmoid inside the loss call (fixed by removing it)",
        ),
        Invalid(
            """
            from torch import nn

            model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1), nn.Sigmoid())
            criterion = nn.BCEWithLogitsLoss()
            loss = criterion(model(x), y)
            """,
            "5:8",
            title="nn.Sigmoid as the last layer of nn.Sequential",
        ),
        Invalid(
            files={
                "nets.py": """
                    import torch.nn as nn

                    class Discriminator(nn.Module):
                        def __init__(self):
                            super().__init__()
                            self.main = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())

                        def forward(self, x):
                            return self.main(x.view(x.size(0), -1))
                    """,
                "train_gan.py": """
                    import torch
                    import torch.nn as nn
                    from nets import Discriminator

                    D = Discriminator()
                    adversarial = nn.BCEWithLogitsLoss()
                    real_scores = D(real_images)
                    d_loss = adversarial(real_scores, torch.ones_like(real_scores))
                    """,
            },
            expect=("train_gan.py:8:10",),
            title="a discriminator from another file ends in nn.Sigmoid",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            inputs = keras.Input(shape=(180, 180, 3))
            x = layers.Conv2D(32, 3, activation="relu")(inputs)
            x = layers.GlobalAveragePooling2D()(x)
            outputs = layers.Dense(1, activation="sigmoid")(x)
            model = keras.Model(inputs, outputs)
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
            """,
            "9:1",
            title="Keras: a sigmoid output compiled with BinaryCrossentropy(from_logits=True)",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.body = nn.Sequential(nn.Linear(16, 16), nn.ReLU())
                    self.head = nn.Linear(16, 1)

                def forward(self, x):
                    out = self.head(self.body(x))
                    out = out.sigmoid()
                    return out.squeeze(-1)

            net = nn.DataParallel(Net().cuda())
            bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))
            for x, y in loader:
                pred = net(x.cuda())
                loss = bce(pred, y.float().cuda())
            """,
            "19:12",
            title="Tensor.sigmoid in forward(), the model wrapped in DataParallel",
        ),
    ]


def _shorten(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
