import ast
from typing import List, Optional

from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.data_sinks import EVALUATION, MONITORING, PREDICTION, TRAINING, DataSink
from dllint.semantic.provenance import ALL, Rows, group_of, overlaps, split_label
from dllint.semantic.values import TEST, TRAIN, VALIDATION


class HeldOutDataInTraining(Rule):
    """
    ## What it does
    Finds rows of the validation or test split that reach training: the
    training data of `.fit`, `partial_fit`, `fit_generator` or
    `train_on_batch`, the `train_dataset` of a Hugging Face `Trainer`, the
    training loaders of Lightning's `trainer.fit`, or a loop whose iteration
    computes a loss and calls `backward()` and `optimizer.step()` (directly or
    in a helper such as `train_one_epoch(model, loader, ...)`, whatever its
    parameter is called). Also a model fitted on the full data after the data
    was split, when the test part is then scored by that fit (not after a
    scikit-learn `fit` on the training part, which starts from scratch, nor
    when what it then predicts is another data set's test rows: a Kaggle
    refit on every labelled row before predicting the competition's
    `test.csv`).

    Where data comes from is decided by the semantic model's provenance layer:
    split calls and their outputs by position (`train_test_split`,
    `random_split`, `load_data()`, cross-validation folds), loader arguments
    (`train=False`, `split="val"`, a `val/` folder, `test.csv`), slices and
    index arrays, concatenations (`np.concatenate`, `ConcatDataset`, `+`),
    wrappers (`DataLoader`, `TensorDataset`, `from_tensor_slices`, project
    datasets), parameters, returns and project files; a variable's name
    (`X_test`, `Xtest`, `val_loader`) only when nothing stronger says otherwise.

    ## Why is this bad?
    Once held-out rows are trained on, even for one epoch, the validation or
    test score measures memory instead of generalisation: it is optimistic by
    an unknown amount, and there is no undo short of a new split. Early
    stopping and model selection driven by such a split choose the model that
    memorised it best.

    ## Known limits
    Rows are followed through the code the linter can read; data built by
    unknown helpers, read from files whose names say nothing, or reshuffled by
    hand is unknown and not reported. A file whose name says "test" or
    "val" is held out only when the file loads other data too: the only data
    set a script reads ("blood_test_results.csv") is its whole data; so is a
    slice of a published split (`split="validation[:200]"`, a smoke run) when
    it is the only data the script reads. Training on train + validation is
    reported when the same call also monitors the validation rows, or when no
    separate test split is scored: a final refit on train + validation after
    model selection, scored once on an untouched test split, is the standard
    practice and is not reported. A backward pass without an optimizer step
    (adversarial examples, saliency maps) is not training. Flow-insensitive:
    a name holds what its last binding holds, and a helper whose returns
    hold different splits (`return train_part if training else val_part`,
    or two `return`s chosen by a flag) returns unknown rows.
    """

    code = "DL401"
    name = "held-out-data-in-training"
    message = "{data} reaches {sink} but holds {what}: the model is trained on held-out rows, so {consequence}; {advice}"
    triggers = LazyPattern(r"fit|train|loader|step|Trainer|dataset|backward")

    def finish(self) -> None:
        sinks = self.semantic.data_sinks
        reported = set()
        for sink in sinks.of_role(TRAINING):
            rows = sink.rows
            if rows is None:
                continue
            details = self._details(sink, rows)
            if details is None:
                continue
            key = (id(sink.node), details["what"])
            if key in reported:
                continue
            reported.add(key)
            self.report(sink.node, **details)

    def _details(self, sink: DataSink, rows: Rows) -> Optional[dict]:
        data = f"`{_text(sink.data)}`"
        held = [part for part in rows.held_out_parts() if not part.by_name]
        if not rows.held_out_parts():
            return self._full_data(sink, rows, data)
        mixed = TRAIN in rows.splits or ALL in rows.splits or len(held) < len(rows.parts or (rows,))
        # A part is held out when the script treats it so: it is evaluated or
        # monitored, or (trained on alone) its sibling training part is
        # trained on elsewhere; roles swapped between siblings are
        # cross-validation by hand.
        held = [part for part in held if self._treated_as_held_out(sink, part, alone=not mixed)]
        if not held:
            return None
        splits = set().union(*(part.splits for part in held))
        evidence = "; ".join(dict.fromkeys(part.evidence for part in held))
        monitors = self._monitors(sink, held)
        if mixed and splits == {VALIDATION} and not monitors and self._test_is_scored():
            return None  # the final refit on train + validation, scored on an untouched test split
        if mixed:
            what = f"training rows together with {_labels(splits)} rows ({evidence})"
        else:
            what = f"{_labels(splits)} rows ({evidence})"
        if TEST in splits:
            consequence = "every score on the test split is optimistic"
            advice = "train on the training split only and keep the test split for the final evaluation"
        elif monitors:
            consequence = "the validation loss it monitors is measured on rows it trains on"
            advice = "train on the training split only, or drop the validation data once you refit on everything"
        else:
            consequence = "the validation score (and whatever it selects) is optimistic"
            advice = "train on the training split only; evaluate on the validation split without updating the model"
        return {"data": data, "sink": sink.description, "what": what, "consequence": consequence, "advice": advice}

    def _treated_as_held_out(self, sink: DataSink, part: Rows, alone: bool) -> bool:
        sinks = self.semantic.data_sinks
        group = group_of(part)
        evaluated = False
        for other in sinks.of_role(EVALUATION, PREDICTION, MONITORING):
            rows = other.rows
            if rows is None:
                continue
            for piece in rows.parts or (rows,):
                if group_of(piece) != group:
                    continue
                if piece.splits & part.splits:
                    evaluated = True
                elif alone and piece.splits == {TRAIN}:
                    # the sibling training part is evaluated: if it is trained on too, the halves swap
                    # roles (cross-validation by hand); if not, the two parts were passed the wrong way round
                    return not self._sibling_trained(sink, group)
        if evaluated or (alone and part.designated):
            return True  # evaluated, or a split its publisher holds out (`train=False`, `ds["test"]`)
        if not alone:
            return False
        return self._sibling_trained(sink, group)

    def _sibling_trained(self, sink: DataSink, group: int) -> bool:
        """A training part of the same pool reaches another training sink."""
        for other in self.semantic.data_sinks.of_role(TRAINING):
            if other is sink or other.node is sink.node:
                continue
            rows = other.rows
            if rows is not None and any(group_of(piece) == group and piece.splits == {TRAIN} for piece in rows.parts or (rows,)):
                return True
        return False

    def _full_data(self, sink: DataSink, rows: Rows, data: str) -> Optional[dict]:
        """A model fitted on all rows after they were split, that then scores the test part."""
        if rows.splits != {ALL} or sink.inner is not None or sink.model is None:
            return None
        point = self.semantic.provenance.split_point(rows.pool)
        if point is None or (point.model is self.semantic and point.line >= getattr(sink.node, "lineno", 0)):
            return None  # (a split in another file ran when it was imported or called, before)
        if not self._scores_test_after(sink, rows):
            return None
        what = f"all rows ({rows.evidence}), including the test part split off on {point.text_from(self.semantic)}"
        return {"data": data, "sink": sink.description, "what": what, "consequence": "the test score is measured on rows the model has seen",
                "advice": "fit on the training part of the split only"}

    def _scores_test_after(self, sink: DataSink, fitted: Rows) -> bool:
        """The model of `sink` scores test rows cut from the rows it was fitted
        on, after it was fitted, and no fit that starts from scratch came in
        between (`knn.fit(X, y)` for the training error, then
        `knn.fit(X_train, y_train)` before scoring). Test rows of another data
        set (a competition's `test.csv`, predicted for a submission after a
        refit on every labelled row) are not rows the model has seen."""
        pools = {id(pool) for pool in (fitted.pool, *fitted.other_pools) if pool is not None}
        identity = _model_identity(self.semantic, sink.model)
        if identity is None:
            return False
        start = _position(sink.node)
        refits = [_position(other.node) for other in self.semantic.data_sinks.of_role(TRAINING)
                  if other.replaces_what_was_learned and _position(other.node) > start
                  and _model_identity(self.semantic, other.model) == identity]
        for other in self.semantic.data_sinks.of_role(EVALUATION, PREDICTION):
            if other.model is None or getattr(other.node, "lineno", 0) < getattr(sink.node, "lineno", 0):
                continue
            if any(refit < _position(other.node) for refit in refits):
                continue  # what the test rows meet is the refitted model
            rows = other.rows
            if rows is None or rows.splits != {TEST} or _model_identity(self.semantic, other.model) != identity:
                continue
            if any(group_of(piece) in pools for piece in rows.parts or (rows,)):
                return True
        return False

    def _monitors(self, sink: DataSink, held: List[Rows]) -> bool:
        """The same call monitors rows it trains on (`validation_data=` overlapping the training data)."""
        for other in self.semantic.data_sinks.of_role(MONITORING):
            if other.node is sink.node:
                rows = other.rows
                if rows is not None and any(overlaps(rows, part) for part in held):
                    return True
        return False

    def _test_is_scored(self) -> bool:
        for other in self.semantic.data_sinks.of_role(EVALUATION, PREDICTION):
            rows = other.rows
            if rows is not None and rows.splits == {TEST}:
                return True
        return False

    VALID = [
        Valid(
            """
            import numpy as np
            import pandas as pd
            from sklearn.linear_model import LogisticRegression

            fit_rows = pd.read_csv("folds/fit.csv")
            holdout = pd.read_csv("folds/holdout.csv")
            both = pd.DataFrame(np.vstack((fit_rows[["plan", "region"]], holdout[["plan", "region"]])), columns=["plan", "region"])
            onehot = pd.get_dummies(both, columns=["plan", "region"])
            n_fit = fit_rows.shape[0]
            clf = LogisticRegression(max_iter=1000).fit(onehot.iloc[range(n_fit)], fit_rows["churned"])
            print(clf.score(onehot.iloc[range(n_fit, len(onehot))], holdout["churned"]))
            """,
            title="rows of a stacked table picked back by position (`iloc[range(n_fit)]`): the first table's rows",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.ensemble import RandomForestRegressor

            train = pd.read_csv("input/train.csv")
            test = pd.read_csv("input/test.csv")
            target = train.pop("price")
            table = pd.get_dummies(pd.concat([train, test], axis=0)).fillna(0).values
            n_train = len(train)
            X_train, X_test = table[:n_train], table[n_train:]
            pd.DataFrame({"price": RandomForestRegressor().fit(X_train, target).predict(X_test)}).to_csv("submission.csv")
            """,
            title="Kaggle: train and test encoded together, then cut apart at the training table's length",
        ),
        Valid(
            """
            import torch
            from torch import nn
            from torch.utils.data import DataLoader, random_split
            from torchvision import datasets, transforms


            def carve(dataset, val_fraction=0.1, keep_train=True):
                n_val = int(len(dataset) * val_fraction)
                fit_part, val_part = random_split(dataset, [len(dataset) - n_val, n_val],
                                                  generator=torch.Generator().manual_seed(0))
                if keep_train:
                    return fit_part
                return val_part


            augmented = datasets.CIFAR10("data", train=True, transform=transforms.ToTensor())
            plain = datasets.CIFAR10("data", train=True, transform=transforms.ToTensor())
            train_loader = DataLoader(carve(augmented), batch_size=128, shuffle=True)
            val_loader = DataLoader(carve(plain, keep_train=False), batch_size=256)
            model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            for images, labels in train_loader:
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(images), labels).backward()
                optimizer.step()
            """,
            title="a helper returns the training or the validation part by a flag: which one is not known, so nothing is said",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier

            labs = pd.read_csv("clinic/blood_test_results.csv")
            features = labs[["glucose", "hba1c", "bmi"]]
            RandomForestClassifier(n_estimators=200).fit(features, labs["diabetic"])
            """,
            title="the only data file read has \"test\" in its name: it is the whole data set, not a test split",
        ),
        Valid(
            """
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.model_selection import train_test_split

            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            clf = RandomForestClassifier()
            clf.fit(X_train, y_train)
            print(clf.score(X_test, y_test))
            """,
            title="fit on the training part, score on the test part",
        ),
        Valid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            x_val, y_val = x_train[-10000:], y_train[-10000:]
            x_fit, y_fit = x_train[:-10000], y_train[:-10000]
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_fit, y_fit, validation_data=(x_val, y_val), epochs=5)
            model.evaluate(x_test, y_test)
            """,
            title="Keras: validation data only monitors (`validation_data=`)",
        ),
        Valid(
            """
            from transformers import Trainer, TrainingArguments
            from datasets import load_dataset

            raw = load_dataset("imdb")
            trainer = Trainer(model=model, args=TrainingArguments("out"), train_dataset=raw["train"],
                              eval_dataset=raw["test"])
            trainer.train()
            """,
            title="Hugging Face: the held-out split is the `eval_dataset` (monitoring, not training)",
        ),
        Valid(
            """
            import lightning.pytorch as pl
            from torch.utils.data import DataLoader, random_split

            train_part, val_part = random_split(full, [0.9, 0.1])
            trainer = pl.Trainer(max_epochs=5)
            trainer.fit(module, DataLoader(train_part), DataLoader(val_part))
            """,
            title="Lightning: the validation loader is `val_dataloaders`",
        ),
        Valid(
            """
            import torch
            from torchvision import datasets

            test_loader = torch.utils.data.DataLoader(datasets.MNIST("data", train=False))

            def evaluate(model, loader):
                model.eval()
                correct = 0
                with torch.no_grad():
                    for x, y in loader:
                        correct += (model(x).argmax(1) == y).sum().item()
                return correct

            print(evaluate(model, test_loader))
            """,
            title="PyTorch: an evaluation loop without backward or step",
        ),
        Valid(
            """
            import torch
            import torch.nn.functional as F
            from torchvision import datasets

            test_loader = torch.utils.data.DataLoader(datasets.MNIST("data", train=False))

            def fgsm(model, loader, eps):
                model.eval()
                for images, labels in loader:
                    images.requires_grad_(True)
                    loss = F.cross_entropy(model(images), labels)
                    loss.backward()
                    adversarial = images + eps * images.grad.sign()
                    print(model(adversarial).argmax(1))

            fgsm(model, test_loader, 0.1)
            """,
            title="adversarial examples: a backward on test inputs without an optimizer step",
        ),
        Valid(
            """
            import numpy as np
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split

            X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2)
            X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.25)
            best = max((LogisticRegression(C=c).fit(X_train, y_train).score(X_val, y_val), c) for c in (0.1, 1, 10))
            final = LogisticRegression(C=best[1])
            final.fit(np.concatenate([X_train, X_val]), np.concatenate([y_train, y_val]))
            print(final.score(X_test, y_test))
            """,
            title="the final refit on train + validation, scored once on an untouched test split",
        ),
        Valid(
            """
            import torch
            from torch.utils.data import ConcatDataset, DataLoader, random_split

            train_part, val_part, test_part = random_split(full, [0.8, 0.1, 0.1])
            held_out = DataLoader(ConcatDataset([val_part, test_part]))
            model.eval()
            with torch.no_grad():
                for x, y in held_out:
                    print(model(x).argmax(1) == y)
            """,
            title="validation and test concatenated only for evaluation",
        ),
        Valid(
            """
            import torch
            from sklearn.model_selection import KFold
            from torch.utils.data import DataLoader, Subset

            def fit_fold(model, loader, optimizer):
                for x, y in loader:
                    optimizer.zero_grad()
                    torch.nn.functional.cross_entropy(model(x), y).backward()
                    optimizer.step()

            for train_idx, val_idx in KFold(5).split(X):
                fit_fold(model, DataLoader(Subset(dataset, train_idx)), optimizer)
                check = DataLoader(Subset(dataset, val_idx))
            """,
            title="cross-validation: each fold trains on its own training indices",
        ),
        Valid(
            """
            from sklearn.model_selection import cross_val_score
            from sklearn.svm import SVC

            scores = cross_val_score(SVC(), X, y, cv=5)
            final = SVC().fit(X, y)
            """,
            title="the final fit on all data after cross-validation (no held-out split is scored)",
        ),
        Valid(
            """
            import torch
            from torch.utils.data import DataLoader, random_split

            def run_epoch(model, loader, loss_fn, optimizer=None):
                training = optimizer is not None
                for x, y in loader:
                    loss = loss_fn(model(x), y)
                    if training:
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()

            train_part, val_part = random_split(full, [0.8, 0.2])
            run_epoch(model, DataLoader(train_part), loss_fn, optimizer)
            run_epoch(model, DataLoader(val_part), loss_fn)
            """,
            title="one helper for both loops: the validation call passes no optimizer",
        ),
        Valid(
            """
            from sklearn.datasets import load_iris
            from sklearn.metrics import accuracy_score
            from sklearn.model_selection import train_test_split
            from sklearn.neighbors import KNeighborsClassifier

            X, y = load_iris(return_X_y=True)
            model = KNeighborsClassifier(n_neighbors=1)
            model.fit(X, y)
            print(accuracy_score(y, model.predict(X)))

            X1, X2, y1, y2 = train_test_split(X, y, train_size=0.5)
            y2_model = model.fit(X1, y1).predict(X2)
            y1_model = model.fit(X2, y2).predict(X1)
            print(accuracy_score(y1, y1_model), accuracy_score(y2, y2_model))
            """,
            title="a fit before the data is split; two-fold cross-validation by hand (the halves swap roles)",
        ),
        Valid(
            """
            import numpy as np
            from tensorflow import keras

            (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
            digits = np.concatenate([x_train, x_test], axis=0)
            vae.compile(optimizer=keras.optimizers.Adam())
            vae.fit(digits, epochs=30, batch_size=128)
            """,
            title="a generative model trained on every digit: the test part is never scored, so nothing is held out",
        ),
        Valid(
            """
            import numpy as np
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.model_selection import train_test_split

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            X_fit, X_valid, y_fit, y_valid = train_test_split(X_train, y_train)
            X_valid_predictions = np.empty((len(X_valid), len(estimators)))
            for index, estimator in enumerate(estimators):
                estimator.fit(X_fit, y_fit)
                X_valid_predictions[:, index] = estimator.predict(X_valid)
            blender = RandomForestClassifier()
            blender.fit(X_valid_predictions, y_valid)
            """,
            title="blending: the blender learns from the base models' predictions (only a name says validation)",
        ),
        Valid(
            """
            from sklearn.model_selection import train_test_split

            train_90, train_10, labels_90, labels_10 = train_test_split(train_sentences, train_labels, test_size=0.1)
            model.fit(train_10, labels_10, validation_data=(val_sentences, val_labels), epochs=5)
            """,
            title="`train_test_split` used to take a 10% subsample of the training data",
        ),
        Valid(
            files={
                "data.py": '''
                    from torch.utils.data import DataLoader, random_split

                    def make_loaders(dataset):
                        train_part, val_part = random_split(dataset, [0.9, 0.1])
                        return DataLoader(train_part, shuffle=True), DataLoader(val_part)
                    ''',
                "train.py": '''
                    import torch
                    from data import make_loaders

                    def train_one_epoch(model, loader, optimizer):
                        for x, y in loader:
                            optimizer.zero_grad()
                            torch.nn.functional.cross_entropy(model(x), y).backward()
                            optimizer.step()

                    train_loader, val_loader = make_loaders(full)
                    train_one_epoch(model, train_loader, optimizer)
                    ''',
            },
            title="two files: the training helper gets the training loader",
        ),
        Valid(
            """
            from sklearn.datasets import load_diabetes
            from sklearn.linear_model import Ridge
            from sklearn.model_selection import train_test_split

            features, target = load_diabetes(return_X_y=True)
            fit_X, held_X, fit_y, held_y = train_test_split(features, target, test_size=0.25)
            snapshot = (fit_X.copy(), held_X.copy(), fit_y.copy(), held_y.copy())
            fit_X = fit_X[:, :3]
            fit_X, held_X, fit_y, held_y = snapshot
            print(Ridge().fit(fit_X, fit_y).score(held_X, held_y))
            """,
            title="a saved tuple of the split parts unpacked back by position: each name gets its own part",
        ),
        Valid(
            """
            from datasets import load_dataset
            from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

            tokenizer = AutoTokenizer.from_pretrained("distilbert-base-uncased")
            smoke = load_dataset("glue", "sst2", split="validation[:200]")
            smoke = smoke.map(lambda batch: tokenizer(batch["sentence"], truncation=True, padding="max_length"), batched=True)
            model = AutoModelForSequenceClassification.from_pretrained("distilbert-base-uncased", num_labels=2)
            trainer = Trainer(model=model, args=TrainingArguments("smoke-run", max_steps=20), train_dataset=smoke)
            trainer.train()
            """,
            title="a smoke run on a slice of the validation split, the only data the script reads: its whole data set",
        ),
        Valid(
            """
            import eli5
            from eli5.sklearn import PermutationImportance
            from sklearn.ensemble import RandomForestRegressor
            from sklearn.model_selection import train_test_split

            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)
            forest = RandomForestRegressor(n_estimators=300).fit(X_train, y_train)
            importance = PermutationImportance(forest, n_iter=10).fit(X_test, y_test)
            eli5.show_weights(importance)
            """,
            title="eli5's `PermutationImportance(model).fit` on the test split scores the trained model; it trains nothing",
        ),
        Valid(
            """
            from sklearn.model_selection import train_test_split
            from sklearn.svm import SVC

            X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=7)
            for gamma in (0.01, 0.1, 1.0):
                svm = SVC(gamma=gamma)
                svm.fit(X, y)
                resubstitution = svm.score(X, y)
                svm.fit(X_train, y_train)
                held_out = svm.score(X_test, y_test)
                print(gamma, resubstitution, held_out)
            """,
            title="scikit-learn: a fit on all rows for the resubstitution score, then a refit on the training part before the test part is scored",
        ),
        Valid(
            """
            from tensorflow.keras.datasets import fashion_mnist

            def fit_classifier(net, splits):
                (images, labels), (held_images, held_labels) = splits
                net.fit(images, labels, epochs=5)
                print(net.evaluate(held_images, held_labels))

            (images, labels), (held_images, held_labels) = fashion_mnist.load_data()
            fit_classifier(net, ((images / 255.0, labels), (held_images / 255.0, held_labels)))
            """,
            title="a helper given both splits in one tuple unpacks them and trains on the first: the call passes held-out rows, but they are not what is trained on",
        ),
        Valid(
            files={
                "pairs.py": '''
                    from tensorflow.keras.datasets import cifar10

                    def gray_and_colour():
                        (colour, _), (colour_held, _) = cifar10.load_data()
                        bundle = (colour[..., :1], colour, colour_held[..., :1], colour_held)
                        return bundle, colour.shape[1:]
                    ''',
                "translate.py": '''
                    import pairs

                    def train_translator(critic, bundle):
                        gray, colour, gray_held, colour_held = bundle
                        critic.train_on_batch(gray, colour)
                        print(critic.evaluate(gray_held, colour_held))

                    bundle, shape = pairs.gray_and_colour()
                    train_translator(critic, bundle)
                    ''',
            },
            title="two files: a loader returns a tuple of training and held-out arrays, the helper unpacks it by position and trains on the training arrays",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.ensemble import GradientBoostingRegressor
            from sklearn.metrics import mean_absolute_error
            from sklearn.model_selection import train_test_split

            columns = ["rooms", "area", "year"]
            listings = pd.read_csv("input/listings.csv")
            X, price = listings[columns], listings.price
            fit_X, hold_X, fit_y, hold_y = train_test_split(X, price, random_state=3)
            trial = GradientBoostingRegressor().fit(fit_X, fit_y)
            print(mean_absolute_error(hold_y, trial.predict(hold_X)))

            final = GradientBoostingRegressor()
            final.fit(X, price)
            unlabelled = pd.read_csv("input/listings_test.csv")
            pd.DataFrame({"price": final.predict(unlabelled[columns])}).to_csv("submission.csv")
            """,
            title="Kaggle: after validating, a refit on every labelled row predicts the competition's unlabelled test file, not the held-out part",
        ),
    ]

    INVALID = [
        Invalid(
            """
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.model_selection import train_test_split

            def train_model(features, labels):
                model = RandomForestClassifier()
                model.fit(features, labels)
                return model

            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3)
            clf = train_model(X_test, y_test)
            print(clf.score(X_test, y_test))
            """,
            expect=["10:7"],
            title="scikit-learn: a helper fits on the test part",
        ),
        Invalid(
            """
            import torch
            from torch.utils.data import DataLoader, random_split

            train_part, val_part = random_split(full, [50000, 10000])
            train_loader = DataLoader(train_part, shuffle=True)
            val_loader = DataLoader(val_part)

            for epoch in range(10):
                for x, y in train_loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
                for x, y in val_loader:
                    optimizer.zero_grad()
                    loss = criterion(model(x), y)
                    loss.backward()
                    optimizer.step()
            """,
            expect=["13:17"],
            title="PyTorch: a validation loop that still steps the optimizer",
        ),
        Invalid(
            """
            import numpy as np
            from tensorflow import keras
            from sklearn.model_selection import train_test_split

            x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.1)
            model = keras.Sequential([keras.layers.Dense(10, activation="softmax")])
            model.fit(np.concatenate([x_train, x_val]), np.concatenate([y_train, y_val]),
                      validation_data=(x_val, y_val), epochs=10)
            """,
            expect=["7:1"],
            title="Keras: validation rows concatenated into the training arrays and also monitored",
        ),
        Invalid(
            """
            import numpy as np
            from sklearn.ensemble import GradientBoostingClassifier
            from sklearn.model_selection import train_test_split

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            final = GradientBoostingClassifier()
            final.fit(np.vstack([X_train, X_test]), np.concatenate([y_train, y_test]))
            print(final.score(X_test, y_test))
            """,
            expect=["7:1"],
            title="scikit-learn: a 'final' refit that includes the test rows",
        ),
        Invalid(
            """
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            model = LogisticRegression().fit(X, y)
            print(model.score(X_test, y_test))
            """,
            expect=["5:9"],
            title="fitting on the full data after it was split, then scoring the test part",
        ),
        Invalid(
            """
            from sklearn.model_selection import train_test_split
            from tensorflow import keras

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            net = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
            net.compile(optimizer="adam", loss="mse")
            net.fit(X, y, epochs=5)
            net.fit(X_train, y_train, epochs=5)
            print(net.evaluate(X_test, y_test))
            """,
            expect=["7:1"],
            title="Keras: a second `fit` goes on from the weights the first one learned on every row",
        ),
        Invalid(
            """
            import torch
            from torch.utils.data import ConcatDataset, DataLoader
            from torchvision import datasets

            train_set = datasets.ImageFolder(f"{root}/train")
            val_set = datasets.ImageFolder(f"{root}/val")
            loader = DataLoader(ConcatDataset([train_set, val_set]), shuffle=True)
            for x, y in loader:
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
            with torch.no_grad():
                for x, y in DataLoader(val_set):
                    print((model(x).argmax(1) == y).float().mean())
            """,
            expect=["8:13"],
            title="PyTorch: the validation folder concatenated into the training set (no test split)",
        ),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf

            def make_datasets(x, y):
                idx = np.random.permutation(len(x))
                tr, va = idx[:45000], idx[45000:]
                train = tf.data.Dataset.from_tensor_slices((x[tr], y[tr])).batch(64)
                val = tf.data.Dataset.from_tensor_slices((x[va], y[va])).batch(512)
                return train, val

            def run_validation(model, dataset):
                for xb, yb in dataset:
                    model.train_on_batch(xb, yb)

            train_ds, val_ds = make_datasets(x, y)
            for xb, yb in train_ds:
                model.train_on_batch(xb, yb)
            run_validation(model, val_ds)
            """,
            expect=["18:1"],
            title="Keras: a 'validation' helper that calls `train_on_batch`",
        ),
        Invalid(
            """
            from transformers import Trainer, TrainingArguments
            from datasets import load_dataset

            raw = load_dataset("imdb")
            trainer = Trainer(model=model, args=TrainingArguments("out"), train_dataset=raw["test"])
            trainer.train()
            """,
            expect=["5:11"],
            title="Hugging Face: the test split as `train_dataset`",
        ),
        Invalid(
            """
            import lightning.pytorch as pl
            from torch.utils.data import DataLoader
            from torchvision import datasets

            test_set = datasets.CIFAR10("data", train=False)
            trainer = pl.Trainer(max_epochs=5)
            trainer.fit(module, train_dataloaders=DataLoader(test_set))
            """,
            expect=["7:1"],
            title="Lightning: the test set as the training loader",
        ),
        Invalid(
            """
            import lightning.pytorch as pl
            from torch.utils.data import DataLoader, random_split

            train_part, val_part = random_split(full, [0.9, 0.1])
            trainer = pl.Trainer(max_epochs=5)
            trainer.fit(module, DataLoader(val_part), DataLoader(train_part, shuffle=True))
            """,
            expect=["6:1"],
            title="Lightning: the training and validation loaders passed the wrong way round",
        ),
        Invalid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data(num_words=10000)
            x_val, y_val = x_train[:10000], y_train[:10000]
            partial_x, partial_y = x_train[10000:], y_train[10000:]
            model.fit(x_val, y_val, epochs=20, validation_data=(partial_x, partial_y))
            print(model.evaluate(x_test, y_test))
            """,
            expect=["6:1"],
            title="Keras: the validation slice is fitted, the training slice only monitored",
        ),
        Invalid(
            """
            import lightning.pytorch as pl
            from torch.utils.data import DataLoader, random_split

            class Digits(pl.LightningDataModule):
                def setup(self, stage=None):
                    self.train_set, self.val_set = random_split(self.full, [0.9, 0.1])

                def train_dataloader(self):
                    return DataLoader(self.val_set, shuffle=True)

                def val_dataloader(self):
                    return DataLoader(self.val_set)

            pl.Trainer(max_epochs=3).fit(Classifier(), datamodule=Digits())
            """,
            expect=["14:1"],
            title="Lightning: a DataModule whose `train_dataloader` serves the validation set",
        ),
        Invalid(
            files={
                "data.py": '''
                    from torch.utils.data import DataLoader, random_split

                    def make_loaders(dataset):
                        train_part, val_part = random_split(dataset, [0.9, 0.1])
                        return DataLoader(train_part, shuffle=True), DataLoader(val_part)
                    ''',
                "train.py": '''
                    import torch
                    from data import make_loaders

                    def train_one_epoch(model, loader, optimizer):
                        for x, y in loader:
                            optimizer.zero_grad()
                            torch.nn.functional.cross_entropy(model(x), y).backward()
                            optimizer.step()

                    train_loader, val_loader = make_loaders(full)
                    train_one_epoch(model, train_loader, optimizer)
                    train_one_epoch(model, val_loader, optimizer)
                    ''',
            },
            expect=["train.py:12:1"],
            title="two files: loaders built in data.py, the helper trains on the validation loader",
        ),
        Invalid(
            """
            import torch
            from torchvision import datasets

            class Runner:
                def __init__(self, model, train_loader, val_loader, optimizer):
                    self.model, self.optimizer = model, optimizer
                    self.train_loader, self.val_loader = train_loader, val_loader

                def fit(self):
                    for x, y in self.val_loader:
                        self.optimizer.zero_grad()
                        torch.nn.functional.cross_entropy(self.model(x), y).backward()
                        self.optimizer.step()

            test_loader = torch.utils.data.DataLoader(datasets.MNIST("data", train=False))
            Runner(model, train_loader, test_loader, optimizer).fit()
            """,
            expect=["10:21"],
            title="a class: the loop of a method trains on the loader its constructor was given",
        ),
        Invalid(
            """
            from tensorflow.keras.datasets import fashion_mnist

            def fine_tune(net, splits):
                (images, labels), (held_images, held_labels) = splits
                net.fit(held_images, held_labels, epochs=1)

            (images, labels), (held_images, held_labels) = fashion_mnist.load_data()
            net.fit(images, labels, epochs=5)
            fine_tune(net, ((images, labels), (held_images, held_labels)))
            print(net.evaluate(held_images, held_labels))
            """,
            expect=["9:1"],
            title="a helper given both splits in one tuple unpacks them and trains on the held-out element",
        ),
    ]


