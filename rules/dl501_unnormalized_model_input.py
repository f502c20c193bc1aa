import ast
from typing import Dict, List, Optional, Tuple

from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.data_sinks import CROSS_VALIDATION, EVALUATION, FIT_TRANSFORM, MONITORING, PREDICTION, TRAINING, DataSink
from dllint.semantic.scale import RAW, STANDARDIZED, UNIT, UNSCALED, ModelInput, Scale, Scales
from dllint.semantic.values import MODEL

_NETWORKS = ("torch", "keras")
_INFERENCE = (EVALUATION, PREDICTION, MONITORING)
_MAX_HELPER_DEPTH = 3


class _Feed:
    """Data reaching one model at one sink: its scale and what the model does with it."""

    def __init__(self, sink: DataSink, scale: Scale, model: ModelInput, model_key: object, owner: Scales):
        self.sink, self.scale, self.model, self.model_key, self.owner = sink, scale, model, model_key, owner


class UnnormalizedModelInput(Rule):
    """
    ## What it does
    Finds data that reaches a model at the wrong value scale: raw 0-255
    images fed to a network, a pretrained vision model fed without the
    mean/std normalization its weights were trained with, unscaled features
    from a file fed to a scale-sensitive scikit-learn estimator, and
    evaluation or prediction data that skips a normalizing step the
    training data goes through.

    ## Why is this bad?
    Networks and many classical estimators are tuned for inputs around
    -1..1 or 0..1. Raw pixels or features spanning 0..10,000 make training
    slow or unstable; a pretrained network fed other statistics than its
    own extracts wrong features. When training normalizes and inference does
    not (or uses other constants), the deployed model sees inputs it never
    saw in training. Nothing crashes either way: the accuracy is just worse.

    The finding names the data, where its raw scale came from (the loader,
    `cv2.imread`, `pd.read_csv`...) and the steps it went through.

    ## Known limits
    dllint follows data through assignments, loops over loaders, project
    functions and `Dataset` classes (in any file of the project), generators,
    `collate_fn`, `tf.data` `.map` functions, torchvision / albumentations /
    Keras preprocessing pipelines and scikit-learn pipelines. A step it does
    not know (a library function without a catalog row, a project function it
    cannot read) makes the scale unknown, and unknown is never reported.

    A network is taken to normalize its own input when its class divides or
    standardizes inside (`forward`), when the file that builds a Keras model
    has a `Rescaling`, `Normalization`, `Lambda` layer or `preprocess_input`,
    or when it is a Keras application that normalizes inside the graph
    (EfficientNet, ConvNeXt...) or a torchvision detection model. A model
    from `torch.hub.load` is not judged (its code, which may prepare its own
    input, is not visible), unless the hub is torchvision's own.

    Data given to scikit-learn's cross-validation (`cross_val_score(SVC(),
    X, y)`, `cross_validate`, `learning_curve`...) is training data of the
    estimator passed with it.

    Scikit-learn's toy loaders whose features share one scale are not reported:
    `load_iris` (four lengths in cm), `load_digits` (pixels 0-16),
    `load_diabetes` (already standardized) and the `make_*` generators
    (features drawn around 0 with unit variance). `load_breast_cancer`,
    `load_wine`, `fetch_california_housing` and `fetch_covtype` mix features
    whose ranges differ by orders of magnitude, and are. Features read from a
    file (`pd.read_csv`) are taken as unscaled, except a single column and
    the public files whose features share one unit (`iris.data`, as
    `load_iris`; `catalog.SHARED_SCALE_TABLES`); a
    table some of whose columns were normalized in place (`df[cols] =
    scaler.fit_transform(df[cols])`, `df[c] = zscore(df[c])`) counts as
    normalized, whichever columns are selected from it later.
    Scale-invariant estimators (trees, forests, boosting, naive Bayes) are
    never reported; token ids, one-hot and TF-IDF features neither.

    Random augmentation present only in the training pipeline is expected
    and ignored; only value-changing steps count. Mistakes inside a present
    normalization are reported when visible: dividing by 255 twice, dividing
    by 255 before a Keras `preprocess_input` (which expects 0-255), or
    `Normalize` with 0-1 constants applied to 0-255 values.
    """

    code = "DL501"
    name = "unnormalized-model-input"
    message = "{text}"
    # A raw source, a table reader, or a pretrained model / normalizing step to compare against.
    triggers = LazyPattern(
        r"load_data|imread|imdecode|read_image|decode_image|decode_jpeg|decode_png|Image\.open|load_img"
        r"|image_dataset_from_directory|flow_from|MNIST|CIFAR|SVHN|STL10|USPS|read_csv|read_table|read_excel"
        r"|read_parquet|read_json|read_feather|loadtxt|genfromtxt|load_breast_cancer|load_wine|fetch_california"
        r"|fetch_covtype|fetch_kddcup|pretrained|weights=|Normalize|ToTensor|ToDtype|Rescaling|preprocess_input"
        r"|Scaler|fit_transform|255|DataLoader|\.fit\(|\.predict\(|\.evaluate\(|transforms\.|transform="
    )

    def finish(self) -> None:
        feeds = [feed for sink in self.semantic.data_sinks.all() for feed in self._feeds(sink)]
        trained: Dict[object, List[_Feed]] = {}
        for feed in feeds:
            if feed.sink.role == TRAINING:
                trained.setdefault(feed.model_key, []).append(feed)
        reported = set()
        for feed in feeds:
            judged = self._judge(feed, trained.get(feed.model_key, []) if feed.model_key is not None else [])
            if judged is None:
                continue
            kind, message = judged
            # One finding per place, and one per (data source, model, mistake): the raw
            # MNIST arrays fed at five forward calls of one model are one bug.
            keys = {("node", id(feed.sink.node)), ("source", id(feed.scale.origin), feed.model_key, kind)}
            if keys & reported:
                continue
            reported |= keys
            self.report(feed.sink.node, text=message)

    # -- what reaches the model -------------------------------------------------
    def _feeds(self, sink: DataSink) -> List[_Feed]:
        if sink.role not in (TRAINING, CROSS_VALIDATION, FIT_TRANSFORM) + _INFERENCE or sink.framework in ("hf", "lightning"):
            return []
        scales: Scales = self.semantic.scale
        found: List[_Feed] = []
        for owner, data, env, model_expr in self._reaching(sink, scales, {}, 0):
            scale = owner.scale_in(data, env)
            if scale is None or model_expr is None:
                continue
            scale = _input_of(scale)
            model = owner.model_input(model_expr)
            if model is None:
                continue
            found.append(_Feed(sink, scale, model, _model_key(owner, model_expr), owner))
        return found

    def _reaching(self, sink: DataSink, scales: Scales, env, depth: int):
        """(Scales of the file, data expression, environment, model expression) for each
        place the sink's data meets a model, following a helper's sink into the helper."""
        if sink.inner is not None and isinstance(sink.node, ast.Call) and depth < _MAX_HELPER_DEPTH:
            from dllint.semantic.training_loops import resolve_callee

            resolved = resolve_callee(scales.semantic, sink.node)
            if resolved is None:
                return []
            other, function = resolved
            inner_env = other.scale.environment(function, sink.node, scales, env)
            return self._reaching(sink.inner, other.scale, inner_env, depth + 1)
        if sink.model is not None:
            return [(scales, sink.data, env, sink.model)]
        loop = scales.semantic.parent(sink.node)
        if not isinstance(loop, (ast.For, ast.AsyncFor)):
            return []
        return [(scales, argument, env, callee) for argument, callee in _forward_calls(scales, loop)]

    # -- judging ----------------------------------------------------------------
    def _judge(self, feed: _Feed, training: List[_Feed]) -> Optional[Tuple[str, str]]:
        scale, model, sink = feed.scale, feed.model, feed.sink
        data = self._data_text(sink)
        where = sink.description
        origin = scale.source
        if scale.problem is not None:
            return "wrong", f"`{data}` reaches {where} through a wrong normalization: {scale.problem[0]} (line {scale.problem[1].lineno}); its scale comes from {origin}"
        if model.framework == "sklearn":
            return self._judge_estimator(feed, training, data, where)
        if sink.role == FIT_TRANSFORM:
            return None
        if model.framework not in _NETWORKS or model.normalizes_inside or model.opaque:
            return None
        if sink.role in _INFERENCE:
            disagreement = self._disagreement(feed, training, data, where)
            if disagreement:
                return "disagree", disagreement
            if any(other.scale.level == RAW for other in training) or (training and scale.level != RAW):
                return None  # reported at the training site, or the training data is not known to differ
        if scale.level == RAW and any(text.startswith("* ") for text, _ in scale.steps):
            return None  # brought to 0-255 on purpose (`x.mul(255)`): the model is built for it
        if scale.level == RAW:
            advice = ("divide it by 255 (or put `layers.Rescaling(1/255)` first in the model)" if model.framework == "keras"
                      else "divide it by 255 or apply `transforms.ToTensor()` / `v2.ToDtype(torch.float32, scale=True)`, then `Normalize`")
            if model.pretrained:
                advice = ("pass it through the application's `preprocess_input`" if model.framework == "keras"
                          else "use the weights' own `weights.transforms()` (or `ToTensor()` and `Normalize` with the ImageNet mean and std)")
            return "raw", f"`{data}` reaches {where} at raw 0-255 scale: it comes from {origin}{_steps(scale)} and nothing normalizes it; {advice}"
        if model.pretrained and scale.level == UNIT:
            if model.framework == "keras":
                advice = "pass 0-255 images through the application's `preprocess_input` instead of dividing them"
            elif (model.qualname or "").startswith("timm") or "timm" in model.pretrained:
                advice = "build the transform from the model's data config (`timm.data.create_transform(**timm.data.resolve_data_config({}, model=model))`)"
            else:
                advice = "add `transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])` or use `weights.transforms()`"
            return "pretrained", (f"`{data}` reaches {where} scaled to 0-1 only ({origin}{_steps(scale)}), but {model.pretrained} expects the mean/std "
                    f"normalization it was trained with; {advice}")
        return None

    def _judge_estimator(self, feed: _Feed, training: List[_Feed], data: str, where: str) -> Optional[Tuple[str, str]]:
        scale, model, sink = feed.scale, feed.model, feed.sink
        if not model.scale_sensitive or model.pipeline_unknown or model.preprocessing is None:
            return None
        effective = _through(feed)
        if effective is None:
            return None
        if sink.role in _INFERENCE:
            disagreement = self._disagreement(feed, training, data, where)
            return ("disagree", disagreement) if disagreement else None
        if effective.level == UNSCALED:
            return "unscaled", (f"`{data}` reaches {where} with unscaled features from {scale.source}{_steps(effective)}, and `{model.estimator}` "
                    f"is sensitive to feature scale; put a scaler in front of it (`make_pipeline(StandardScaler(), {model.estimator}(...))`)")
        return None

    def _disagreement(self, feed: _Feed, training: List[_Feed], data: str, where: str) -> Optional[str]:
        here = _through(feed)
        if here is None:
            return None
        for other in training:
            there = _through(other)
            if there is None or not there.steps:
                continue
            normalizing = [text for text, _ in there.steps]
            if there.level in (UNIT, STANDARDIZED) and here.level in (RAW, UNSCALED, UNIT) and _rank(here.level) < _rank(there.level):
                missing = ", ".join(t for t in normalizing if t not in here.step_names()) or normalizing[-1]
                return (f"`{data}` reaches {where} {_level_text(here.level)} ({here.source}{_steps(here)}), but the training data "
                        f"of this model ({other.sink.innermost.description}) goes through {missing}; apply the same normalization here")
            mine = [t for t in here.step_names() if t.startswith("`Normalize(")]
            theirs = [t for t in normalizing if t.startswith("`Normalize(")]
            if mine and theirs and mine[-1] != theirs[-1]:
                return (f"`{data}` reaches {where} normalized with {mine[-1]}, but the training data of this model "
                        f"({other.sink.innermost.description}) uses {theirs[-1]}; use the training statistics here too")
        return None

    def _data_text(self, sink: DataSink) -> str:
        text = self.source.segment(sink.data) if sink.module is None or sink.module is self.semantic else ""
        text = " ".join(text.split())
        return text if len(text) <= 40 else text[:37] + "..."

    VALID = [
        Valid(
            """
            import glob

            import numpy as np
            from PIL import Image
            from tensorflow import keras

            paths = sorted(glob.glob("leaves/*.jpg"))
            images = np.stack([np.asarray(Image.open(path).convert("RGB").resize((224, 224))) for path in paths])
            images = images.astype("float32") / 127.5 - 1.0
            base = keras.applications.MobileNetV2(include_top=False, weights="imagenet", input_shape=(224, 224, 3))
            inputs = keras.Input((224, 224, 3))
            features = keras.layers.GlobalAveragePooling2D()(base(inputs, training=False))
            model = keras.Model(inputs, keras.layers.Dense(4)(features))
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(images, np.load("labels.npy"), epochs=3)
            """,
            title="Keras: pixels scaled to [-1, 1] by hand, as MobileNetV2's `preprocess_input` does",
        ),
        Valid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            x_train = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255
            model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
            model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
            model.fit(x_train, y_train, epochs=3)
            """,
            title="the pixels are divided by 255 before `fit`",
        ),
        Valid(
            """
            import tensorflow as tf
            from tensorflow import keras
            from tensorflow.keras import layers

            train = keras.utils.image_dataset_from_directory("flowers", image_size=(160, 160))
            model = keras.Sequential([
                keras.Input((160, 160, 3)),
                layers.Rescaling(1.0 / 255),
                layers.RandomFlip("horizontal"),
                layers.Conv2D(16, 3, activation="relu"),
                layers.GlobalAveragePooling2D(),
                layers.Dense(5),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(train, epochs=10)
            """,
            title="Keras: a `Rescaling` layer first in the model normalizes the 0-255 images",
        ),
        Valid(
            """
            from tensorflow import keras

            train = keras.utils.image_dataset_from_directory("pets", image_size=(224, 224))
            base = keras.applications.EfficientNetB0(include_top=False, weights="imagenet", pooling="avg")
            model = keras.Sequential([base, keras.layers.Dense(37)])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(train, epochs=5)
            """,
            title="Keras applications such as EfficientNet take 0-255 images and normalize inside the graph",
        ),
        Valid(
            """
            import tensorflow as tf
            from tensorflow import keras

            (x_train, y_train), _ = keras.datasets.cifar10.load_data()

            def scale(image, label):
                return tf.cast(image, tf.float32) / 255.0, label

            train = tf.data.Dataset.from_tensor_slices((x_train, y_train)).map(scale).shuffle(1000).batch(64)
            model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(train, epochs=10)
            """,
            title="Keras: a `tf.data` `.map` function divides by 255",
        ),
        Valid(
            """
            import torch
            from torch import nn
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                                           transforms.ToTensor(), transforms.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
            test_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26))])
            train_loader = DataLoader(datasets.CIFAR10(".", train=True, transform=train_tf), batch_size=128, shuffle=True)
            test_loader = DataLoader(datasets.CIFAR10(".", train=False, transform=test_tf), batch_size=256)
            model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                for x, y in test_loader:
                    print((model(x).argmax(1) == y).float().mean())
            """,
            title="PyTorch: random crops and flips only in the training transforms (augmentation is expected to differ)",
        ),
        Valid(
            """
            import torch
            from torch.utils.data import DataLoader
            from torchvision import datasets
            from torchvision.models import ResNet18_Weights, resnet18

            weights = ResNet18_Weights.DEFAULT
            data = datasets.ImageFolder("data/train", transform=weights.transforms())
            loader = DataLoader(data, batch_size=32, shuffle=True)
            model = resnet18(weights=weights)
            optimizer = torch.optim.Adam(model.parameters())
            for images, labels in loader:
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(images), labels).backward()
                optimizer.step()
            """,
            title="PyTorch: a pretrained model fed through its weights' own `transforms()`",
        ),
        Valid(
            """
            import torch
            import torchvision
            from torchvision import transforms

            model = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights="DEFAULT")
            model.eval()
            to_tensor = transforms.Compose([transforms.ToTensor()])
            image = to_tensor(Image.open("street.jpg").convert("RGB"))
            with torch.no_grad():
                detections = model([image])
            """,
            title="PyTorch: torchvision detection models normalize in their own transform (0-1 input is right)",
        ),
        Valid(
            """
            import torch
            import torch.nn as nn
            from torch.utils.data import DataLoader, Dataset
            from torchvision.io import read_image

            class Backbone(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
                    self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))
                    self.body = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 2))

                def forward(self, x):
                    return self.body((x.float() / 255 - self.mean) / self.std)

            class Images(Dataset):
                def __init__(self, files):
                    self.files = files

                def __len__(self):
                    return len(self.files)

                def __getitem__(self, i):
                    return read_image(self.files[i]), 0

            model = Backbone()
            optimizer = torch.optim.Adam(model.parameters())
            for x, y in DataLoader(Images(files), batch_size=16):
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            """,
            title="PyTorch: the model normalizes its uint8 input in `forward`",
        ),
        Valid(
            files={
                "data.py": """
                    import numpy as np
                    import torch
                    from PIL import Image
                    from torch.utils.data import Dataset

                    class Patches(Dataset):
                        def __init__(self, paths):
                            self.paths = paths

                        def __len__(self):
                            return len(self.paths)

                        def __getitem__(self, i):
                            arr = np.asarray(Image.open(self.paths[i]).convert("RGB"), dtype=np.float32) / 255.0
                            arr = (arr - 0.45) / 0.27
                            return torch.from_numpy(arr.transpose(2, 0, 1)), 0
                """,
                "train.py": """
                    import torch
                    from torch import nn
                    from torch.utils.data import DataLoader
                    from data import Patches

                    loader = DataLoader(Patches(paths), batch_size=64, shuffle=True)
                    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.Flatten(), nn.LazyLinear(10))
                    optimizer = torch.optim.Adam(model.parameters())
                    for x, y in loader:
                        optimizer.zero_grad()
                        nn.functional.cross_entropy(model(x), y).backward()
                        optimizer.step()
                """,
            },
            title="PyTorch: the `Dataset` in `data.py` divides by 255 and standardizes",
        ),
        Valid(
            files={
                "transforms.py": """
                    from torchvision import transforms

                    MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

                    def train_transform():
                        return transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor(), transforms.Normalize(MEAN, STD)])

                    def eval_transform():
                        return transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(),
                                                   transforms.Normalize(MEAN, STD)])
                """,
                "train.py": """
                    import torch
                    import torchvision
                    from torch.utils.data import DataLoader
                    from torchvision import datasets
                    from transforms import eval_transform, train_transform

                    train = DataLoader(datasets.ImageFolder("train", train_transform()), batch_size=32, shuffle=True)
                    val = DataLoader(datasets.ImageFolder("val", eval_transform()), batch_size=64)
                    model = torchvision.models.resnet50(weights="IMAGENET1K_V2")
                    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
                    for images, labels in train:
                        optimizer.zero_grad()
                        torch.nn.functional.cross_entropy(model(images), labels).backward()
                        optimizer.step()
                    model.eval()
                    with torch.no_grad():
                        for images, labels in val:
                            print(model(images).argmax(1).eq(labels).float().mean())
                """,
            },
            title="PyTorch: train and eval transforms in `transforms.py` both normalize with the same statistics",
        ),
        Valid(
            """
            import torch
            from torch.utils.data import DataLoader, TensorDataset
            from tensorflow import keras

            (x_train, y_train), _ = keras.datasets.mnist.load_data()
            dataset = TensorDataset(torch.tensor(x_train), torch.tensor(y_train))

            def collate(batch):
                images = torch.stack([item[0] for item in batch]).float().div(255).unsqueeze(1)
                return images, torch.stack([item[1] for item in batch])

            loader = DataLoader(dataset, batch_size=64, shuffle=True, collate_fn=collate)
            model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
            optimizer = torch.optim.Adam(model.parameters())
            for x, y in loader:
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            """,
            title="PyTorch: the `collate_fn` scales each batch",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier, HistGradientBoostingClassifier
            from sklearn.naive_bayes import GaussianNB
            from sklearn.model_selection import train_test_split

            df = pd.read_csv("loans.csv")
            X, y = df.drop(columns=["default"]), df["default"]
            X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
            forest = RandomForestClassifier(n_estimators=300).fit(X_train, y_train)
            boosted = HistGradientBoostingClassifier()
            boosted.fit(X_train, y_train)
            bayes = GaussianNB()
            bayes.fit(X_train, y_train)
            print(forest.score(X_test, y_test), boosted.score(X_test, y_test))
            """,
            title="scikit-learn: trees, boosting and naive Bayes are invariant to feature scale",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.svm import SVC
            from sklearn.model_selection import train_test_split

            df = pd.read_csv("patients.csv")
            X_train, X_test, y_train, y_test = train_test_split(df.drop(columns=["label"]), df["label"])
            model = make_pipeline(StandardScaler(), SVC(C=10))
            model.fit(X_train, y_train)
            print(model.score(X_test, y_test))
            """,
            title="scikit-learn: the scaler is the pipeline's first step",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.preprocessing import StandardScaler
            from sklearn.neighbors import KNeighborsClassifier
            from sklearn.model_selection import train_test_split

            df = pd.read_csv("wine.csv")
            X_train, X_test, y_train, y_test = train_test_split(df.drop(columns=["quality"]), df["quality"])
            scaler = StandardScaler().fit(X_train)
            knn = KNeighborsClassifier(7)
            knn.fit(scaler.transform(X_train), y_train)
            print(knn.predict(scaler.transform(X_test)))
            """,
            title="scikit-learn: one scaler fitted on the training rows transforms both splits",
        ),
        Valid(
            """
            from sklearn.datasets import load_iris, make_classification
            from sklearn.linear_model import LogisticRegression
            from sklearn.svm import SVC

            X, y = load_iris(return_X_y=True)
            LogisticRegression(max_iter=200).fit(X, y)
            Xs, ys = make_classification(n_samples=500, n_features=8)
            SVC().fit(Xs, ys)
            """,
            title="scikit-learn: toy loaders whose features share one scale (see Known limits)",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import Pipeline

            reviews = pd.read_csv("reviews.csv")
            model = Pipeline([("tfidf", TfidfVectorizer(min_df=2)), ("clf", LogisticRegression(max_iter=1000))])
            model.fit(reviews["text"], reviews["label"])
            """,
            title="scikit-learn: TF-IDF features are not unscaled measurements",
        ),
        Valid(
            """
            from tensorflow import keras

            (x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
            x_train = keras.utils.pad_sequences(x_train, maxlen=200)
            model = keras.Sequential([keras.layers.Embedding(10000, 32), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1)])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x_train, y_train, epochs=3)
            """,
            title="token ids are fed to an embedding as they are",
        ),
        Valid(
            """
            import numpy as np
            from tensorflow import keras
            from my_project.preprocessing import prepare

            (x_train, y_train), _ = keras.datasets.mnist.load_data()
            x_train = prepare(x_train)
            model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_train, y_train)
            """,
            title="a step dllint cannot read makes the scale unknown: no report",
        ),
        Valid(
            """
            import tensorflow as tf

            image = tf.image.convert_image_dtype(tf.image.decode_image(tf.io.read_file(path), channels=3), tf.float32)
            x = tf.keras.applications.vgg19.preprocess_input(image * 255)
            vgg = tf.keras.applications.VGG19(include_top=True, weights="imagenet")
            probabilities = vgg(tf.image.resize(x, (224, 224))[tf.newaxis])
            """,
            title="Keras: a 0-1 image brought back to 0-255 before `preprocess_input` (tensorflow/docs style transfer)",
        ),
        Valid(
            """
            import torch
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            from transformer_net import TransformerNet

            transform = transforms.Compose([transforms.Resize(256), transforms.ToTensor(), transforms.Lambda(lambda x: x.mul(255))])
            train_loader = DataLoader(datasets.ImageFolder("coco", transform), batch_size=4)
            transformer = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 9), torch.nn.InstanceNorm2d(32), torch.nn.ReLU())
            optimizer = torch.optim.Adam(transformer.parameters(), 1e-3)
            for x, _ in train_loader:
                optimizer.zero_grad()
                loss = transformer(x).pow(2).mean()
                loss.backward()
                optimizer.step()
            """,
            title="images brought back to 0-255 on purpose (`x.mul(255)`, pytorch/examples fast_neural_style)",
        ),
        Valid(
            """
            import timm
            import torch
            from timm.data import create_transform, resolve_data_config
            from torch.utils.data import DataLoader
            from torchvision import datasets

            model = timm.create_model("resnet50", pretrained=True, num_classes=5)
            transform = create_transform(**resolve_data_config({}, model=model))
            loader = DataLoader(datasets.ImageFolder("data/train", transform=transform), batch_size=32, shuffle=True)
            optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
            for images, labels in loader:
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(images), labels).backward()
                optimizer.step()
            """,
            title="PyTorch: a timm pretrained model fed through its own data config",
        ),
        Valid(
            """
            import albumentations as A
            import cv2
            import torch
            from albumentations.pytorch import ToTensorV2
            from torch.utils.data import DataLoader, Dataset

            class Cells(Dataset):
                def __init__(self, paths, transform):
                    self.paths, self.transform = paths, transform

                def __len__(self):
                    return len(self.paths)

                def __getitem__(self, i):
                    image = cv2.cvtColor(cv2.imread(self.paths[i]), cv2.COLOR_BGR2RGB)
                    return self.transform(image=image)["image"], 0

            transform = A.Compose([A.HorizontalFlip(), A.Normalize(), ToTensorV2()])
            model = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.Flatten(), torch.nn.LazyLinear(2))
            optimizer = torch.optim.Adam(model.parameters())
            for x, y in DataLoader(Cells(paths, transform), batch_size=16):
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            """,
            title="PyTorch: albumentations `Normalize` in the dataset's transform",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.cluster import KMeans
            from sklearn.preprocessing import MinMaxScaler

            customers = pd.read_csv("customers.csv")
            spend = ["annual_income", "spending_score"]
            customers[spend] = MinMaxScaler().fit_transform(customers[spend])
            segments = KMeans(n_clusters=5, n_init=10).fit(customers[spend])
            """,
            title="the table's columns are scaled in place before the estimator sees them",
        ),
        Valid(
            """
            import torch
            from PIL import Image

            detector = torch.hub.load("ultralytics/yolov5", "yolov5m")
            detections = detector(Image.open("crossing.jpg"), size=640)
            detections.print()
            """,
            title="a hub model whose own code prepares the image it is given",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.model_selection import cross_validate
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import RobustScaler
            from sklearn.svm import SVR

            plants = pd.read_csv("plants.csv")
            X, y = plants.drop(columns="yield"), plants["yield"]
            results = cross_validate(make_pipeline(RobustScaler(), SVR()), X, y, cv=5, scoring="r2")
            """,
            title="cross-validation of a pipeline that scales inside each fold",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.linear_model import LassoCV
            from sklearn.model_selection import train_test_split

            houses = pd.read_csv("houses.csv")
            X_train, X_test, y_train, y_test = train_test_split(houses.drop(columns="price"), houses["price"])
            model = LassoCV(normalize=True, cv=5).fit(X_train, y_train)
            print(model.score(X_test, y_test))
            """,
            title="scikit-learn before 1.2: a linear model with `normalize=True` scales each feature inside `fit`",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.decomposition import PCA
            from sklearn.neighbors import KNeighborsClassifier

            mushrooms = pd.read_csv("mushrooms.csv")
            indicators = pd.get_dummies(mushrooms.drop(columns="class"))
            train_part = indicators.iloc[:6000]
            reducer = PCA(n_components=2).fit(train_part)
            knn = KNeighborsClassifier().fit(reducer.transform(train_part), mushrooms["class"][:6000])
            """,
            title="one-hot indicator columns from `get_dummies` are all 0 or 1 (dllint does not know which numeric columns pass through)",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression

            kilns = pd.read_csv("kiln_runs.csv")
            predictors = ["peak_temperature"]
            clf = LogisticRegression().fit(kilns[predictors], kilns["cracked"])
            """,
            title="one column, named through a variable holding a one-element list: nothing to be out of scale with",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.model_selection import cross_val_score
            from sklearn.svm import SVC

            source = "https://example.org/uci/iris/iris.data"
            flowers = pd.read_csv(source, header=None, names=["sl", "sw", "pl", "pw", "kind"])
            print(cross_val_score(SVC(), flowers[["sl", "sw", "pl", "pw"]], flowers["kind"], cv=5).mean())
            """,
            title="Fisher's iris read from its public file: four lengths in cm, the data `load_iris` gives",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import numpy as np
            from PIL import Image
            from tensorflow import keras

            photos = np.stack([np.asarray(Image.open(f"crops/{i}.png").resize((160, 160))) for i in range(500)]) / 255.0
            base = keras.applications.ResNet50(weights="imagenet", include_top=False, input_shape=(160, 160, 3))
            pooled = keras.layers.GlobalAveragePooling2D()(base.output)
            model = keras.Model(inputs=base.input, outputs=keras.layers.Dense(5, activation="softmax")(pooled))
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(photos, np.load("crop_labels.npy"), epochs=4)
            """,
            "10:1",
            title="Keras: a model built on a pretrained ResNet50's `base.input` and `base.output`, fed 0-1 images",
        ),
        Invalid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            x_train = x_train.reshape(-1, 28, 28, 1).astype("float32")
            model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
            model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
            model.fit(x_train, y_train, epochs=3)
            """,
            "7:1",
            title="Keras: MNIST pixels reach `fit` at 0-255 (the cast keeps the scale)",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras
            from tensorflow.keras import layers

            (x_train, y_train), _ = keras.datasets.cifar10.load_data()
            augment = keras.Sequential([layers.RandomFlip("horizontal"), layers.RandomTranslation(0.1, 0.1)])
            train = (tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(128)
                     .map(lambda x, y: (augment(x, training=True), y)))
            inputs = keras.Input((32, 32, 3))
            x = layers.Conv2D(32, 3, activation="relu")(inputs)
            outputs = layers.Dense(10)(layers.GlobalAveragePooling2D()(x))
            model = keras.Model(inputs, outputs)
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(train, epochs=20)
            """,
            "14:1",
            title="Keras: a `tf.data` pipeline that only augments",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras.preprocessing.image import ImageDataGenerator

            generator = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
            train = generator.flow_from_directory("data/train", target_size=(150, 150), class_mode="binary")
            model = keras.Sequential([keras.Input((150, 150, 3)), keras.layers.Conv2D(32, 3), keras.layers.Flatten(),
                                      keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(train, epochs=30)
            """,
            "9:1",
            title="Keras: `ImageDataGenerator` without `rescale=1/255`",
        ),
        Invalid(
            """
            import cv2
            import numpy as np
            from tensorflow import keras

            def batches(paths, labels, size=32):
                while True:
                    for start in range(0, len(paths), size):
                        images = np.stack([cv2.resize(cv2.imread(p), (128, 128)) for p in paths[start:start + size]])
                        yield images.astype("float32"), labels[start:start + size]

            model = keras.Sequential([keras.Input((128, 128, 3)), keras.layers.Conv2D(16, 3), keras.layers.Flatten(), keras.layers.Dense(4)])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(batches(train_paths, train_labels), steps_per_epoch=100, epochs=10)
            """,
            "13:1",
            title="Keras: a generator yields `cv2.imread` images as they are",
        ),
        Invalid(
            """
            import cv2
            import numpy as np
            import torch
            import torch.nn as nn
            from torch.utils.data import DataLoader, Dataset

            class Frames(Dataset):
                def __init__(self, paths, masks):
                    self.paths, self.masks = paths, masks

                def __len__(self):
                    return len(self.paths)

                def __getitem__(self, i):
                    img = cv2.cvtColor(cv2.imread(self.paths[i]), cv2.COLOR_BGR2RGB)
                    x = torch.from_numpy(img.astype(np.float32)).permute(2, 0, 1)
                    return x, torch.from_numpy(np.load(self.masks[i]))

            model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 1, 1))
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
            loader = DataLoader(Frames(paths, masks), batch_size=8, shuffle=True)
            for x, y in loader:
                optimizer.zero_grad()
                loss = nn.functional.binary_cross_entropy_with_logits(model(x), y)
                loss.backward()
                optimizer.step()
            """,
            "22:13",
            title="PyTorch: a `Dataset` reads frames with `cv2.imread` and only casts them",
        ),
        Invalid(
            files={
                "data.py": """
                    import numpy as np
                    import torch
                    from PIL import Image
                    from torch.utils.data import Dataset

                    class Leaves(Dataset):
                        def __init__(self, paths, labels):
                            self.paths, self.labels = paths, labels

                        def __len__(self):
                            return len(self.paths)

                        def __getitem__(self, i):
                            image = np.array(Image.open(self.paths[i]).convert("RGB").resize((128, 128)))
                            return torch.tensor(image, dtype=torch.float32).permute(2, 0, 1), self.labels[i]
                """,
                "train.py": """
                    import torch
                    from torch import nn
                    from torch.utils.data import DataLoader
                    from data import Leaves

                    def train_epoch(model, loader, optimizer):
                        for images, labels in loader:
                            optimizer.zero_grad()
                            nn.functional.cross_entropy(model(images), labels).backward()
                            optimizer.step()

                    model = nn.Sequential(nn.Conv2d(3, 32, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 5))
                    optimizer = torch.optim.Adam(model.parameters())
                    loader = DataLoader(Leaves(paths, labels), batch_size=32, shuffle=True)
                    for epoch in range(10):
                        train_epoch(model, loader, optimizer)
                """,
            },
            expect=["train.py:16:5"],
            title="PyTorch: the `Dataset` in `data.py` never scales the PIL pixels; the training loop is a helper",
        ),
        Invalid(
            """
            import torch
            from torch import nn
            from torchvision import datasets

            train = datasets.MNIST(".", train=True, download=True)
            images = train.data.float().unsqueeze(1)
            labels = train.targets
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
            optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
            for start in range(0, len(images), 64):
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(images[start:start + 64]), labels[start:start + 64])
                loss.backward()
                optimizer.step()
            """,
            "12:40",
            title="PyTorch: `.data` of a torchvision dataset skips its transforms (uint8 0-255)",
        ),
        Invalid(
            """
            import torch
            from torchvision.io import read_image

            model = torch.jit.load("classifier.pt") if False else torch.nn.Sequential(torch.nn.Flatten(), torch.nn.LazyLinear(3))
            model.eval()
            image = read_image("photo.jpg").float().unsqueeze(0)
            with torch.no_grad():
                scores = model(image)
            """,
            "8:14",
            title="PyTorch: an inference script feeds a 0-255 image",
        ),
        Invalid(
            """
            import torch
            import torchvision
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            train_tf = transforms.Compose([transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(), transforms.ToTensor()])
            loader = DataLoader(datasets.ImageFolder("xray/train", train_tf), batch_size=32, shuffle=True)
            model = torchvision.models.resnet50(weights="IMAGENET1K_V2")
            model.fc = torch.nn.Linear(model.fc.in_features, 2)
            optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
            for images, labels in loader:
                optimizer.zero_grad()
                torch.nn.functional.cross_entropy(model(images), labels).backward()
                optimizer.step()
            """,
            "11:23",
            title="PyTorch: a pretrained ResNet fed 0-1 images without `Normalize`",
        ),
        Invalid(
            """
            import timm
            import torch
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            model = timm.create_model("convnext_tiny", pretrained=True, num_classes=10)
            tf = transforms.Compose([transforms.Resize(224), transforms.ToTensor()])
            loader = DataLoader(datasets.ImageFolder("birds", transform=tf), batch_size=32)
            model.eval()
            with torch.no_grad():
                for images, _ in loader:
                    print(model(images).softmax(-1))
            """,
            "11:22",
            title="PyTorch: a timm pretrained model without its data config",
        ),
        Invalid(
            files={
                "transforms.py": """
                    from torchvision import transforms

                    def train_transform():
                        return transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor(),
                                                   transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])

                    def predict_transform():
                        return transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor()])
                """,
                "train.py": """
                    import torch
                    from torch import nn
                    from torch.utils.data import DataLoader
                    from torchvision import datasets
                    from transforms import predict_transform, train_transform

                    model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 4))
                    optimizer = torch.optim.Adam(model.parameters())
                    train = DataLoader(datasets.ImageFolder("train", train_transform()), batch_size=32, shuffle=True)
                    test = DataLoader(datasets.ImageFolder("test", predict_transform()), batch_size=64)
                    for images, labels in train:
                        optimizer.zero_grad()
                        nn.functional.cross_entropy(model(images), labels).backward()
                        optimizer.step()
                    model.eval()
                    with torch.no_grad():
                        for images, labels in test:
                            print(model(images).argmax(1).eq(labels).float().mean())
                """,
            },
            expect=["train.py:17:27"],
            title="training and inference disagree: the predict transform in `transforms.py` lacks the training `Normalize`",
        ),
        Invalid(
            """
            import torch
            from torch import nn
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            train_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
            test_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
            train_loader = DataLoader(datasets.MNIST(".", train=True, transform=train_tf), batch_size=64, shuffle=True)
            test_loader = DataLoader(datasets.MNIST(".", train=False, transform=test_tf), batch_size=1000)
            model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
            optimizer = torch.optim.Adam(model.parameters())
            for x, y in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            model.eval()
            with torch.no_grad():
                for x, y in test_loader:
                    print(model(x).argmax(1).eq(y).sum().item())
            """,
            "18:17",
            title="training and inference disagree: other `Normalize` constants for the test data",
        ),
        Invalid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
            model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(128, activation="relu"),
                                      keras.layers.Dense(10)])
            model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
            model.fit(x_train / 255.0, y_train, epochs=10)
            predictions = model.predict(x_test)
            """,
            "8:15",
            title="training and inference disagree: `fit(x / 255)` then `predict(x)`",
        ),
        Invalid(
            """
            from tensorflow import keras

            (x_train, y_train), _ = keras.datasets.cifar10.load_data()
            x_train = x_train.astype("float32") / 255.0
            x_train = x_train / 255.0
            model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(10)])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_train, y_train)
            """,
            "8:1",
            title="a normalization that is present but wrong: divided by 255 twice",
        ),
        Invalid(
            """
            from tensorflow import keras
            from tensorflow.keras.applications.resnet50 import ResNet50, preprocess_input

            (x_train, y_train), _ = keras.datasets.cifar10.load_data()
            x_train = preprocess_input(x_train.astype("float32") / 255.0)
            base = ResNet50(include_top=False, weights="imagenet", input_shape=(32, 32, 3), pooling="avg")
            features = base.predict(x_train)
            """,
            "7:12",
            title="a normalization that is present but wrong: `/ 255` before a `preprocess_input` that expects 0-255",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.svm import SVC
            from sklearn.model_selection import train_test_split

            df = pd.read_csv("patients.csv")
            X = df.drop(columns=["diagnosis"]).values
            y = df["diagnosis"].values
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            clf = SVC(kernel="rbf", C=10)
            clf.fit(X_train, y_train)
            print(clf.score(X_test, y_test))
            """,
            "10:1",
            title="scikit-learn: an SVM fitted on unscaled columns from a CSV",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.neighbors import KNeighborsRegressor

            listings = pd.read_csv("listings.csv")
            predictors = ["floor_area"]
            predictors.append("asking_price")
            knn = KNeighborsRegressor().fit(listings[predictors], listings["days_on_market"])
            """,
            "7:7",
            title="scikit-learn: a list of columns that grows after it is bound selects several columns",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.compose import ColumnTransformer
            from sklearn.linear_model import LogisticRegression
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import OneHotEncoder

            df = pd.read_csv("loans.csv")
            pre = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="ignore"), ["grade"]), ("num", "passthrough", ["income", "amount"])])
            model = Pipeline([("pre", pre), ("clf", LogisticRegression(max_iter=500))])
            model.fit(df[["grade", "income", "amount"]], df["default"])
            """,
            "10:1",
            title="scikit-learn: a pipeline that encodes categories but passes the numeric columns through unscaled",
        ),
        Invalid(
            """
            from sklearn.datasets import load_wine
            from sklearn.model_selection import train_test_split
            from sklearn.neighbors import KNeighborsClassifier

            X, y = load_wine(return_X_y=True)
            X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
            knn = KNeighborsClassifier(n_neighbors=5)
            knn.fit(X_train, y_train)
            """,
            "8:1",
            title="scikit-learn: k-NN on a toy set whose features span different ranges (`load_wine`)",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.preprocessing import StandardScaler
            from sklearn.neural_network import MLPClassifier
            from sklearn.model_selection import train_test_split

            df = pd.read_csv("churn.csv")
            X_train, X_test, y_train, y_test = train_test_split(df.drop(columns=["churn"]), df["churn"])
            scaler = StandardScaler()
            mlp = MLPClassifier(hidden_layer_sizes=(64,), max_iter=300)
            mlp.fit(scaler.fit_transform(X_train), y_train)
            predictions = mlp.predict(X_test)
            """,
            "11:15",
            title="training and inference disagree: the scaler transforms the training features but not the test features",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.model_selection import train_test_split
            from sklearn.neighbors import KNeighborsClassifier
            from sklearn.preprocessing import StandardScaler

            patients = pd.read_csv("diabetes.csv")
            X_train, X_test, y_train, y_test = train_test_split(patients.drop(columns="Outcome"), patients["Outcome"], random_state=0)
            scaler = StandardScaler()
            X_train_scaled = scaler.fit_transform(X_train)
            knn = KNeighborsClassifier(n_neighbors=7).fit(X_train_scaled, y_train)
            print("test accuracy", knn.score(X_test, y_test))
            """,
            "11:24",
            title="training and inference disagree: `clf = Estimator().fit(scaled)` returns the estimator, then it scores unscaled test features",
        ),
        Invalid(
            """
            import torch
            from torch import nn
            from torch.utils.data import DataLoader
            from torchvision import datasets
            from torchvision.transforms import v2

            transform = v2.Compose([v2.ToImage(), v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32)])
            loader = DataLoader(datasets.CIFAR10(".", transform=transform), batch_size=64, shuffle=True)
            model = nn.Sequential(nn.Flatten(), nn.Linear(3072, 10))
            optimizer = torch.optim.Adam(model.parameters())
            for x, y in loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(x), y).backward()
                optimizer.step()
            """,
            "11:13",
            title="PyTorch: `v2.ToDtype(torch.float32)` without `scale=True` keeps the 0-255 values",
        ),
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras

            def load(path, label):
                image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
                return tf.image.resize(image, (128, 128)), label

            train = tf.data.Dataset.from_tensor_slices((paths, labels)).map(load).batch(32)
            model = keras.Sequential([keras.Input((128, 128, 3)), keras.layers.Conv2D(8, 3), keras.layers.Flatten(), keras.layers.Dense(3)])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(train, epochs=3)
            """,
            "11:1",
            title="Keras: the `tf.data` `.map` function decodes the files and only resizes them",
        ),
        Invalid(
            """
            from tensorflow import keras

            train = keras.utils.image_dataset_from_directory("dogs", image_size=(224, 224))
            base = keras.applications.MobileNetV2(include_top=False, weights="imagenet")
            inputs = keras.Input((224, 224, 3))
            outputs = keras.layers.Dense(1)(keras.layers.GlobalAveragePooling2D()(base(inputs, training=False)))
            model = keras.Model(inputs, outputs)
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
            model.fit(train, epochs=5)
            """,
            "9:1",
            title="Keras: a pretrained MobileNetV2 base without its `preprocess_input`",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.model_selection import cross_val_score
            from sklearn.neighbors import KNeighborsClassifier

            patients = pd.read_csv("patients.csv")
            features = patients.drop(columns=["id", "outcome"])
            scores = cross_val_score(KNeighborsClassifier(n_neighbors=7), features, patients["outcome"], cv=10)
            """,
            "7:10",
            title="cross-validation of a distance-based estimator on the raw columns",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.ensemble import BaggingClassifier
            from sklearn.model_selection import cross_val_score
            from sklearn.neighbors import KNeighborsClassifier

            patients = pd.read_csv("patients.csv")
            X, y = patients.drop(columns="relapse"), patients["relapse"]
            bagged = BaggingClassifier(base_estimator=KNeighborsClassifier(), n_estimators=50)
            print(cross_val_score(bagged, X, y, cv=5).mean())
            """,
            "9:7",
            title="k-NN inside a `BaggingClassifier` (given as `base_estimator=`, its name before scikit-learn 1.2) on unscaled columns",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.model_selection import train_test_split
            from sklearn.svm import SVC

            visits = pd.read_csv("visits.csv")
            features = visits.loc[:, visits.columns != "admitted"]
            X_train, X_test, y_train, y_test = train_test_split(features, visits["admitted"], stratify=visits["admitted"])
            print(SVC().fit(X_train, y_train).score(X_test, y_test))
            """,
            "8:7",
            title="columns picked with `.loc[:, mask]` keep the table's scale",
        ),
    ]


# Containers built inline: two of them are two different models.
_GENERIC_MODELS = ("keras.Sequential", "keras.Model", "torch.nn.Sequential", "torch.nn.ModuleList")


def _model_key(owner: Scales, model_expr: ast.AST):
    """Which model a feed goes to, so that training and inference of one model are compared:
    a project network class or a library network (`resnet50`) is one model wherever it is
    built (the training function and the predict function each make their own); an
    inline container or a scikit-learn estimator is the one built at its place."""
    value = owner.semantic.value_of(model_expr)
    if value is None or value.origin is None:
        return None
    if value.framework in _NETWORKS and value.qualname and value.qualname not in _GENERIC_MODELS:
        return value.qualname
    return id(value.origin)


def _input_of(scale: Scale) -> Scale:
    from dataclasses import replace

    return replace(scale, pair=False) if scale.pair else scale


def _through(feed: _Feed) -> Optional[Scale]:
    """The scale the final estimator sees (after a scikit-learn pipeline's own steps)."""
    if feed.model.framework != "sklearn" or not feed.model.preprocessing:
        return feed.scale
    return feed.owner.apply_effect(feed.model.preprocessing, feed.scale)


def _forward_calls(scales: Scales, loop: ast.AST, depth: int = 0) -> List[Tuple[ast.AST, ast.AST]]:
    """(argument, model expression) of each forward call `model(x)` made by the loop's body."""
    semantic = scales.semantic
    found = []
    stack = list(loop.body) if hasattr(loop, "body") else []
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call) and node.args and not isinstance(node.args[0], ast.Starred):
            callee = node.func
            if isinstance(callee, ast.Attribute) and callee.attr == "forward":
                callee = callee.value
            if isinstance(callee, (ast.Name, ast.Attribute)):
                value = semantic.value_of(callee)
                if value is not None and value.kind == MODEL and not value.by_name and value.framework in _NETWORKS:
                    found.append((node.args[0], callee))
        stack.extend(ast.iter_child_nodes(node))
    return found


def _steps(scale: Scale) -> str:
    if not scale.steps:
        return ""
    return ", then " + ", ".join(text for text, _ in scale.steps)


def _rank(level: str) -> int:
    return {RAW: 0, UNSCALED: 0, UNIT: 1, STANDARDIZED: 2}.get(level, -1)


def _level_text(level: str) -> str:
    return {RAW: "at raw 0-255 scale", UNSCALED: "with unscaled features", UNIT: "scaled to 0-1 only",
            STANDARDIZED: "standardized"}.get(level, level)
