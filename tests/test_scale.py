"""Scale provenance: what value scale data is at, and which steps changed it."""

import pytest

from dllint.semantic.scale import ENCODED, ONE_COLUMN, RAW, STANDARDIZED, TOKEN_IDS, UNIT, UNSCALED
from tests.semantic_project import modules


def models(files):
    return modules(files)


def last_scale(code, **others):
    """The scale of the expression on the last line of `code` (module `train`)."""
    model = models({**others, "train": code})["train"]
    return model.scale.scale_of(model.tree.body[-1].value)


def level(code, **others):
    found = last_scale(code, **others)
    return found.level if found is not None else None


KERAS_MNIST = "from tensorflow import keras\n(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()\n"


@pytest.mark.parametrize(
    "code, expected",
    [
        (KERAS_MNIST + "x_train", RAW),
        (KERAS_MNIST + "y_train", None),
        (KERAS_MNIST + "x = x_train.reshape(-1, 784).astype('float32')\nx", RAW),
        (KERAS_MNIST + "x = x_train.astype('float32') / 255\nx", UNIT),
        (KERAS_MNIST + "x = x_train / 255.0\nx", UNIT),
        (KERAS_MNIST + "x = x_train * (1.0 / 255)\nx", UNIT),
        (KERAS_MNIST + "x = x_train / x_train.max()\nx", UNIT),
        (KERAS_MNIST + "x = (x_train - 127.5) / 127.5\nx", STANDARDIZED),
        (KERAS_MNIST + "x = (x_train - x_train.mean()) / x_train.std()\nx", STANDARDIZED),
        (KERAS_MNIST + "x = x_train.astype('float32')\nx /= 255\nx", UNIT),
        (KERAS_MNIST + "PIXELS = 255.0\nx = x_train / PIXELS\nx", UNIT),
        (KERAS_MNIST + "x = my_library.preprocess(x_train)\nx", None),
        (KERAS_MNIST + "x = (x_train / 255.0) * 255\nx", RAW),
        ("from sklearn.preprocessing import StandardScaler\nimport pandas as pd\nX = pd.read_csv('a.csv')\n"
         "scaler = StandardScaler().fit(X)\nscaler.transform(X)", STANDARDIZED),
        ("import tensorflow as tf\nfashion = tf.keras.datasets.fashion_mnist\n(x, y), _ = fashion.load_data()\nx", RAW),
        ("from tensorflow import keras\n(x, y), _ = keras.datasets.imdb.load_data()\nx", TOKEN_IDS),
        ("import cv2\nimg = cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2RGB)\nimg", RAW),
        ("import numpy as np\nfrom PIL import Image\nx = np.asarray(Image.open(p).convert('RGB'), dtype=np.float32)\nx", RAW),
        ("import torch\nfrom torchvision.io import read_image\nx = read_image(p).float()\nx", RAW),
        ("import torch\nfrom torchvision.io import read_image\nx = read_image(p).float().div(255)\nx", UNIT),
        ("import tensorflow as tf\nx = tf.image.convert_image_dtype(tf.io.decode_jpeg(data), tf.float32)\nx", UNIT),
        ("import pandas as pd\ndf = pd.read_csv('a.csv')\nX = df.drop(columns=['y']).values\nX", UNSCALED),
        ("import pandas as pd\ndf = pd.read_csv('a.csv')\nX = df['age']\nX", ONE_COLUMN),
        ("from sklearn.datasets import load_breast_cancer\nX, y = load_breast_cancer(return_X_y=True)\nX", UNSCALED),
        ("from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)\nX", None),
        ("from sklearn.preprocessing import StandardScaler\nimport pandas as pd\nX = pd.read_csv('a.csv').values\n"
         "scaler = StandardScaler()\nX2 = scaler.fit_transform(X)\nX2", STANDARDIZED),
        ("from sklearn.feature_extraction.text import TfidfVectorizer\nimport pandas as pd\nt = pd.read_csv('a.csv')\n"
         "X = TfidfVectorizer().fit_transform(t)\nX", ENCODED),
        ("from torchvision import datasets\nds = datasets.MNIST('.', download=True)\nds.data", RAW),
    ],
)
def test_sources_casts_and_normalizing_steps(code, expected):
    assert level(code) == expected


def test_steps_and_origin_are_recorded():
    found = last_scale(KERAS_MNIST + "x = x_train.astype('float32') / 255\nx")
    assert found.source.startswith("`keras.datasets.mnist.load_data()` (line 2)")
    assert found.step_names() == ["/ 255"]


def test_dividing_twice_is_a_problem():
    found = last_scale(KERAS_MNIST + "x = x_train / 255.0\nx = x / 255.0\nx")
    assert found.problem is not None and "255" in found.problem[0]


TORCHVISION = "import torchvision\nfrom torchvision import transforms, datasets\nfrom torch.utils.data import DataLoader\n"