def _position(node: ast.AST):
    return getattr(node, "lineno", 0), getattr(node, "col_offset", 0)


def _model_identity(model, expression: Optional[ast.AST]) -> Optional[int]:
    """The statement that makes the model an expression names: `clf` and
    `clf = SVC()`, `LogisticRegression()` inside `model = LogisticRegression().fit(X, y)`."""
    if expression is None:
        return None
    while isinstance(expression, ast.Call) and isinstance(expression.func, ast.Attribute):
        expression = expression.func.value  # SVC().fit(X, y) -> SVC()
    if isinstance(expression, ast.Name):
        _, binding = model.scopes.lookup(expression.id, model.scopes.scope_at(expression), getattr(expression, "lineno", None))
        if binding is None:
            return None
        value = binding.value
        if binding.kind == "assign" and isinstance(value, ast.Call):
            inner = value
            while isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr in ("fit", "compile", "to"):
                inner = inner.func.value
            if isinstance(inner, ast.Name) and inner is not expression:
                return _model_identity(model, inner)
        return id(binding.node)
    node = expression
    while node is not None and not isinstance(node, ast.stmt):
        node = model.parent(node)
    return id(node) if node is not None else None


def _labels(splits) -> str:
    return " and ".join(split_label(split) for split in sorted(splits, key=lambda s: (s != VALIDATION, s)))


def _text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 50 else text[:47] + "..."
