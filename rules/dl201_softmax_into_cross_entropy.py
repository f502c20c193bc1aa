import ast

from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.activations import LOG_SOFTMAX, SIGMOID, SOFTMAX
from dllint.semantic.gradient_flow import no_gradient_reason
from dllint.semantic.loss_sites import CATEGORICAL, EXPECTS_LOGITS


class SoftmaxIntoCrossEntropy(Rule):
    """
    ## What it does
    Finds softmax or log-softmax outputs given as the prediction to a
    cross-entropy that applies the softmax itself: PyTorch's
    `nn.CrossEntropyLoss` / `F.cross_entropy`, and Keras / TensorFlow
    crossentropies built with `from_logits=True` (the loss classes, the loss
    functions, `tf.nn.softmax_cross_entropy_with_logits` and its sparse
    variant) fed by a model whose final activation is softmax.

    The softmax can be applied anywhere on the way: `F.softmax`,
    `torch.softmax`, `Tensor.softmax`, `nn.Softmax` (also as the last layer
    of an `nn.Sequential`), `F.log_softmax`, `nn.LogSoftmax`; in Keras
    `activation="softmax"`, the function given as an object
    (`activation=tf.nn.softmax`, `keras.activations.softmax`,
    `keras.activations.get("softmax")`, or a variable assigned one of them
    once), a `Softmax()` or `Activation("softmax")` layer. dllint follows the value through
    variables, helper functions, the `forward()` / `call()` of a model class
    (also one defined in another file), `nn.Sequential` / `keras.Sequential`
    and functional Keras graphs.

    A sigmoid on the same way (`torch.sigmoid`, `nn.Sigmoid` as the last
    layer, Keras `activation="sigmoid"` before a categorical crossentropy with
    `from_logits=True`) is reported too: it is the same mistake with another
    squashing function, and it fits no binary rule, the loss being the
    softmax one.

    ## Why is this bad?
    These losses compute `log_softmax(prediction)` themselves. Fed
    probabilities, they take the softmax of a softmax: every value is
    squeezed into a narrow range, the loss can no longer approach zero, and
    the gradients shrink, so the model trains slowly or stalls without any
    error. Fed log-probabilities, the extra `log_softmax` is redundant
    (log-softmax is idempotent, so the loss is unchanged) but wasted work and
    a sign that the `nll_loss` and `cross_entropy` recipes were mixed. Fed
    sigmoid outputs, every score sits in (0, 1), so the softmax the loss takes
    of them is close to uniform: the loss cannot approach zero and the
    gradients shrink, as with a softmax.

    In a validation or test step (under `torch.no_grad()`, in an evaluation
    function that takes no gradients, in a loop over held-out data) no
    gradient flows, so the cost is different: the loss reported there is not
    the model's cross-entropy and cannot be compared with the training loss.
    The message says so.

    ## Known limits
    Only what dllint can prove is reported: the softmax must be applied on
    every path to the loss. A softmax used only for metrics, predictions or
    reporting while the loss gets the logits is fine, and so is one that
    `forward()` applies only in evaluation mode (`if not self.training:`) or
    behind a flag the training call does not set. A softmax applied to the
    *target* (distillation soft labels) is not the prediction and is not
    reported. Models built in loops, losses passed as opaque objects and
    custom loss classes are not followed.

    ## Fix safety
    When the softmax or log-softmax call sits inside the loss call's
    prediction argument (`criterion(F.softmax(logits, dim=1), y)`), the fix
    replaces it with its input. Removing a log-softmax leaves the loss
    unchanged; removing a softmax changes only the bug. The fix is marked
    unsafe when the call passes more than the input and `dim` (a `dtype`
    cast would be lost). A softmax reached through a variable, a model or a
    Keras layer gets no fix: the probabilities may be needed elsewhere.
    """

    code = "DL201"
    name = "softmax-into-cross-entropy"
    message = "`{prediction}` reaches {loss} already passed through softmax ({where}); drop the softmax and pass the raw logits"
    triggers = LazyPattern(r"cross_entropy|CrossEntropy|from_logits|loss|criterion")

    def visit_Call(self, node: ast.Call) -> None:
        site = self.semantic.loss_sites.at(node)
        if site is None or site.family != CATEGORICAL or site.expects != EXPECTS_LOGITS:
            return
        activation = site.activation
        if activation.kind not in (SOFTMAX, LOG_SOFTMAX, SIGMOID):
            return
        prediction = _shorten(site.prediction_text())
        where = activation.describe(self.semantic)
        evaluation = no_gradient_reason(self.semantic, node)
        if activation.kind == SIGMOID:
            text = _sigmoid_text(site, prediction, where, evaluation)
        elif site.framework == "torch":
            if activation.kind == SOFTMAX and evaluation is not None:
                text = (f"`{prediction}` reaches {site.loss} already passed through softmax ({where}) {evaluation}, where no "
                        "gradients flow; cross-entropy applies log-softmax itself, so the loss reported here is not the "
                        "model's cross-entropy and cannot be compared with the training loss: pass the raw logits")
            elif activation.kind == SOFTMAX:
                text = (f"`{prediction}` reaches {site.loss} already passed through softmax ({where}); cross-entropy applies "
                        "log-softmax itself, so this softmax changes the loss and squashes the gradients: pass the raw logits")
            else:
                text = (f"`{prediction}` reaches {site.loss} already passed through log-softmax ({where}); cross-entropy applies "
                        "log-softmax itself, so this one is redundant (the loss is unchanged): pass the raw logits, or use `nll_loss`")
        else:
            subject = f"the model `{prediction}` already outputs" if site.prediction is None else f"`{prediction}` is already"
            remedy = "the final softmax or `from_logits=True`" if site.keras_loss is not None else "the final softmax"
            if activation.kind == SOFTMAX and evaluation is not None:
                text = (f"{site.loss} expects logits, but {subject} softmax probabilities ({where}) {evaluation}, "
                        f"so softmax is applied twice and the loss reported here is wrong: remove {remedy}")
            elif activation.kind == SOFTMAX:
                text = (f"{site.loss} expects logits, but {subject} softmax probabilities ({where}), "
                        f"so softmax is applied twice and the gradients are squashed: remove {remedy}")
            else:
                text = (f"{site.loss} expects logits, but {subject} log-softmax ({where}); the loss applies "
                        "softmax itself, so this one is redundant (the loss is unchanged): remove it")
        self.report(node, text, fix=self._fix(site))

    def _fix(self, site):
        inline = site.inline_activation()
        return inline.removal(self.source) if inline is not None else None

    VALID = [
        Valid(
            """
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                logits = model(x)
                loss = criterion(logits, y)
            """,
            title="the loss gets the logits",
        ),
        Valid(
            """
            import torch.nn.functional as F

            def train_step(model, x, y):
                logits = model(x)
                probs = F.softmax(logits, dim=1)
                loss = F.cross_entropy(logits, y)
                confidence = probs.max(dim=1).values.mean()
                return loss, confidence
            """,
            title="softmax only for a metric, the loss gets the logits",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn

            class GatedClassifier(nn.Module):
                def __init__(self, n_in, n_classes):
                    super().__init__()
                    self.value = nn.Linear(n_in, 64)
                    self.gate = nn.Linear(n_in, 64)
                    self.out = nn.Linear(64, n_classes)

                def forward(self, x):
                    hidden = self.value(x) * torch.sigmoid(self.gate(x))
                    return self.out(hidden)

            model = GatedClassifier(20, 5)
            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                loss = criterion(model(x), y)
            """,
            title="a sigmoid gate inside the network, the last layer gives logits",
        ),
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(16, 4)

                def forward(self, x):
                    x = self.fc(x)
                    if not self.training:
                        x = F.softmax(x, dim=-1)
                    return x

            model = Net()
            loss = nn.CrossEntropyLoss()(model(inputs), labels)
            """,
            title="forward() applies softmax only in evaluation mode",
        ),
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(16, 4)

                def forward(self, x, return_probs=False):
                    logits = self.fc(x)
                    if return_probs:
                        return F.softmax(logits, dim=-1)
                    return logits

            model = Net()
            criterion = nn.CrossEntropyLoss()
            loss = criterion(model(inputs), labels)
            probs = model(inputs, return_probs=True)
            """,
            title="softmax behind a flag the training call does not set",
        ),
        Valid(
            """
            import torch.nn.functional as F

            def distillation_loss(student_logits, teacher_logits, labels, T=4.0):
                soft_targets = F.softmax(teacher_logits / T, dim=1)
                soft = F.cross_entropy(student_logits / T, soft_targets) * T * T
                return soft + F.cross_entropy(student_logits, labels)
            """,
            title="softmax of the teacher is the target, not the prediction",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F

            def focal_loss(logits, targets, gamma=2.0):
                ce = F.cross_entropy(logits, targets, reduction="none")
                p = torch.softmax(logits, dim=1).gather(1, targets[:, None]).squeeze(1)
                return ((1 - p) ** gamma * ce).mean()
            """,
            title="softmax used as a focal-loss weight beside a loss on logits",
        ),
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc = nn.Linear(16, 4)

                def forward(self, x):
                    return F.log_softmax(self.fc(x), dim=1)

            model = Net()
            loss = F.nll_loss(model(inputs), labels)
            """,
            title="log-softmax with nll_loss is the right pairing",
        ),
        Valid(
            """
            import tensorflow as tf
            from tensorflow import keras

            model = keras.Sequential([keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x_train, y_train)
            probability_model = keras.Sequential([model, keras.layers.Softmax()])
            """,
            title="Keras: logits with from_logits=True; softmax only in a separate inference model",
        ),
        Valid(
            """
            from tensorflow import keras

            model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            title="Keras: softmax output with a probability loss",
        ),
        Valid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self, use_softmax=False):
                    super().__init__()
                    self.use_softmax = use_softmax
                    self.fc = nn.Linear(8, 3)

                def forward(self, x):
                    x = self.fc(x)
                    if self.use_softmax:
                        x = F.softmax(x, dim=1)
                    return x

            model = Net()
            loss = nn.CrossEntropyLoss()(model(inputs), labels)
            """,
            title="a constructor flag that is off for the trained model",
        ),
        Valid(
            """
            import tensorflow as tf

            class Net(tf.keras.Model):
                def __init__(self):
                    super().__init__()
                    self.hidden = tf.keras.layers.Dense(64, activation="relu")
                    self.out = tf.keras.layers.Dense(10)

                def call(self, x, training=False):
                    x = self.out(self.hidden(x))
                    if not training:
                        x = tf.nn.softmax(x)
                    return x

            model = Net()
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            """,
            title="Keras: call() applies softmax only when not training",
        ),
        Valid(
            """
            import tensorflow as tf

            base = tf.keras.applications.MobileNetV2(weights="imagenet", include_top=False, input_shape=(96, 96, 3))
            x = tf.keras.layers.GlobalAveragePooling2D()(base.output)
            outputs = tf.keras.layers.Dense(10)(x)
            model = tf.keras.Model(base.input, outputs)
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            """,
            title="Keras: a pretrained base without its top, a new logits head",
        ),
        Valid(
            """
            import torch.nn as nn

            layers = [nn.Linear(8, 8), nn.ReLU()]
            if args.probabilities:
                layers.append(nn.Softmax(dim=1))
            model = nn.Sequential(*layers)
            loss = nn.CrossEntropyLoss()(model(x), y)
            """,
            title="a Sequential built from a list dllint cannot follow",
        ),
        Valid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Dense(64, activation=tf.keras.activations.relu),
                tf.keras.layers.Dense(10, activation=tf.keras.activations.linear),
            ])
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            """,
            title="`activation=keras.activations.linear` leaves logits",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn

            def validate(model, loader):
                criterion = nn.CrossEntropyLoss()
                model.eval()
                with torch.no_grad():
                    logits = torch.cat([model(x) for x, _ in loader])
                    labels = torch.cat([y for _, y in loader])
                    probabilities = logits.softmax(dim=1)
                    return criterion(logits, labels).item(), probabilities.max(dim=1).values.mean().item()

            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
            print(validate(model, val_loader))
            """,
            title="a validation function: softmax for a confidence metric, the loss gets the logits",
        ),
        Valid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            inputs = keras.Input(shape=(784,))
            x = layers.Dense(64, activation="relu")(inputs)
            x = layers.Dense(10)(x)
            x = layers.Activation("softmax", dtype="float32")(x)
            outputs = layers.Activation("linear", dtype="float32")(x)
            model = keras.Model(inputs=inputs, outputs=outputs)
            model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop")
            """,
            title="a linear Activation layer (a cast to float32) keeps the softmax before it",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import torch.nn as nn

            model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))
            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                logits = model(x)
                loss = criterion(logits, y)
            """,
            "7:12",
            title="the last layer of nn.Sequential is nn.Softmax",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                logits = model(x)
                loss = criterion(torch.softmax(logits, dim=1), y)
            """,
            "7:12",
            fix="""
            import torch
            import torch.nn as nn

            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                logits = model(x)
                loss = criterion(logits, y)
            """,
            title="softmax inside the loss call (fixed by removing it)",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                scores = model(x)
                loss = criterion(torch.sigmoid(scores), y)
            """,
            "7:12",
            fix="""
            import torch
            import torch.nn as nn

            criterion = nn.CrossEntropyLoss()
            for x, y in loader:
                scores = model(x)
                loss = criterion(scores, y)
            """,
            title="a sigmoid inside the call of the softmax cross-entropy (fixed by removing it)",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5), nn.Sigmoid())
            optimizer = torch.optim.Adam(model.parameters())
            for x, y in loader:
                loss = F.cross_entropy(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            """,
            "8:12",
            title="`nn.Sigmoid` as the last layer of a multi-class model trained with `F.cross_entropy`",
        ),
        Invalid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Dense(64, activation="relu"),
                tf.keras.layers.Dense(10, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x_train, y_train, epochs=5)
            """,
            "7:1",
            title="Keras: a sigmoid output layer and a sparse categorical crossentropy from logits",
        ),
        Invalid(
            """
            import torch.nn.functional as F

            def step(model, x, y):
                logits = model(x)
                loss = F.cross_entropy(logits.log_softmax(dim=-1).view(-1, 100), y.view(-1))
                return loss
            """,
            "5:12",
            fix="""
            import torch.nn.functional as F

            def step(model, x, y):
                logits = model(x)
                loss = F.cross_entropy(logits.view(-1, 100), y.view(-1))
                return loss
            """,
            title="log-softmax before cross_entropy is redundant (Tensor method)",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            def train(model, loader, criterion, optimizer):
                for inputs, labels in loader:
                    logits = model(inputs)
                    probs = torch.softmax(logits, dim=1)
                    loss = criterion(probs, labels)
                    loss.backward()

            criterion = nn.CrossEntropyLoss()
            train(net, train_loader, criterion, opt)
            """,
            "8:16",
            title="a softmax variable, the criterion passed as a parameter",
        ),
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(20, 64)
                    self.fc2 = nn.Linear(64, 3)
                    self.softmax = nn.Softmax(dim=1)

                def forward(self, x):
                    x = F.relu(self.fc1(x))
                    return self.softmax(self.fc2(x))

            net = Net()
            loss_fn = nn.CrossEntropyLoss()
            output = net(features)
            loss = loss_fn(output, target)
            """,
            "18:8",
            title="nn.Softmax held on self and applied in forward()",
        ),
        Invalid(
            files={
                "model.py": """
                    import torch.nn as nn
                    import torch.nn.functional as F

                    class AudioNet(nn.Module):
                        def __init__(self, n_classes=50):
                            super().__init__()
                            self.conv = nn.Conv2d(1, 32, 3)
                            self.fc = nn.Linear(32, n_classes)

                        def forward(self, spec):
                            x = F.relu(self.conv(spec)).mean(dim=(2, 3))
                            return F.softmax(self.fc(x), dim=-1)
                    """,
                "train.py": """
                    import torch.nn.functional as F
                    from model import AudioNet

                    model = AudioNet()
                    for spec, label in loader:
                        output = model(spec)
                        loss = F.cross_entropy(output, label)
                    """,
            },
            expect=("train.py:7:12",),
            title="forward() in another file of the project returns softmax",
        ),
        Invalid(
            files={
                "model.py": """
                    import torch.nn as nn

                    class Net(nn.Module):
                        def __init__(self):
                            super().__init__()
                            self.fc = nn.Linear(10, 3)
                            self.softmax = nn.Softmax(dim=1)

                        def forward(self, x):
                            return self.softmax(self.fc(x))
                    """,
                "engine.py": """
                    import torch

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
                    import torch.nn as nn
                    from model import Net
                    from engine import train_one_epoch

                    net = Net()
                    criterion = nn.CrossEntropyLoss()
                    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
                    for epoch in range(10):
                        train_one_epoch(net, loader, criterion, optimizer)
                    """,
            },
            expect=("engine.py:7:16",),
            title="model, training loop and loss each in their own file",
        ),
        Invalid(
            """
            import torch.nn.functional as F

            def to_probabilities(scores):
                return F.softmax(scores, dim=-1)

            def loss_for(model, batch):
                x, y = batch
                return F.cross_entropy(to_probabilities(model(x)), y)
            """,
            "8:12",
            title="softmax applied by a helper function",
        ),
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F
            import lightning as L

            class Classifier(L.LightningModule):
                def __init__(self):
                    super().__init__()
                    self.head = nn.Linear(128, 10)

                def forward(self, x):
                    return F.softmax(self.head(x), dim=1)

                def training_step(self, batch, batch_idx):
                    x, y = batch
                    return F.cross_entropy(self(x), y)
            """,
            "15:16",
            title="Lightning: self(x) runs a forward() that ends in softmax",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Classifier(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4), nn.LogSoftmax(dim=1))

                def forward(self, x):
                    return self.net(x)

            class Trainer:
                def __init__(self, model, criterion, optimizer):
                    self.model = model
                    self.criterion = criterion
                    self.optimizer = optimizer

                def step(self, x, y):
                    self.optimizer.zero_grad()
                    loss = self.criterion(self.model(x), y)
                    loss.backward()
                    self.optimizer.step()

            model = Classifier()
            trainer = Trainer(model, nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters()))
            """,
            "20:16",
            title="nn.LogSoftmax last layer, model and loss held by a Trainer class (redundant)",
        ),
        Invalid(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self, use_softmax=True):
                    super().__init__()
                    self.use_softmax = use_softmax
                    self.fc = nn.Linear(8, 3)

                def forward(self, x):
                    x = self.fc(x)
                    if self.use_softmax:
                        x = F.softmax(x, dim=1)
                    return x

            model = Net()
            loss = nn.CrossEntropyLoss()(model(inputs), labels)
            """,
            "17:8",
            title="a constructor flag that is on for the trained model",
        ),
        Invalid(
            """
            import torch.nn as nn
            from torchvision import models

            model = models.resnet18(weights="IMAGENET1K_V1")
            model.fc = nn.Sequential(nn.Dropout(0.2), nn.Linear(512, 5), nn.Softmax(dim=1))
            criterion = nn.CrossEntropyLoss()
            for images, labels in loader:
                loss = criterion(model(images), labels)
            """,
            "8:12",
            title="a pretrained torchvision model whose head was replaced by one ending in softmax",
        ),
        Invalid(
            """
            import tensorflow as tf

            model = tf.keras.applications.ResNet50(weights=None, classes=10, input_shape=(64, 64, 3))
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            """,
            "4:1",
            title="Keras: a keras.applications model keeps its default softmax classifier",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            model = keras.Sequential([
                layers.Flatten(),
                layers.Dense(128, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
            """,
            "9:1",
            title="Keras: a softmax Dense layer compiled with from_logits=True",
        ),
        Invalid(
            """
            import tensorflow as tf
            import keras
            from keras import layers

            def make_model():
                inputs = keras.Input(shape=(32, 32, 3))
                x = layers.Conv2D(32, 3, activation="relu")(inputs)
                x = layers.GlobalAveragePooling2D()(x)
                x = layers.Dense(100)(x)
                outputs = layers.Softmax()(x)
                return keras.Model(inputs, outputs)

            model = make_model()
            loss_fn = keras.losses.CategoricalCrossentropy(from_logits=True)

            @tf.function
            def train_step(images, labels):
                with tf.GradientTape() as tape:
                    preds = model(images, training=True)
                    loss = loss_fn(labels, preds)
                return tape.gradient(loss, model.trainable_variables)
            """,
            "20:16",
            title="Keras functional model ending in Softmax(), loss object called in a GradientTape loop",
        ),
        Invalid(
            """
            import tensorflow as tf

            inputs = tf.keras.Input(shape=(20,))
            hidden = tf.keras.layers.Dense(64, activation="relu")(inputs)
            probs = tf.keras.layers.Dense(5, activation=tf.nn.softmax)(hidden)
            model = tf.keras.Model(inputs=inputs, outputs=probs)

            def train_step(x, y):
                with tf.GradientTape() as tape:
                    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=model(x, training=True)))
                return tape.gradient(loss, model.trainable_variables)
            """,
            "10:31",
            title="tf.nn.softmax_cross_entropy_with_logits fed softmax output",
        ),
        Invalid(
            """
            from tensorflow import keras

            head = keras.activations.softmax
            model = keras.Sequential([
                keras.layers.Dense(128, activation=keras.activations.relu),
                keras.layers.Dense(10, activation=head),
            ])
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            """,
            "8:1",
            title="softmax given as an object held in a variable (`keras.activations.softmax`)",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.fc1 = nn.Linear(784, 128)
                    self.fc2 = nn.Linear(128, 10)

                def forward(self, x):
                    return F.softmax(self.fc2(F.relu(self.fc1(x))), dim=1)

            def evaluate(model, loader):
                criterion = nn.CrossEntropyLoss()
                model.eval()
                total = 0.0
                with torch.no_grad():
                    for x, y in loader:
                        total += criterion(model(x), y).item()
                return total / len(loader)

            model = Net()
            print(evaluate(model, test_loader))
            """,
            "20:22",
            title="in an evaluation function: the reported loss is wrong (no gradients flow there)",
        ),
        Invalid(
            files={
                "model.py": """
                    import tensorflow as tf

                    def build_classifier(num_classes):
                        return tf.keras.Sequential([
                            tf.keras.layers.Dense(64, activation=tf.nn.relu),
                            tf.keras.layers.Dense(num_classes, activation=tf.nn.softmax),
                        ])
                    """,
                "evaluate.py": """
                    import tensorflow as tf
                    from model import build_classifier

                    model = build_classifier(10)
                    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

                    def test_step(images, labels):
                        predictions = model(images, training=False)
                        return loss_fn(labels, predictions)
                    """,
            },
            expect=("evaluate.py:9:12",),
            title="a Keras test step in another file than the model: the reported loss is wrong",
        ),
    ]


def _shorten(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _sigmoid_text(site, prediction: str, where: str, evaluation) -> str:
    """A sigmoid squeezes every score into (0, 1) before the loss's own
    softmax: the class probabilities it sees are nearly uniform."""
    if site.framework == "torch":
        if evaluation is not None:
            return (f"`{prediction}` reaches {site.loss} already passed through a sigmoid ({where}) {evaluation}, where "
                    "no gradients flow; cross-entropy applies softmax itself to scores squeezed into (0, 1), so the loss "
                    "reported here is not the model's cross-entropy and cannot be compared with the training loss: "
                    "pass the raw logits")
        return (f"`{prediction}` reaches {site.loss} already passed through a sigmoid ({where}); cross-entropy applies "
                "softmax itself to scores squeezed into (0, 1), so the loss cannot approach zero and the gradients "
                "shrink: pass the raw logits")
    subject = f"the model `{prediction}` ends in a sigmoid" if site.prediction is None \
        else f"`{prediction}` has already been through a sigmoid"
    during = f" {evaluation}" if evaluation is not None else ""
    return (f"{site.loss} expects logits, but {subject} ({where}){during}; the loss applies softmax to scores "
            "squeezed into (0, 1), so it cannot approach zero: remove the sigmoid")