@pytest.mark.parametrize(
    "pipeline, expected",
    [
        ("transforms.Compose([transforms.Resize(256), transforms.ToTensor()])", UNIT),
        ("transforms.Compose([transforms.RandomResizedCrop(224), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])", STANDARDIZED),
        ("transforms.Compose([transforms.PILToTensor()])", RAW),
        ("transforms.Compose([transforms.PILToTensor(), transforms.ConvertImageDtype(torch.float)])", UNIT),
        ("torchvision.models.ResNet18_Weights.DEFAULT.transforms()", STANDARDIZED),
        ("transforms.Compose([transforms.ToTensor(), transforms.Lambda(lambda t: t * 2 - 1)])", STANDARDIZED),
        ("transforms.Compose([MyUnknownTransform(), transforms.ToTensor()])", None),
    ],
)
def test_torchvision_pipelines(pipeline, expected):
    code = TORCHVISION + f"tf = {pipeline}\nds = datasets.ImageFolder('data', transform=tf)\nloader = DataLoader(ds, batch_size=8)\nloader"
    found = last_scale(code)
    assert (found.level if found else None) == expected
    if found is not None:
        assert found.pair


def test_loop_over_loader_unpacks_the_input():
    code = TORCHVISION + (
        "tf = transforms.Compose([transforms.ToTensor()])\n"
        "loader = DataLoader(datasets.CIFAR10('.', transform=tf), batch_size=8)\n"
        "for images, labels in loader:\n    pass\nimages"
    )
    assert level(code) == UNIT
    assert level(code.replace("\nimages", "\nlabels")) is None


def test_project_dataset_with_transform_given_at_instantiation():
    data = """
        import cv2
        from torch.utils.data import Dataset

        class Frames(Dataset):
            def __init__(self, paths, transform=None):
                self.paths = paths
                self.transform = transform

            def __getitem__(self, i):
                img = cv2.imread(self.paths[i])
                if self.transform is not None:
                    img = self.transform(img)
                return img, 0
    """
    train = """
        from torchvision import transforms
        from torch.utils.data import DataLoader
        from data import Frames

        train_ds = Frames(paths, transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
        val_ds = Frames(paths, transform=transforms.Compose([transforms.ToTensor()]))
        raw_ds = Frames(paths)
        train_ds
    """
    found = last_scale(train, data=data)
    assert found.level == STANDARDIZED and found.pair and found.module == "data"
    assert level(train.replace("        train_ds\n", "        val_ds\n"), data=data) == UNIT
    assert level(train.replace("        train_ds\n", "        raw_ds\n"), data=data) == RAW


def test_transforms_defined_in_another_file():
    transforms_module = """
        from torchvision import transforms

        def eval_transform():
            return transforms.Compose([transforms.Resize(224), transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    """
    train = """
        from torchvision import datasets
        from transforms_lib import eval_transform

        ds = datasets.ImageFolder('val', transform=eval_transform())
        ds
    """
    assert level(train, transforms_lib=transforms_module) == STANDARDIZED


def test_generator_and_tf_data_map():
    generator = """
        import cv2

        def batches(paths):
            for p in paths:
                yield cv2.imread(p) / 255.0, 1

        batches(paths)
    """
    assert level(generator) == UNIT
    tf_data = """
        import tensorflow as tf
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.cifar10.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y)).batch(32)
        ds
    """
    found = last_scale(tf_data)
    assert found.level == UNIT and found.pair
    no_map = tf_data.replace(".map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))", "")
    assert level(no_map) == RAW


def test_collate_fn_that_normalizes():
    code = """
        import torch
        from torch.utils.data import DataLoader, TensorDataset
        from tensorflow import keras
        (x_train, y_train), _ = keras.datasets.mnist.load_data()
        ds = TensorDataset(torch.tensor(x_train), torch.tensor(y_train))

        def collate(batch):
            xs = torch.stack([b[0] for b in batch]).float() / 255
            ys = torch.stack([b[1] for b in batch])
            return xs, ys

        loader = DataLoader(ds, batch_size=8, collate_fn=collate)
        loader
    """
    assert level(code) == UNIT
    assert level(code.replace(", collate_fn=collate", "")) == RAW


def test_sklearn_pipelines_as_transformers():
    code = """
        import pandas as pd
        from sklearn.compose import ColumnTransformer
        from sklearn.preprocessing import OneHotEncoder, StandardScaler
        X = pd.read_csv('a.csv')
        pre = ColumnTransformer([("cat", OneHotEncoder(), ["a"]), ("num", "passthrough", ["b", "c"])])
        Xt = pre.fit_transform(X)
        Xt
    """
    assert level(code) == UNSCALED
    assert level(code.replace('"passthrough"', "StandardScaler()")) == STANDARDIZED


