"""The data-provenance layer asked directly: which rows data holds, and where that was decided."""
import ast

from dllint.semantic.provenance import ALL, split_in_text
from dllint.semantic.values import TEST, TRAIN, VALIDATION
from tests.semantic_project import modules


def project(**files):
    return modules(files, strip_leading_newline=True)


def rows_at(model, name, line=None):
    """The rows of the last use of `name` (on `line`, if given)."""
    uses = [n for n in ast.walk(model.tree) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
            and (line is None or n.lineno == line)]
    uses.sort(key=lambda n: (n.lineno, n.col_offset))
    return model.provenance.rows_of(uses[-1])


def splits(model, name, line=None):
    rows = rows_at(model, name, line)
    return set(rows.splits) if rows is not None else None


def test_train_test_split_outputs_by_position():
    m = project(train="""
        import pandas as pd
        from sklearn.model_selection import train_test_split
        df = pd.read_csv("data.csv")
        y = df.pop("label")
        a, b, c, d = train_test_split(df, y, test_size=0.2)
        print(a, b, c, d, df)
        """)["train"]
    assert splits(m, "a") == {TRAIN} and splits(m, "b") == {TEST}
    assert splits(m, "c") == {TRAIN} and splits(m, "d") == {TEST}
    assert splits(m, "df") == {ALL}
    assert not rows_at(m, "b").by_name
    assert "train_test_split" in rows_at(m, "b").evidence
    # the pool of the test part is the loaded frame, and it is split
    assert m.provenance.split_point(rows_at(m, "df").pool) is not None
    assert m.provenance.is_split_later(next(n for n in ast.walk(m.tree) if isinstance(n, ast.Name) and n.id == "df" and n.lineno == 6))


def test_each_pool_has_its_own_split_point_from_the_first_question():
    m = project(train="""
        from sklearn.datasets import load_iris, make_friedman1
        from sklearn.model_selection import train_test_split
        X_f, y_f = make_friedman1(n_samples=100)
        X_train, X_test, y_train, y_test = train_test_split(X_f, y_f)
        iris = load_iris()
        I_train, I_test, j_train, j_test = train_test_split(iris.data, iris.target)
        print(X_f)
        """)["train"]
    # the first question builds the table of split points; it must not answer with the last pool's split
    assert m.provenance.split_point(rows_at(m, "X_f").pool).node.lineno == 4
    assert m.provenance.split_point(rows_at(m, "iris", 6).pool).node.lineno == 6


def test_a_saved_display_of_the_parts_unpacked_by_position():
    m = project(train="""
        from sklearn.model_selection import train_test_split
        a, b = train_test_split(X, test_size=0.2)
        kept = [a.copy(), b.copy()]
        first, second = kept
        starred = [*kept]
        p, q = starred
        print(first, second, p)
        """)["train"]
    assert splits(m, "first") == {TRAIN}
    assert splits(m, "second") == {TEST}
    # a starred element hides the positions: the union, as before
    assert splits(m, "p") == {TRAIN, TEST}


def test_a_slice_of_a_published_split_as_the_only_data_is_the_whole_data_set():
    alone = project(train="""
        from datasets import load_dataset
        sample = load_dataset("glue", "sst2", split="validation[:200]")
        print(sample)
        """)["train"]
    assert splits(alone, "sample") == {ALL}
    # next to another load it is a held-out slice again; an unsliced split always is
    both = project(train="""
        from datasets import load_dataset
        sample = load_dataset("glue", "sst2", split="validation[:200]")
        whole = load_dataset("glue", "sst2", split="validation")
        print(sample, whole)
        """)["train"]
    assert splits(both, "sample") == {VALIDATION} and splits(both, "whole") == {VALIDATION}


def test_a_second_split_of_the_training_part_gives_validation():
    m = project(train="""
        from sklearn.model_selection import train_test_split
        X_tmp, X_hold, y_tmp, y_hold = train_test_split(X, y)
        X_fit, X_check, y_fit, y_check = train_test_split(X_tmp, y_tmp)
        print(X_hold, X_check, X_fit)
        """)["train"]
    assert splits(m, "X_hold") == {TEST}
    assert splits(m, "X_check") == {VALIDATION}
    assert splits(m, "X_fit") == {TRAIN}


def test_random_split_keras_load_data_and_loader_arguments():
    m = project(train="""
        from torch.utils.data import DataLoader, random_split
        from torchvision import datasets
        from tensorflow import keras
        full = datasets.MNIST("data", train=True)
        tr, va, te = random_split(full, [50000, 5000, 5000])
        loader = DataLoader(va, batch_size=64)
        (x1, y1), (x2, y2) = keras.datasets.mnist.load_data()
        held = datasets.MNIST("data", train=False)
        folder = datasets.ImageFolder(f"{root}/val")
        print(tr, loader, te, x1, x2, held, folder)
        """)["train"]
    assert splits(m, "tr") == {TRAIN} and splits(m, "loader") == {VALIDATION} and splits(m, "te") == {TEST}
    assert splits(m, "x1") == {TRAIN} and splits(m, "x2") == {TEST}
    assert splits(m, "held") == {TEST} and splits(m, "folder") == {VALIDATION}


