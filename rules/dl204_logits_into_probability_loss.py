import ast

from dllint import changes
from dllint.diagnostics import Fix
from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.activations import LOGITS
from dllint.semantic.gradient_flow import no_gradient_reason
from dllint.semantic.loss_sites import BINARY, EXPECTS_PROBS


class LogitsIntoProbabilityLoss(Rule):
    """
    ## What it does
    Finds Keras / tf.keras models whose final layer has no activation (so
    they output logits) trained with a crossentropy that assumes
    probabilities: the strings `"categorical_crossentropy"`,
    `"sparse_categorical_crossentropy"`, `"binary_crossentropy"` (and the
    focal variants), or the loss classes and functions with `from_logits`
    left at its default `False` (or set to `False`).

    The model may be a `Sequential` (layers listed or added with `.add`), a
    functional `keras.Model(inputs, outputs)` built in a helper, or a
    subclassed model whose `call()` returns a layer without activation. "No
    activation" is `activation=None` or left out, `"linear"`, or the
    function given as an object: `keras.activations.linear`, `tf.identity`,
    `keras.activations.get("linear")`, or a variable assigned one of them
    once. The loss may be given to `compile()` or called in a custom
    training loop.

    ## Why is this bad?
    With `from_logits=False` Keras treats the outputs as probabilities: it
    clips them into (0, 1) (and rescales categorical outputs to sum to one)
    before taking the log. Logits are not probabilities, so the loss is
    computed on clipped, meaningless values, its gradient is zero wherever a
    score falls outside (0, 1), and training stalls or diverges without any
    error.

    ## Known limits
    Reported only when dllint sees the last layer on every path: a model
    whose layers are built in a loop, loaded from disk, or chosen at run time
    is not reported, and neither are custom loss functions or dictionaries of
    losses for multi-output models. A separate `Activation("softmax")` or
    `Softmax()` layer after the last `Dense` counts as an activation.

    ## Fix safety
    The fix makes the loss expect logits: it sets `from_logits=True` on the
    loss class, or replaces the loss string with the matching class built
    with `from_logits=True` (spelled through the file's own imports; no fix
    when none reaches `keras.losses`). It is unsafe: the model still outputs
    logits, so code that reads `predict()` as probabilities, or a binary
    `"accuracy"` metric that thresholds at 0.5, needs changing too. Loss
    functions passed by reference get no fix.
    """

    code = "DL204"
    name = "logits-into-probability-loss"
    message = "the model outputs logits ({where}) but {loss} expects probabilities; use `from_logits=True`"
    triggers = LazyPattern(r"crossentropy|Crossentropy|loss|criterion")

    def visit_Call(self, node: ast.Call) -> None:
        site = self.semantic.loss_sites.at(node)
        if site is None or site.framework != "keras" or site.expects != EXPECTS_PROBS or site.keras_loss is None:
            return
        activation = site.activation
        if activation.kind != LOGITS:
            return
        spec = site.keras_loss
        prediction = _shorten(site.prediction_text())
        subject = f"the model `{prediction}` outputs" if site.prediction is None else f"`{prediction}` holds"
        if spec.node is not None and isinstance(spec.node, ast.Constant):
            assumes = "assumes probabilities"
        elif spec.from_logits is not None:
            assumes = "expects probabilities (`from_logits=False`)"
        else:
            assumes = "expects probabilities (`from_logits` defaults to False)"
        suggestion = f"`{spec.class_name}(from_logits=True)`" if spec.class_name else "`from_logits=True`"
        final = "sigmoid" if site.family == BINARY else "softmax"
        evaluation = no_gradient_reason(self.semantic, node)
        cost = "training stalls" if evaluation is None else "the loss reported here is wrong"
        context = "" if evaluation is None else f" {evaluation}, where no gradients flow"
        text = (f"{subject} logits ({activation.describe(self.semantic)}){context}, but {site.loss} {assumes}, so the scores are "
                f"clipped as if they were probabilities and {cost}: use {suggestion}, or end the model with a {final} activation")
        self.report(node, text, fix=self._fix(spec))

    def _fix(self, spec):
        node = spec.node
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            if not spec.class_name:
                return None
            reference = self.semantic.imports.reference_to(f"keras.losses.{spec.class_name}")
            if reference is None:
                return None
            replacement = f"{reference}(from_logits=True)"
            change = changes.replace(self.source, node, replacement)
            return Fix(f"Use `{replacement}`", (change,), safe=False) if change is not None else None
        if not isinstance(node, ast.Call):
            return None
        change = changes.set_keyword(self.source, node, "from_logits", "True")
        return Fix("Set `from_logits=True`", (change,), safe=False) if change is not None else None

    VALID = [
        Valid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Conv1D(64, 5, activation="relu"),
                tf.keras.layers.GlobalMaxPooling1D(),
                tf.keras.layers.Dense(6),
            ])
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
            """,
            title="logits with from_logits=True",
        ),
        Valid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            def build(vocab_size):
                inputs = keras.Input(shape=(vocab_size,))
                x = layers.Dense(512, activation="relu")(inputs)
                x = layers.Dense(20, name="scores")(x)
                outputs = layers.Activation("softmax", name="probs")(x)
                model = keras.Model(inputs, outputs)
                model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
                return model
            """,
            title="a separate Activation(\"softmax\") layer after the last Dense",
        ),
        Valid(
            """
            from tensorflow import keras

            model = keras.Sequential()
            model.add(keras.layers.Dense(64, activation="relu"))
            model.add(keras.layers.Dense(1))
            model.add(keras.layers.Activation("sigmoid"))
            model.compile(optimizer="adam", loss="binary_crossentropy")
            """,
            title="Sequential built with add(), ending in an activation layer",
        ),
        Valid(
            """
            from tensorflow import keras

            model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            """,
            title="regression: a linear output with mean squared error",
        ),
        Valid(
            """
            from tensorflow import keras

            def build(layer_sizes, classes):
                model = keras.Sequential()
                for size in layer_sizes:
                    model.add(keras.layers.Dense(size, activation="relu"))
                if classes:
                    model.add(keras.layers.Dense(classes))
                return model

            model = build([64, 64], 10)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            title="the last layer is added conditionally: not certain",
        ),
        Valid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(3)])
            for x, y in dataset:
                with tf.GradientTape() as tape:
                    logits = model(x, training=True)
                    loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True))
            """,
            title="the loss function told that it gets logits",
        ),
        Valid(
            """
            from tensorflow import keras

            def head(units, **options):
                return keras.layers.Dense(units, **options)

            model = keras.Sequential([keras.layers.Dense(64, activation="relu"), keras.layers.Dense(5, **head_options)])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            """,
            title="the activation may be among **kwargs",
        ),
        Valid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Dense(64, activation=tf.nn.relu),
                tf.keras.layers.Dense(10, activation=tf.nn.softmax),
            ])
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy())
            """,
            title="softmax given as an object (`tf.nn.softmax`) before a probability loss",
        ),
        Valid(
            """
            import tensorflow as tf

            final = tf.keras.activations.linear
            if not from_logits:
                final = tf.keras.activations.sigmoid
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation=final)])
            model.compile(optimizer="adam", loss=tf.keras.losses.BinaryCrossentropy())
            """,
            title="an activation variable set in a branch: not certain",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Conv1D(64, 5, activation="relu"),
                tf.keras.layers.GlobalMaxPooling1D(),
                tf.keras.layers.Dense(6),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            """,
            "8:1",
            fix="""
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Conv1D(64, 5, activation="relu"),
                tf.keras.layers.GlobalMaxPooling1D(),
                tf.keras.layers.Dense(6),
            ])
            model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
            """,
            title="a Dense layer without activation and a loss string",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            model = keras.Sequential([layers.Embedding(20001, 64), layers.Bidirectional(layers.LSTM(32)), layers.Dense(1)])
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
            """,
            "5:1",
            fix="""
            from tensorflow import keras
            from tensorflow.keras import layers

            model = keras.Sequential([layers.Embedding(20001, 64), layers.Bidirectional(layers.LSTM(32)), layers.Dense(1)])
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
            """,
            title="a binary logit with BinaryCrossentropy() left at its default",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            def conv_block(x, filters):
                x = layers.Conv2D(filters, 3, padding="same")(x)
                x = layers.BatchNormalization()(x)
                return layers.Activation("relu")(x)

            def build_net():
                inputs = keras.Input(shape=(32, 32, 3))
                x = conv_block(inputs, 64)
                x = layers.GlobalAveragePooling2D()(x)
                outputs = layers.Dense(10)(x)
                return keras.Model(inputs, outputs)

            model = build_net()
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            """,
            "17:1",
            title="a functional model built in a helper",
        ),
        Invalid(
            """
            import tensorflow as tf

            class Classifier(tf.keras.Model):
                def __init__(self):
                    super().__init__()
                    self.hidden = tf.keras.layers.Dense(128, activation="relu")
                    self.out = tf.keras.layers.Dense(10)

                def call(self, x):
                    return self.out(self.hidden(x))

            model = Classifier()
            loss_object = tf.keras.losses.SparseCategoricalCrossentropy()

            @tf.function
            def train_step(images, labels):
                with tf.GradientTape() as tape:
                    predictions = model(images, training=True)
                    loss = loss_object(labels, predictions)
                return tape.gradient(loss, model.trainable_variables)
            """,
            "19:16",
            title="a subclassed model and a loss object in a GradientTape loop",
        ),
        Invalid(
            """
            from keras import Sequential
            from keras.layers import Dense

            model = Sequential()
            model.add(Dense(64, activation="relu", input_shape=(20,)))
            model.add(Dense(3))
            model.compile(optimizer="sgd", loss="categorical_crossentropy")
            """,
            "7:1",
            title="Sequential built with add()",
        ),
        Invalid(
            """
            from tensorflow.keras import layers, losses, models

            model = models.Sequential()
            model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(32, 32, 3)))
            model.add(layers.Flatten())
            model.add(layers.Dense(64, activation="relu"))
            model.add(layers.Dense(10))
            model.compile(optimizer="adam", loss=losses.sparse_categorical_crossentropy, metrics=["accuracy"])
            """,
            "8:1",
            title="a loss function passed by reference (no fix)",
        ),
        Invalid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([tf.keras.layers.Dense(32, activation="relu"), tf.keras.layers.Dense(3)])
            optimizer = tf.keras.optimizers.Adam()
            for x, y in dataset:
                with tf.GradientTape() as tape:
                    logits = model(x, training=True)
                    loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(y, logits))
                grads = tape.gradient(loss, model.trainable_variables)
            """,
            "8:31",
            title="the loss function called in a GradientTape loop",
        ),
        Invalid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([
                tf.keras.layers.Dense(4, activation=tf.keras.activations.relu),
                tf.keras.layers.Dense(1, activation=tf.keras.activations.linear),
            ])
            model.compile(loss=tf.keras.losses.binary_crossentropy, optimizer=tf.keras.optimizers.Adam())
            """,
            "7:1",
            title="the activation given as an object: `keras.activations.linear` is no activation",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras import layers

            def build(num_classes):
                head = keras.activations.get("linear")
                inputs = keras.Input(shape=(128,))
                hidden = layers.Dense(64, activation=keras.activations.relu)(inputs)
                outputs = layers.Dense(num_classes, activation=head)(hidden)
                return keras.Model(inputs, outputs)

            model = build(10)
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())
            """,
            "12:1",
            title="an activation object held in a variable, in a functional model built by a helper",
        ),
        Invalid(
            """
            import tensorflow as tf

            model = tf.keras.Sequential([tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(10)])
            loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()

            def test_step(x, y):
                return loss_fn(y, model(x, training=False))
            """,
            "7:12",
            title="in a Keras test step: the reported loss is wrong (no gradients flow there)",
        ),
    ]


def _shorten(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
