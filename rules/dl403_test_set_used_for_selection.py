import ast
from typing import FrozenSet, List, Optional, Set, Tuple

from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic import catalog
from dllint.semantic.arguments import keyword_value
from dllint.semantic.data_sinks import EVALUATION, MONITORING, PREDICTION, DataSink
from dllint.semantic.provenance import Rows
from dllint.semantic.values import TEST

_KEEPING_CALLS = catalog.MODEL_KEEPING_CALLS
_KEEPING_METHODS = catalog.MODEL_KEEPING_METHODS
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)


class TestSetUsedForSelection(Rule):
    """
    ## What it does
    Finds where the test split chooses the model: it is the `validation_data`
    of a Keras `fit` with `EarlyStopping(restore_best_weights=True)`,
    `ModelCheckpoint(save_best_only=True)` or `ReduceLROnPlateau`; the
    `eval_dataset` of a Hugging Face `Trainer` with
    `load_best_model_at_end=True`; the validation loader of a Lightning run
    whose `ModelCheckpoint` or `EarlyStopping` monitors it; or a score on it
    that a comparison keeps the best of (`if test_acc > best_acc:` followed by
    saving the weights, or remembering the hyperparameters), in a training
    loop or a loop over candidate models.

    ## Why is this bad?
    A split used to pick the epoch, the checkpoint or the hyperparameters is
    a validation split: the model was chosen because it did well on exactly
    those rows. Its score is then optimistic, and reporting it as the test
    score ("I ran 10,000 tests, each one tweaking it to be the best possible
    result") overstates how the model does on unseen data. Keep a separate
    validation split for choosing and score the test split once at the end.

    ## Known limits
    The split must be known as the test split (a `load_data()` test part,
    `train=False`, `split="test"`, a `test/` folder, the held-out output of
    `train_test_split` not named as a validation split, or at least a name
    such as `x_test`). A split named and built as a validation split is never
    reported, even when it is the only held-out split. Only comparisons whose
    branch keeps something (assigns a best value, saves or copies weights) are
    reported; a test score that is only printed or logged is not, nor a branch
    that only writes one element of an array (`votes[i] = 1`, a per-sample
    vote). Selection through `max(..., key=...)`, sorting, or a project's own
    early-stopping class is not recognised.
    """

    code = "DL403"
    name = "test-set-used-for-selection"
    message = "{chosen} is chosen by {how} on {data}, the test split ({evidence}), so the test score is optimistic: the model was picked for doing well on those rows; choose on a separate validation split and score the test split once at the end"
    triggers = LazyPattern(r"test|Test|TEST")

    def finish(self) -> None:
        sinks = self.semantic.data_sinks
        reported: Set[int] = set()
        for sink in sinks.of_role(MONITORING):
            rows = sink.rows
            if not _is_test(rows):
                continue
            chosen = self._monitoring_selection(sink)
            if chosen is not None and id(sink.node) not in reported:
                reported.add(id(sink.node))
                self.report(sink.node, chosen=chosen[0], how=chosen[1], data=f"`{_text(sink.data)}`", evidence=rows.evidence)
        for sink in sinks.of_role(EVALUATION, PREDICTION):
            rows = sink.rows
            if not _is_test(rows):
                continue
            for comparison, kept in self._comparisons_keeping(sink):
                if id(comparison) in reported:
                    continue
                reported.add(id(comparison))
                self.report(comparison, chosen=kept, how="the comparison of a score", data=f"`{_text(sink.data)}`", evidence=rows.evidence)

    # -- frameworks that choose by the monitored data ------------------------
    def _monitoring_selection(self, sink: DataSink) -> Optional[Tuple[str, str]]:
        call = sink.node
        if not isinstance(call, ast.Call):
            return None
        if sink.framework == "hf":
            arguments = self._constructor(keyword_value(call, "args"))
            if arguments is not None and _true(keyword_value(arguments, "load_best_model_at_end")):
                return "The checkpoint the `Trainer` keeps", "`load_best_model_at_end=True`"
            return None
        if sink.framework == "lightning":
            receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
            trainer = self._constructor(receiver)
            for callback in self._callbacks(trainer):
                name = self.semantic.qualified_name(callback.func)
                if name == "lightning.pytorch.callbacks.EarlyStopping":
                    return "The epoch training stops at", "`EarlyStopping`"
                if name == "lightning.pytorch.callbacks.ModelCheckpoint" and keyword_value(callback, "monitor") is not None:
                    return "The checkpoint Lightning keeps", "`ModelCheckpoint(monitor=...)`"
            return None
        for callback in self._callbacks(call):
            name = self.semantic.qualified_name(callback.func)
            if name not in catalog.KERAS_SELECTING_CALLBACKS:
                continue
            monitor = keyword_value(callback, "monitor")
            if isinstance(monitor, ast.Constant) and isinstance(monitor.value, str) and not monitor.value.startswith("val_"):
                continue  # monitors a training metric
            flag = catalog.KERAS_SELECTING_CALLBACKS[name]
            short = name.rsplit(".", 1)[-1]
            if flag is None:
                return "The learning-rate schedule", f"`{short}`"
            if _true(keyword_value(callback, flag)):
                chosen = "The weights `fit` restores" if short == "EarlyStopping" else "The checkpoint `fit` keeps"
                return chosen, f"`{short}({flag}=True)`"
        return None

    def _constructor(self, expression: Optional[ast.AST]) -> Optional[ast.Call]:
        if isinstance(expression, ast.Call):
            return expression
        if isinstance(expression, ast.Name):
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(expression.id, scopes.scope_at(expression), expression.lineno)
            if binding is not None and binding.kind == "assign" and not binding.path and isinstance(binding.value, ast.Call):
                return binding.value
        return None

    def _callbacks(self, call: Optional[ast.Call]) -> List[ast.Call]:
        if call is None:
            return []
        value = keyword_value(call, "callbacks")
        if isinstance(value, ast.Name):
            scopes = self.semantic.scopes
            _, binding = scopes.lookup(value.id, scopes.scope_at(value), value.lineno)
            value = binding.value if binding is not None and binding.kind == "assign" and not binding.path else None
        if not isinstance(value, (ast.List, ast.Tuple)):
            return []
        found = []
        for element in value.elts:
            constructor = self._constructor(element)
            if constructor is not None:
                found.append(constructor)
        return found

    # -- a score on the test split that a comparison keeps the best of ---------
    def _comparisons_keeping(self, sink: DataSink) -> List[Tuple[ast.AST, str]]:
        model = self.semantic
        statements = self._score_statements(sink)
        if not statements:
            return []
        scope = _scope_of(model, sink.node)
        statements = self._derived_statements(scope, statements)
        found = []
        for node in self._statements_under(scope)[1]:
            if isinstance(node.test, ast.Compare) and _orders(node.test) and self._reads(node.test, statements):
                kept = _keeps(model, node.body, node.test)
                if kept is not None:
                    found.append((node.test, kept))
        return found

    def _score_statements(self, sink: DataSink) -> Set[int]:
        """The statements that bind the score computed from the sink's data."""
        model = self.semantic
        node = sink.node
        loop = model.parent(node)
        if isinstance(loop, (ast.For, ast.AsyncFor)) and loop.iter is node:
            # an inline evaluation loop: what its body accumulates
            return {id(statement) for statement in ast.walk(loop) if isinstance(statement, ast.AugAssign)}
        parent = model.parent(node)
        while parent is not None and not isinstance(parent, ast.stmt):
            parent = model.parent(parent)
        if isinstance(parent, ast.Assign):
            unpacked = any(isinstance(target, (ast.Tuple, ast.List)) for target in parent.targets)
            if unpacked and (sink.inner is not None or parent.value is not node):
                return set()  # which element of a helper's tuple is the score is unknown
            return {id(parent)}
        if isinstance(parent, (ast.AnnAssign, ast.AugAssign)):
            return {id(parent)}
        return set()

    def _reads(self, expression: ast.AST, statements: Set[int]) -> bool:
        return not self._bindings_read(expression).isdisjoint(statements)

    def _bindings_read(self, expression: ast.AST) -> FrozenSet[int]:
        """The ids of the statements binding the names `expression` reads,
        found once per expression: every sink of a script asks them of every
        assignment of the module (`_derived_statements`)."""
        cache = self.__dict__.setdefault("_bindings_read_cache", {})
        key = id(expression)
        if key not in cache:
            scopes = self.semantic.scopes
            found = set()
            for name in ast.walk(expression):
                if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Load):
                    _, binding = scopes.lookup(name.id, scopes.scope_at(name), name.lineno)
                    if binding is not None:
                        found.add(id(binding.node))
            cache[key] = (expression, frozenset(found))  # (the node kept: its id stays its own)
        return cache[key][1]

    def _statements_under(self, scope: ast.AST) -> Tuple[List[ast.AST], List[ast.If]]:
        """The assignments (`=`, `op=`) and the `if` statements under `scope`,
        in `ast.walk` order: walked once per scope, not three times per sink."""
        cache = self.__dict__.setdefault("_statements_cache", {})
        key = id(scope)
        if key not in cache:
            assignments: List[ast.AST] = []
            tests: List[ast.If] = []
            for node in ast.walk(scope):
                if isinstance(node, (ast.Assign, ast.AugAssign)):
                    assignments.append(node)
                elif isinstance(node, ast.If):
                    tests.append(node)
            cache[key] = (scope, assignments, tests)
        return cache[key][1], cache[key][2]

    def _derived_statements(self, scope: ast.AST, statements: Set[int]) -> Set[int]:
        """With the assignments computed from those (one step: `acc = correct / total`)."""
        found = set(statements)
        assignments = self._statements_under(scope)[0]
        accumulated = {node.target.id for node in assignments
                       if id(node) in statements and isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)}
        for node in assignments:
            if isinstance(node, ast.Assign) and id(node) not in found and self._reads(node.value, statements):
                found.add(id(node))
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id in accumulated:
                found.add(id(node))  # test_loss /= len(test_loader)
        return found

    VALID = [
        Valid(
            """
            import numpy as np
            from sklearn.model_selection import train_test_split
            from sklearn.naive_bayes import GaussianNB
            from sklearn.neighbors import KNeighborsClassifier
            from sklearn.tree import DecisionTreeClassifier

            X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y)
            tree_pred = DecisionTreeClassifier().fit(X_train, y_train).predict(X_test)
            bayes_pred = GaussianNB().fit(X_train, y_train).predict(X_test)
            knn_pred = KNeighborsClassifier().fit(X_train, y_train).predict(X_test)
            ensemble = np.zeros_like(tree_pred)
            for row in range(len(X_test)):
                agree = tree_pred[row] + bayes_pred[row] + knn_pred[row]
                if agree >= 2:
                    ensemble[row] = 1
            print("majority vote accuracy", (ensemble == y_test).mean())
            """,
            title="a per-sample majority vote over three models' test predictions chooses no model",
        ),
        Valid(
            """
            from tensorflow import keras
            from sklearn.model_selection import train_test_split

            (x, y), (x_test, y_test) = keras.datasets.cifar10.load_data()
            x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.1)
            stop = keras.callbacks.EarlyStopping(monitor="val_loss", restore_best_weights=True)
            model.fit(x_train, y_train, validation_data=(x_val, y_val), callbacks=[stop])
            print(model.evaluate(x_test, y_test))
            """,
            title="Keras: a separate validation split chooses, the test split is scored once",
        ),
        Valid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=5)
            """,
            title="Keras: the test split only monitored, nothing restores or keeps by it",
        ),
        Valid(
            """
            import torch
            from torch.utils.data import DataLoader, random_split

            train_part, val_part = random_split(full, [0.9, 0.1])
            val_loader = DataLoader(val_part)
            best = 0.0
            for epoch in range(10):
                train_one_epoch(model, train_loader, optimizer)
                acc = evaluate(model, val_loader)
                if acc > best:
                    best = acc
                    torch.save(model.state_dict(), "best.pt")
            """,
            title="PyTorch: the only held-out split is a validation split, named and built as one",
        ),
        Valid(
            """
            import torch
            from torchvision import datasets

            val_set = datasets.CIFAR10("data", train=False)
            val_loader = torch.utils.data.DataLoader(val_set)
            best = 0.0
            for epoch in range(10):
                acc = evaluate(model, val_loader)
                if acc > best:
                    best = acc
                    torch.save(model.state_dict(), "best.pt")
            """,
            title="a data set's official test split that the script names and uses as its validation split",
        ),
        Valid(
            """
            import torch
            from torchvision import datasets

            test_loader = torch.utils.data.DataLoader(datasets.MNIST("data", train=False))
            for epoch in range(10):
                train_one_epoch(model, train_loader, optimizer)
                test_acc = evaluate(model, test_loader)
                print(f"epoch {epoch}: test accuracy {test_acc:.3f}")
                if test_acc > 0.99:
                    print("that is good")
            """,
            title="PyTorch: the test score is only printed",
        ),
        Valid(
            """
            import torch
            from torchvision import datasets

            test_loader = torch.utils.data.DataLoader(datasets.MNIST("data", train=False))
            for epoch in range(10):
                train_one_epoch(model, train_loader, optimizer)
                test_acc = evaluate(model, test_loader)
                if test_acc == 1.0 or test_acc is None:
                    flagged = True
            """,
            title="a test score checked for a special value, not compared to keep the best",
        ),
        Valid(
            """
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import accuracy_score
            from sklearn.model_selection import train_test_split

            X_rest, X_test, y_rest, y_test = train_test_split(X, y)
            X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest)
            best_score, best_c = 0, None
            for c in (0.1, 1.0, 10.0):
                clf = LogisticRegression(C=c).fit(X_train, y_train)
                score = accuracy_score(y_val, clf.predict(X_val))
                if score > best_score:
                    best_score, best_c = score, c
            final = LogisticRegression(C=best_c).fit(X_train, y_train)
            print(accuracy_score(y_test, final.predict(X_test)))
            """,
            title="scikit-learn: hyperparameters chosen on validation, test scored once",
        ),
        Valid(
            """
            from transformers import Trainer, TrainingArguments
            from datasets import load_dataset

            raw = load_dataset("imdb")
            args = TrainingArguments("out", load_best_model_at_end=True, eval_strategy="epoch", save_strategy="epoch")
            trainer = Trainer(model=model, args=args, train_dataset=raw["train"], eval_dataset=raw["validation"])
            trainer.train()
            print(trainer.evaluate(raw["test"]))
            """,
            title="Hugging Face: the best checkpoint is chosen on the validation split",
        ),
        Valid(
            """
            from sklearn.model_selection import train_test_split
            from sklearn.svm import SVC

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            score = SVC().fit(X_train, y_train).score(X_test, y_test)
            print(score)

            X_fit, X_valid, y_fit, y_valid = train_test_split(X_train, y_train)
            best_score = 0
            for c in (0.1, 1, 10):
                score = SVC(C=c).fit(X_fit, y_fit).score(X_valid, y_valid)
                if score > best_score:
                    best_score, best_c = score, c
            """,
            title="a name reused: the test score printed, then the same name holds validation scores",
        ),
        Valid(
            """
            from sklearn.model_selection import train_test_split

            class Search:
                def train(self, x_train, y_train, x_test, y_test):
                    x_fit, x_val, y_fit, y_val = train_test_split(x_train, y_train)
                    history = self.model.fit(x_fit, y_fit, validation_data=(x_val, y_val))
                    metrics = self.model.evaluate(x_test, y_test)
                    return metrics, min(history.history["val_loss"])

                def search(self, x_train, y_train, x_test, y_test):
                    best = float("inf")
                    for size in (3, 5, 7):
                        metrics, valid_loss = self.train(x_train, y_train, x_test, y_test)
                        if valid_loss < best:
                            best = valid_loss
                            self.model.save("best.keras")
            """,
            title="a helper returns test metrics and a validation loss; the validation loss chooses",
        ),
        Valid(
            files={
                "data.py": '''
                    from torch.utils.data import DataLoader, random_split

                    def loaders(full):
                        train_part, val_part, test_part = random_split(full, [0.8, 0.1, 0.1])
                        return DataLoader(train_part), DataLoader(val_part), DataLoader(test_part)
                    ''',
                "train.py": '''
                    import torch
                    from data import loaders

                    train_loader, val_loader, test_loader = loaders(full)
                    best = 0.0
                    for epoch in range(10):
                        acc = evaluate(model, val_loader)
                        if acc > best:
                            best = acc
                            torch.save(model.state_dict(), "best.pt")
                    print(evaluate(model, test_loader))
                    ''',
            },
            title="two files: the checkpoint is chosen on the validation loader",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.model_selection import GroupKFold
            from tensorflow import keras

            def hold_out_groups(frame, labels, groups):
                train, test = next(GroupKFold(n_splits=4).split(frame, labels, groups))
                return frame.iloc[train], frame.iloc[test], labels.iloc[train], labels.iloc[test]

            songs = pd.read_csv("songs.csv")
            hits = songs.pop("hit")
            X_fit, X_valid, y_fit, y_valid = hold_out_groups(songs, hits, songs["album"])
            stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
            model.fit(X_fit, y_fit, validation_data=(X_valid, y_valid), callbacks=[stop])
            """,
            title="a helper cuts by index arrays named `train, test` after scikit-learn's folds; the caller names its part a validation split",
        ),
    ]

    INVALID = [
        Invalid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
            callbacks = [keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=5, restore_best_weights=True)]
            model.fit(x_train, y_train, validation_data=(x_test, y_test), callbacks=callbacks)
            print("test accuracy", model.evaluate(x_test, y_test)[1])
            """,
            expect=["5:1"],
            title="Keras: early stopping restores the weights that did best on the test split",
        ),
        Invalid(
            """
            import numpy as np
            from tensorflow import keras

            readings = np.load("sensor.npy")
            cut = int(0.8 * len(readings))
            x_test, y_test = readings[cut:, :-1], readings[cut:, -1]
            x_train, y_train = readings[:cut, :-1], readings[:cut, -1]
            validation_data = (x_test, y_test)
            keep = keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True)
            model.fit(x_train, y_train, validation_data=validation_data, callbacks=[keep])
            print(model.evaluate(x_test, y_test))
            """,
            expect=["10:1"],
            title="the test part, named test where it is cut, kept under the name of the Keras argument it is passed to",
        ),
        Invalid(
            """
            import copy
            import torch
            from torchvision import datasets

            test_loader = torch.utils.data.DataLoader(datasets.MNIST("data", train=False))

            @torch.no_grad()
            def accuracy(model, loader):
                hits = 0
                for x, y in loader:
                    hits += (model(x).argmax(1) == y).sum().item()
                return hits / len(loader.dataset)

            best_acc, best_state = 0.0, None
            for epoch in range(20):
                train_one_epoch(model, train_loader, optimizer)
                acc = accuracy(model, test_loader)
                if acc > best_acc:
                    best_acc, best_state = acc, copy.deepcopy(model.state_dict())
            print(f"best test accuracy {best_acc:.4f}")
            """,
            expect=["18:8"],
            title="PyTorch: the best epoch is kept by test accuracy",
        ),
        Invalid(
            """
            from sklearn.metrics import accuracy_score
            from sklearn.model_selection import train_test_split
            from sklearn.svm import SVC

            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            best_score, best_params = 0.0, None
            for c in (0.1, 1, 10):
                for gamma in (0.01, 0.1):
                    clf = SVC(C=c, gamma=gamma).fit(X_train, y_train)
                    score = accuracy_score(y_test, clf.predict(X_test))
                    if score > best_score:
                        best_score, best_params = score, (c, gamma)
            print("best test accuracy", best_score, best_params)
            """,
            expect=["11:12"],
            title="scikit-learn: hyperparameters chosen by the test score",
        ),
        Invalid(
            """
            from transformers import Trainer, TrainingArguments
            from datasets import load_dataset

            raw = load_dataset("imdb")
            args = TrainingArguments("out", load_best_model_at_end=True, eval_strategy="epoch", save_strategy="epoch")
            trainer = Trainer(model=model, args=args, train_dataset=raw["train"], eval_dataset=raw["test"])
            trainer.train()
            """,
            expect=["6:11"],
            title="Hugging Face: `load_best_model_at_end` on the test split",
        ),
        Invalid(
            """
            import lightning.pytorch as pl
            from lightning.pytorch.callbacks import ModelCheckpoint
            from torch.utils.data import DataLoader
            from torchvision import datasets

            test_set = datasets.CIFAR10("data", train=False)
            trainer = pl.Trainer(max_epochs=20, callbacks=[ModelCheckpoint(monitor="val_acc", mode="max")])
            trainer.fit(module, DataLoader(train_set), DataLoader(test_set))
            """,
            expect=["8:1"],
            title="Lightning: the checkpoint is chosen on the test loader",
        ),
        Invalid(
            """
            import torch
            from torch.utils.data import DataLoader
            from torchvision import datasets, transforms

            test_loader = DataLoader(datasets.CIFAR10("data", train=False, transform=transforms.ToTensor()))
            best_loss = float("inf")
            for epoch in range(20):
                model.train()
                for x, y in train_loader:
                    optimizer.zero_grad()
                    criterion(model(x), y).backward()
                    optimizer.step()
                model.eval()
                test_loss = 0.0
                with torch.no_grad():
                    for x, y in test_loader:
                        test_loss += criterion(model(x), y).item()
                test_loss /= len(test_loader)
                if test_loss < best_loss:
                    best_loss = test_loss
                    torch.save(model.state_dict(), "best.pt")
            """,
            expect=["19:8"],
            title="PyTorch: an inline test loop inside the epoch loop decides which weights are saved",
        ),
        Invalid(
            """
            import torch
            from torchvision import datasets, transforms

            testset = datasets.CIFAR100("data", train=False, transform=transforms.ToTensor())
            testloader = torch.utils.data.DataLoader(testset, batch_size=256)
            best_accuracy = 0.0

            def check(epoch):
                net.eval()
                hits = seen = 0
                with torch.no_grad():
                    for step, (images, labels) in enumerate(testloader):
                        logits = net(images)
                        hits += logits.argmax(dim=1).eq(labels).sum().item()
                        seen += labels.size(0)
                accuracy = 100.0 * hits / seen
                global best_accuracy
                if accuracy > best_accuracy:
                    torch.save({"net": net.state_dict(), "acc": accuracy, "epoch": epoch}, "ckpt.pth")
                    best_accuracy = accuracy
            """,
            expect=["18:8"],
            title="the CIFAR template: batches numbered with `enumerate`, the best test accuracy saved",
        ),
        Invalid(
            files={
                "data.py": '''
                    from torch.utils.data import DataLoader
                    from torchvision import datasets

                    def loaders(root):
                        train_set = datasets.ImageFolder(f"{root}/train")
                        test_set = datasets.ImageFolder(f"{root}/test")
                        return DataLoader(train_set, shuffle=True), DataLoader(test_set)
                    ''',
                "train.py": '''
                    import torch
                    from data import loaders

                    train_loader, test_loader = loaders("data")
                    best = 0.0
                    for epoch in range(10):
                        acc = evaluate(model, test_loader)
                        if acc > best:
                            best = acc
                            torch.save(model.state_dict(), "best.pt")
                    ''',
            },
            expect=["train.py:8:8"],
            title="two files: the checkpoint is saved by the test loader's accuracy",
        ),
    ]


def _is_test(rows: Optional[Rows]) -> bool:
    return rows is not None and rows.splits == {TEST}


def _orders(compare: ast.Compare) -> bool:
    """`acc > best`, `loss <= best_loss`: a comparison that can keep the best (not `is None`, `==`)."""
    return any(isinstance(op, (ast.Gt, ast.GtE, ast.Lt, ast.LtE)) for op in compare.ops)


def _true(node: Optional[ast.AST]) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _scope_of(model, node: ast.AST) -> ast.AST:
    parent = model.parent(node)
    while parent is not None and not isinstance(parent, _SCOPES):
        parent = model.parent(parent)
    return parent if parent is not None else model.tree


def _mentions(node: ast.AST, names: Set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _keeps(model, body: List[ast.stmt], test: ast.AST) -> Optional[str]:
    """What a branch keeps: a checkpoint (saved or copied weights) or a best value.
    Writing one element of a container (`final[i] = 1` in a per-sample vote) keeps
    nothing, unless the comparison reads that container (`best[k] = score`)."""
    compared = {model.source.segment(node) for node in ast.walk(test) if isinstance(node, (ast.Name, ast.Attribute))}
    assigns = False
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                qualname = model.qualified_name(node.func)
                if qualname in _KEEPING_CALLS or (isinstance(node.func, ast.Attribute) and node.func.attr in _KEEPING_METHODS):
                    return "The checkpoint"
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                assigns = assigns or any(_keeps_value(model, target, compared) for target in targets)
    return "The best model (its epoch or hyperparameters)" if assigns else None


def _keeps_value(model, target: ast.AST, compared: Set[str]) -> bool:
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_keeps_value(model, element, compared) for element in target.elts)
    if isinstance(target, ast.Subscript):
        return model.source.segment(target.value) in compared
    return True


def _text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 50 else text[:47] + "..."