def test_slices_and_index_arrays_are_parts_named_by_what_they_are_bound_to():
    m = project(train="""
        import numpy as np
        x = np.load("x.npy")
        order = np.random.permutation(len(x))
        val_idx, train_idx = order[:500], order[500:]
        x_a, x_b = x[train_idx], x[val_idx]
        head = x[:100]
        print(x_a, x_b, head)
        """)["train"]
    assert splits(m, "x_a") == {TRAIN} and splits(m, "x_b") == {VALIDATION}
    assert not rows_at(m, "x_b").by_name
    assert splits(m, "head") == set()  # an unnamed part: neither all nor a known split


def test_concatenation_is_the_union_of_its_parts():
    m = project(train="""
        import numpy as np
        import torch
        from torch.utils.data import ConcatDataset
        from sklearn.model_selection import train_test_split
        X_train, X_val, y_train, y_val = train_test_split(X, y)
        both = np.concatenate([X_train, X_val])
        stacked = torch.cat((X_train, X_val))
        joined = ConcatDataset([X_train, X_val])
        added = list(X_train) + list(X_val)
        pair = (X_val, y_val)
        print(both, stacked, joined, added, pair)
        """)["train"]
    for name in ("both", "stacked", "joined", "added"):
        rows = rows_at(m, name)
        assert set(rows.splits) == {TRAIN, VALIDATION}, name
        assert [set(part.splits) for part in rows.held_out_parts()] == [{VALIDATION}]
    assert splits(m, "pair") == {VALIDATION}


def test_wrappers_and_methods_pass_rows_through():
    m = project(train="""
        import torch
        import tensorflow as tf
        from torch.utils.data import DataLoader, TensorDataset
        from sklearn.model_selection import train_test_split
        X_train, X_test, y_train, y_test = train_test_split(X, y)
        loader = DataLoader(TensorDataset(torch.from_numpy(X_test), torch.from_numpy(y_test)), batch_size=8)
        ds = tf.data.Dataset.from_tensor_slices((X_test, y_test)).shuffle(100).batch(32)
        scaled = scaler.transform(X_test)
        preds = model.predict(X_test)
        mean = X_test.mean(axis=0)
        for xb, yb in loader:
            print(xb)
        print(ds, scaled, preds, mean)
        """)["train"]
    assert splits(m, "loader") == {TEST} and splits(m, "ds") == {TEST} and splits(m, "xb") == {TEST}
    assert splits(m, "scaled") == {TEST}
    # model outputs and statistics hold no rows
    assert rows_at(m, "preds") is None and rows_at(m, "mean") is None


def test_project_dataset_classes_hold_what_they_are_given():
    m = project(train="""
        from torch.utils.data import Dataset, DataLoader
        from sklearn.model_selection import train_test_split

        class Tabular(Dataset):
            def __init__(self, x, y):
                self.x, self.y = x, y
            def __getitem__(self, i):
                return self.x[i], self.y[i]

        X_train, X_test, y_train, y_test = train_test_split(X, y)
        loader = DataLoader(Tabular(X_test, y_test))
        print(loader)
        """)["train"]
    assert splits(m, "loader") == {TEST}


def test_parameters_take_the_union_of_every_caller_and_returns_carry_rows():
    m = project(train="""
        from sklearn.model_selection import train_test_split

        def make(X, y):
            a, b, c, d = train_test_split(X, y)
            return a, b

        def show(data):
            print(data)

        first, second = make(X, y)
        show(first)
        show(second)
        """)["train"]
    assert splits(m, "first") == {TRAIN} and splits(m, "second") == {TEST}
    assert splits(m, "data") == {TRAIN, TEST}


def test_names_are_the_weakest_evidence():
    m = project(train="""
        import pandas as pd
        X_test = load_whatever()
        X_holdout = pd.read_csv(path)
        print(X_test, X_holdout)
        """)["train"]
    assert splits(m, "X_test") == {TEST} and rows_at(m, "X_test").by_name
    assert splits(m, "X_holdout") == {VALIDATION} and rows_at(m, "X_holdout").by_name


def test_string_keys_of_split_dictionaries():
    m = project(train="""
        from datasets import load_dataset
        raw = load_dataset("imdb")
        test_part = raw["test"]
        parts = raw["train"].train_test_split(test_size=0.1)
        val = parts["test"]
        print(test_part, val)
        """)["train"]
    assert splits(m, "test_part") == {TEST}
    assert splits(m, "val") == {TEST} or splits(m, "val") == {VALIDATION}


def test_cross_validation_folds_are_disjoint_parts():
    m = project(train="""
        from sklearn.model_selection import KFold
        from torch.utils.data import Subset
        kf = KFold(5)
        for fold, (a, b) in enumerate(kf.split(X)):
            fit_part = Subset(dataset, a)
            check_part = Subset(dataset, b)
            print(fit_part, check_part)
        """)["train"]
    assert splits(m, "fit_part") == {TRAIN} and splits(m, "check_part") == {VALIDATION}


def test_rows_cross_files():
    models = project(
        data="""
            from torch.utils.data import DataLoader, random_split
            def loaders(dataset):
                a, b = random_split(dataset, [0.9, 0.1])
                return DataLoader(a), DataLoader(b)
            """,
        train="""
            from data import loaders
            first, second = loaders(full)
            print(first, second)
            """,
    )
    train = models["train"]
    assert splits(train, "first") == {TRAIN} and splits(train, "second") == {VALIDATION}
    assert rows_at(train, "second").module == "data"


def test_split_words_in_paths():
    assert split_in_text("data/val/") == VALIDATION
    assert split_in_text("test.csv") == TEST
    assert split_in_text("images/train") == TRAIN
    assert split_in_text("contest_results.csv") is None
