"""The data-sink layer asked directly: where data meets a model, and in which role."""
import ast

from dllint.semantic.data_sinks import CROSS_VALIDATION, EVALUATION, FIT_TRANSFORM, MONITORING, PREDICTION, TRAINING
from tests.semantic_project import modules


def project(**files):
    return modules(files, strip_leading_newline=True)


def table(model):
    return [(sink.role, sink.node.lineno, ast.unparse(sink.data)) for sink in model.data_sinks.all()]


def test_keras_and_sklearn_calls():
    m = project(train="""
        from tensorflow import keras
        from sklearn.preprocessing import StandardScaler, LabelEncoder
        from sklearn.metrics import accuracy_score
        model = keras.Sequential([])
        model.fit(x_train, y_train, validation_data=(x_val, y_val))
        model.evaluate(x_test, y_test)
        p = model.predict(x_test)
        scaler = StandardScaler()
        z = scaler.fit_transform(x_train)
        labels = LabelEncoder().fit_transform(y)
        print(accuracy_score(y_test, p))
        norm = keras.layers.Normalization()
        norm.adapt(x_train)
        """)["train"]
    assert table(m) == [
        (TRAINING, 5, "x_train"), (MONITORING, 5, "(x_val, y_val)"), (EVALUATION, 6, "x_test"),
        (PREDICTION, 7, "x_test"), (FIT_TRANSFORM, 9, "x_train"), (EVALUATION, 11, "y_test"),
        (FIT_TRANSFORM, 13, "x_train"),
    ]


def test_a_modules_adapt_function_fits_nothing():
    # the standard library's sqlite3.adapt(value) converts one value
    m = project(train="""
        import sqlite3 as sqlite
        import torch
        val = 42
        sqlite.adapt(val)
        """)["train"]
    assert table(m) == []


def test_hf_trainer_and_lightning():
    m = project(train="""
        import lightning.pytorch as pl
        from transformers import Trainer
        trainer = Trainer(model=model, args=args, train_dataset=ds["train"], eval_dataset=ds["validation"])
        pl_trainer = pl.Trainer(max_epochs=3)
        pl_trainer.fit(module, train_dl, val_dl)
        pl_trainer.test(module, dataloaders=test_dl)
        """)["train"]
    assert table(m) == [
        (TRAINING, 3, "ds['train']"), (MONITORING, 3, "ds['validation']"),
        (TRAINING, 5, "train_dl"), (MONITORING, 5, "val_dl"), (EVALUATION, 6, "test_dl"),
    ]


def test_torch_loops_training_and_evaluation():
    m = project(train="""
        import torch
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            for x, y in val_loader:
                print(model(x))
        """)["train"]
    assert table(m) == [(TRAINING, 2, "train_loader"), (EVALUATION, 8, "val_loader")]


def test_a_helper_that_trains_on_its_parameter_is_a_sink_where_it_is_called():
    models = project(
        engine="""
            def train_one_epoch(model, loader, optimizer, criterion):
                for x, y in loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()

            def fit(model, features, labels):
                model.fit(features, labels)
            """,
        train="""
            from engine import train_one_epoch, fit
            train_one_epoch(model, val_loader, optimizer, criterion)
            fit(clf, X_test, y_test)
            """,
    )
    assert table(models["train"]) == [(TRAINING, 2, "val_loader"), (TRAINING, 3, "X_test")]
    lifted = models["train"].data_sinks.all()[0]
    assert lifted.inner is not None and lifted.innermost.description.startswith("the training loop")
    # the helper's own sinks are reported at the calls, not in the helper
    assert table(models["engine"]) == []


def test_a_helper_without_known_callers_keeps_its_sink():
    m = project(engine="""
        def fit(model, features, labels):
            model.fit(features, labels)
        """)["engine"]
    assert table(m) == [(TRAINING, 2, "features")]


def test_a_forward_call_outside_data_loops_is_a_prediction():
    m = project(predict="""
        import torch
        import torchvision
        from torch import nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return self.fc(x)

        model = Net()
        backbone = torchvision.models.resnet18()
        with torch.no_grad():
            out = model(torch.ones(1, 4))
            features = backbone.forward(images)
        """)["predict"]
    assert table(m) == [(PREDICTION, 16, "torch.ones(1, 4)"), (PREDICTION, 17, "images")]


def test_a_forward_call_in_a_training_loop_over_indices_is_training():
    m = project(train="""
        import torch
        from torch import nn

        model = nn.Linear(784, 10)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for start in range(0, len(images), 64):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(images[start:start + 64]), labels[start:start + 64])
            loss.backward()
            optimizer.step()
        """)["train"]
    assert table(m) == [(TRAINING, 8, "images[start:start + 64]")]


def test_an_evaluation_inside_the_epoch_loop_is_not_training():
    m = project(train="""
        import torch
        from torch import nn

        model = nn.Linear(4, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            for xb, yb in train_loader:
                opt.zero_grad()
                nn.functional.cross_entropy(model(xb), yb).backward()
                opt.step()
            with torch.no_grad():
                acc = (model(X_val).argmax(1) == y_val).float().mean()
        """)["train"]
    assert [(role, line) for role, line, _ in table(m) if line == 12] == [(PREDICTION, 12)]


def test_functions_that_fit_on_the_rows_they_normalize():
    m = project(train="""
        from scipy import stats
        from sklearn.preprocessing import scale
        a = stats.zscore(x)
        b = stats.zscore(x, axis=1)
        c = scale(df[cols])
        d = stats.zscore(x, 1)
        """)["train"]
    assert table(m) == [(FIT_TRANSFORM, 3, "x"), (FIT_TRANSFORM, 5, "df[cols]")]


def test_cross_validation_fits_and_scores_the_estimator_on_its_data():
    m = project(train="""
        from sklearn.model_selection import cross_val_score, cross_validate
        from sklearn.svm import SVC
        s = cross_val_score(SVC(), X, y, cv=5)
        r = cross_validate(estimator=SVC(), X=X_all, y=y)
        """)["train"]
    assert table(m) == [(CROSS_VALIDATION, 3, "X"), (CROSS_VALIDATION, 4, "X_all")]
    assert ast.unparse(m.data_sinks.all()[0].model) == "SVC()"