@pytest.mark.parametrize(
    "code, inside, pretrained",
    [
        ("import torchvision\nmodel = torchvision.models.resnet50(weights='IMAGENET1K_V2')\nmodel", False, True),
        ("import torchvision\nmodel = torchvision.models.resnet50()\nmodel", False, False),
        ("import torchvision\nmodel = torchvision.models.detection.fasterrcnn_resnet50_fpn(weights='DEFAULT')\nmodel", True, False),
        ("import timm\nmodel = timm.create_model('resnet50', pretrained=True)\nmodel", False, True),
        ("from tensorflow import keras\nmodel = keras.applications.EfficientNetB0(weights='imagenet')\nmodel", True, False),
        ("from tensorflow import keras\nmodel = keras.applications.ResNet50(weights='imagenet')\nmodel", False, True),
        ("from tensorflow import keras\nfrom tensorflow.keras import layers\n"
         "model = keras.Sequential([layers.Rescaling(1/255), layers.Dense(2)])\nmodel", True, False),
        ("import torch\nfrom torch import nn\nclass Net(nn.Module):\n    def forward(self, x):\n        return self.body(x / 255.0)\n"
         "model = Net()\nmodel", True, False),
    ],
)
def test_what_a_model_does_with_its_input(code, inside, pretrained):
    model = models({"train": code})["train"]
    found = model.scale.model_input(model.tree.body[-1].value)
    assert bool(found.normalizes_inside) == inside
    assert bool(found.pretrained) == pretrained


@pytest.mark.parametrize(
    "estimator, sensitive, invariant",
    [
        ("SVC()", True, False),
        ("make_pipeline(StandardScaler(), SVC())", True, False),
        ("RandomForestClassifier()", False, True),
        ("GaussianNB()", False, True),
        ("GridSearchCV(KNeighborsClassifier(), {'n_neighbors': [3, 5]})", True, False),
    ],
)
def test_scikit_learn_estimators(estimator, sensitive, invariant):
    code = (
        "from sklearn.svm import SVC\nfrom sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import StandardScaler\n"
        "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.naive_bayes import GaussianNB\n"
        "from sklearn.neighbors import KNeighborsClassifier\nfrom sklearn.model_selection import GridSearchCV\n"
        f"clf = {estimator}\nclf"
    )
    model = models({"train": code})["train"]
    found = model.scale.model_input(model.tree.body[-1].value)
    assert found.scale_sensitive == sensitive and found.scale_invariant == invariant
    if "make_pipeline" in estimator:
        assert [kind for kind, *_ in found.preprocessing] == ["standardize"]


def test_transform_constants_imported_from_another_file():
    transforms_module = """
        from torchvision import transforms

        EVAL_TF = transforms.Compose([transforms.Resize(224), transforms.ToTensor()])
    """
    train = """
        from torchvision import datasets
        from transforms_lib import EVAL_TF

        ds = datasets.ImageFolder('val', transform=EVAL_TF)
        ds
    """
    assert level(train, transforms_lib=transforms_module) == UNIT


READ_TABLE = "import pandas as pd\nfrom scipy.stats import zscore\nfrom sklearn.preprocessing import MinMaxScaler\ndf = pd.read_csv('a.csv')\n"


@pytest.mark.parametrize(
    "code, expected",
    [
        # columns normalized in place: the table is normalized after them
        (READ_TABLE + "cols = ['a', 'b']\ndf[cols] = MinMaxScaler().fit_transform(df[cols])\nX = df.drop(columns='y').values\nX", STANDARDIZED),
        (READ_TABLE + "df['a'] = zscore(df['a'])\ndf", STANDARDIZED),
        (READ_TABLE + "s = MinMaxScaler()\ns.fit(df[['a']])\ndf['a'] = s.transform(df[['a']])\ndf[['a', 'b']]", STANDARDIZED),
        (READ_TABLE + "df.loc[:, 'a'] = (df['a'] - df['a'].mean()) / df['a'].std()\ndf", STANDARDIZED),
        (READ_TABLE + "zscore(df[['a', 'b']].values)", STANDARDIZED),
        # a new feature, an update after the read, a rebinding after the update: no change
        (READ_TABLE + "df['ratio'] = df['a'] / df['b']\ndf", UNSCALED),
        (READ_TABLE + "df['a'] = df['a'] - df['b']\ndf", UNSCALED),
        (READ_TABLE + "X = df.values\ndf['a'] = zscore(df['a'])\nX", UNSCALED),
        (READ_TABLE + "df['a'] = zscore(df['a'])\ndf = pd.read_csv('b.csv')\ndf", UNSCALED),
        (READ_TABLE + "def f():\n    df['a'] = zscore(df['a'])\ndf", UNSCALED),
    ],
)
def test_columns_normalized_in_place(code, expected):
    assert level(code) == expected


@pytest.mark.parametrize(
    "load, opaque, pretrained",
    [
        ("torch.hub.load('ultralytics/yolov5', 'yolov5s')", True, False),  # AutoShape prepares PIL input itself
        ("torch.hub.load(repo, 'yolov5s')", True, False),
        ("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)", False, True),
        ("torch.hub.load('pytorch/vision', 'resnet18')", False, False),
    ],
)
def test_models_from_torch_hub(load, opaque, pretrained):
    model = models({"train": f"import torch\nmodel = {load}\nmodel"})["train"]
    found = model.scale.model_input(model.tree.body[-1].value)
    assert bool(found.opaque) == opaque
    assert bool(found.pretrained) == pretrained
