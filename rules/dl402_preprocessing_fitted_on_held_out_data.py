import ast
from typing import Optional

from dllint.lazy_pattern import LazyPattern
from dllint.rule import Invalid, Rule, Valid
from dllint.semantic.data_sinks import CROSS_VALIDATION, EVALUATION, FIT_TRANSFORM, MONITORING, PREDICTION, TRAINING, DataSink
from dllint.semantic.places import Place
from dllint.semantic.provenance import ALL, overlaps, split_label
from dllint.semantic.values import TRAIN


_SCALED_APART = "scaled with their own statistics instead of the training ones"
_ENCODED_APART = "encoded with their own category list instead of the training one (a code or column can stand for another category than in training)"


class PreprocessingFittedOnHeldOutData(Rule):
    """
    ## What it does
    Finds preprocessing that learns its statistics from rows that include
    held-out rows: a scikit-learn scaler, `PCA` / `TruncatedSVD`, imputer,
    feature encoder, `TfidfVectorizer` / `CountVectorizer`, feature selector,
    `ColumnTransformer` or a `Pipeline` of them, an over-sampler of
    imbalanced-learn (`SMOTE`, `RandomOverSampler`: its `fit_resample`
    adds copies of rows, or points made between them), Keras `Normalization.adapt`
    / `TextVectorization.adapt`, or `Tokenizer.fit_on_texts`, fitted on the
    data before it is split (also a whole `train.csv` before a validation
    split is cut from it, and data scaled before `cross_val_score` cuts it
    into folds), or on a concatenation that includes the test or
    validation rows; a mean / std / min / max computed over such rows that
    normalises the data; a mean or median over such rows that fills missing
    values (`df["age"].fillna(df["age"].median())`); and functions that do both at once (scipy's
    `zscore`, `sklearn.preprocessing.scale` / `minmax_scale`). Columns scaled
    in place (`df[cols] = scaler.fit_transform(df[cols])`) count as the
    table's data. A helper that fits on its parameter is reported at
    the call that passes it the full data. Fitting on the held-out part alone
    (`scaler.fit_transform(X_test)`) gets its own message.

    ## Why is this bad?
    The fitted statistics (means, variances, vocabulary, IDF weights,
    principal components, imputed medians) then encode the held-out rows, and
    the model is trained on features shaped by them: the evaluation is no
    longer on unseen data and its score is optimistic. Fitting a second time
    on the test part is a different mistake: the test rows are scaled with
    their own statistics instead of the training ones, so the model sees
    inputs on another scale than it was trained on (and a single test sample
    could not be scaled at all).

    ## Known limits
    Rows are followed as DL401 follows them (see the provenance layer). A fit
    on the full data is reported only when that data is split later by a
    split call (`train_test_split`, `random_split`) or cut into
    cross-validation folds (`KFold(...).split(X)`, or given as `X` to
    `cross_val_score` and its siblings) and the fitted output or
    transformer reaches training data in the same file; a split by hand-made
    slices, or preprocessing used only for plots, is not reported. A file
    named for training (`train.csv`) counts as all rows when a validation
    split is cut from it later; the training part of a data set split by its
    publisher (`load_data()`, `train=True`) does not (a mean and std of
    Keras' training part before a K-fold loop over it is the textbook's own
    recipe, and its leak into each fold is small). Pipelines
    given to cross-validation refit their steps per fold and are fine, and
    label encoders of the target are not feature preprocessing. An encoder
    that learns only each column's categories (`OneHotEncoder`,
    `OrdinalEncoder`, `DictVectorizer`, a `CountVectorizer` vocabulary, or a
    `ColumnTransformer` of them and passed-through columns) may be fitted
    before the split: it learns no statistic of the held-out rows, at most a
    category the training rows lack. With `min_frequency` or `max_categories`
    (`min_df`, `max_df` or `max_features` for a vectorizer) it counts rows,
    and is reported; fitted again on the held-out part alone, it is reported
    too. A transformer that works on each row alone (`PolynomialFeatures`,
    `Normalizer`, `Binarizer`) learns nothing from the rows and is never
    reported.
    A statistic of one row's values inside a `for ... in frame.iterrows()`
    loop (a per-image mean) is per sample: nothing is fitted.
    """

    code = "DL402"
    name = "preprocessing-fitted-on-held-out-data"
    message = "{sink} is fitted on {what}, so the training features already encode the held-out rows and every score on them is optimistic; fit it on the training split only and apply it with `transform` to the other splits"
    message_resampled = "{sink} resamples {what}, so the training part gets copies of held-out rows (or points made from them) and every score on the held-out rows is optimistic; split first and resample the training split only"
    message_own = "{sink} is fitted on {what} alone, so the held-out rows are {how}; fit on the training split and only `transform` the {split} split"
    triggers = LazyPattern(r"fit|adapt|mean|std|min|max")

    def finish(self) -> None:
        sinks = self.semantic.data_sinks
        provenance = self.semantic.provenance
        reported = set()
        for sink in sinks.of_role(FIT_TRANSFORM):
            rows = sink.rows
            if rows is None or id(sink.node) in reported or sink.learns_nothing_from_rows:
                continue
            data = f"`{_text(sink.data)}`"
            held = rows.held_out_parts()
            alone = not (TRAIN in rows.splits or ALL in rows.splits)
            if sink.learns_categories_only and not alone:
                continue  # a category list learned from every row encodes no statistic of the held-out ones
            if held and self._feeds_model(sink, alone=alone):
                splits = set().union(*(part.splits for part in held))
                evidence = "; ".join(dict.fromkeys(part.evidence for part in held))
                labels = " and ".join(split_label(split) for split in sorted(splits))
                if TRAIN in rows.splits or ALL in rows.splits:
                    what = f"{data}, training rows together with {labels} rows ({evidence})"
                    self.report(sink.node, sink=_capital(sink.description), what=what)
                else:
                    what = f"{data}, the {labels} rows ({evidence})"
                    how = _ENCODED_APART if sink.learns_categories_only else _SCALED_APART
                    self.report(sink.node, self.message_own, sink=_capital(sink.description), what=what, split=labels, how=how)
                reported.add(id(sink.node))
                continue
            if held or not (rows.splits == {ALL} or rows.read_as_training):
                continue
            every = "all rows" if rows.splits == {ALL} else "every training row"
            point = provenance.split_point_of(rows, after=Place(sink.node, self.semantic))
            if point is not None and self._feeds_training(sink):
                what = f"{data}, {every} ({rows.evidence}) before they are split into training and held-out parts on {point.text_from(self.semantic)}"
            else:
                folds = self._cross_validation(sink)
                if folds is None:
                    continue
                cut = folds.rows
                if cut is not None and not overlaps(cut, rows):
                    continue  # fitted on a sample the cross-validated rows leave out (`df.drop(sample.index)`)
                what = f"{data}, {every} ({rows.evidence}) before {folds.description} cuts them into training and held-out folds"
            self.report(sink.node, self.message_resampled if sink.resamples else self.message, sink=_capital(sink.description), what=what)
            reported.add(id(sink.node))

    def _cross_validation(self, sink: DataSink) -> Optional[DataSink]:
        """The cross-validation (`cross_val_score(model, X, y)`) the fitted
        output reaches as its data, or None."""
        return self.semantic.data_sinks.first_fed(self.semantic.data_sinks.fitted_outputs(sink), CROSS_VALIDATION)

    def _feeds_training(self, sink: DataSink) -> bool:
        return self._feeds_model(sink, alone=False, parts_only=True)

    def _feeds_model(self, sink: DataSink, alone: bool, parts_only: bool = False) -> bool:
        """The fitted output (or the fitted transformer) reaches training data; for
        a fit on held-out rows alone, also data that is evaluated or predicted."""
        roles = (TRAINING, MONITORING, EVALUATION, PREDICTION) if alone else (TRAINING,)
        sinks = self.semantic.data_sinks
        if sink.inner is None and sink.model is not None and isinstance(sink.node, ast.Call) and isinstance(sink.node.func, ast.Attribute) \
                and sink.node.func.attr in ("adapt", "fit_on_texts", "fit_on_sequences"):
            return True  # the layer or tokenizer is part of the model's input path
        return sinks.feeds(sinks.fitted_outputs(sink), *roles, parts_only=parts_only)

    VALID = [
        Valid(
            """
            import pandas as pd
            from imblearn.over_sampling import SMOTE
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split

            claims = pd.read_csv("claims.csv")
            X_train, X_test, y_train, y_test = train_test_split(claims.drop(columns="fraud"), claims["fraud"], stratify=claims["fraud"])
            X_train, y_train = SMOTE().fit_resample(X_train, y_train)
            model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
            print(model.score(X_test, y_test))
            """,
            title="over-sampling the training split only, after the split",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.ensemble import RandomForestRegressor
            from sklearn.preprocessing import StandardScaler

            train = pd.read_csv("data/train.csv")
            test = pd.read_csv("data/test.csv")
            scaler = StandardScaler().fit(train[["area", "rooms"]])
            model = RandomForestRegressor().fit(scaler.transform(train[["area", "rooms"]]), train["price"])
            pd.DataFrame({"price": model.predict(scaler.transform(test[["area", "rooms"]]))}).to_csv("submission.csv")
            """,
            title="a scaler fitted on the whole training file and applied to the test file: nothing held out is cut from the training rows",
        ),
        Valid(
            """
            import numpy as np
            import pandas as pd
            from tensorflow import keras


            def radar_images(frame):
                images = []
                for _, row in frame.iterrows():
                    band = np.array(row["band_1"], dtype="float32").reshape(75, 75)
                    images.append((band - band.mean()) / (band.max() - band.min()))
                return np.stack(images)[..., np.newaxis]


            train = pd.read_json("train.json")
            test = pd.read_json("test.json")
            model = keras.Sequential([keras.layers.Conv2D(16, 3, activation="relu"), keras.layers.Flatten(),
                                      keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(radar_images(train), train["is_iceberg"], epochs=10)
            submission = model.predict(radar_images(test))
            """,
            title="each image normalised by its own pixels, row by row: no statistic crosses rows",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.compose import ColumnTransformer
            from sklearn.ensemble import GradientBoostingRegressor
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import OneHotEncoder


            def load_features(path):
                rentals = pd.read_csv(path)
                columns = ColumnTransformer([("district", OneHotEncoder(handle_unknown="ignore"), ["district", "type"])],
                                            remainder="passthrough")
                return columns.fit_transform(rentals.drop(columns="rent")), rentals["rent"]


            X, y = load_features("rentals.csv")
            X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
            model = GradientBoostingRegressor().fit(X_train, y_train)
            print(model.score(X_test, y_test))
            """,
            title="one-hot columns encoded before the split: the encoder learns the category list, no statistic of the rows",
        ),
        Valid(
            """
            import numpy as np
            import matplotlib.pyplot as plt
            from sklearn.manifold import TSNE
            from sklearn.model_selection import train_test_split

            X = np.load("embeddings.npy")
            X_train, X_valid = train_test_split(X)
            Z = TSNE().fit_transform(X_valid)
            Z = (Z - Z.min()) / (Z.max() - Z.min())
            for index, position in enumerate(Z):
                plt.annotate(str(index), position)
            plt.show()
            """,
            title="min-max scaling a 2-D embedding of the validation rows, only to place labels on a plot",
        ),
        Valid(
            """
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler
            from sklearn.linear_model import LogisticRegression

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            scaler = StandardScaler()
            X_train = scaler.fit_transform(X_train)
            X_test = scaler.transform(X_test)
            clf = LogisticRegression().fit(X_train, y_train)
            print(clf.score(X_test, y_test))
            """,
            title="fitted on the training split, the test split only transformed",
        ),
        Valid(
            """
            from sklearn.model_selection import GridSearchCV, cross_val_score
            from sklearn.pipeline import Pipeline
            from sklearn.preprocessing import LabelEncoder, StandardScaler
            from sklearn.feature_selection import SelectKBest
            from sklearn.svm import SVC

            y = LabelEncoder().fit_transform(labels)
            pipe = Pipeline([("scale", StandardScaler()), ("select", SelectKBest()), ("svm", SVC())])
            print(cross_val_score(GridSearchCV(pipe, {"svm__C": [1, 10]}), X, y, cv=5))
            """,
            title="a Pipeline that is cross-validated; a label encoder of the target",
        ),
        Valid(
            """
            from sklearn.decomposition import PCA
            from sklearn.model_selection import train_test_split
            from sklearn.svm import SVC
            import matplotlib.pyplot as plt

            X_2d = PCA(n_components=2).fit_transform(X)
            plt.scatter(X_2d[:, 0], X_2d[:, 1], c=y)
            X_train, X_test, y_train, y_test = train_test_split(X, y)
            print(SVC().fit(X_train, y_train).score(X_test, y_test))
            """,
            title="a projection of all rows for a plot, not for the model",
        ),
        Valid(
            """
            import numpy as np
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
            mean, std = x_train.mean(axis=0), x_train.std(axis=0)
            x_train = (x_train - mean) / std
            x_test = (x_test - mean) / std
            model = keras.Sequential([keras.layers.Dense(1)])
            model.fit(x_train, y_train)
            """,
            title="Keras: statistics of the training rows normalise both splits",
        ),
        Valid(
            """
            from tensorflow import keras

            (x_train, y_train), (x_test, y_test) = keras.datasets.imdb.load_data()
            vectorize = keras.layers.TextVectorization(max_tokens=20000)
            vectorize.adapt(x_train)
            model = keras.Sequential([vectorize, keras.layers.Embedding(20000, 16), keras.layers.Dense(1)])
            model.fit(x_train, y_train, validation_data=(x_test, y_test))
            """,
            title="Keras: `adapt` on the training texts",
        ),
        Valid(
            """
            import numpy as np
            import torch
            from sklearn.model_selection import train_test_split

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            x_min, x_max = X_test[:, 0].min() - 1, X_test[:, 0].max() + 1
            grid = np.meshgrid(np.linspace(x_min, x_max, 100), np.linspace(x_min, x_max, 100))
            logits = X_test @ weights
            exps = np.exp(logits)
            probabilities = exps / exps.sum(axis=1, keepdims=True)
            accuracy = (torch.tensor(probabilities).argmax(1) == torch.tensor(y_test)).float().sum() / len(y_test)
            """,
            title="a plot's range, a softmax over each row, an accuracy: statistics that normalise no features",
        ),
        Valid(
            """
            from sklearn.manifold import TSNE
            from sklearn.model_selection import train_test_split

            X_train, X_valid, y_train, y_valid = train_test_split(X, y)
            Z = TSNE(init="pca").fit_transform(X_valid)
            Z = (Z - Z.min()) / (Z.max() - Z.min())
            plt.scatter(Z[:, 0], Z[:, 1], c=y_valid)
            """,
            title="validation rows projected and scaled for a plot, not for a model",
        ),
        Valid(
            """
            from preamble import *
            from sklearn.linear_model import LinearRegression
            from sklearn.preprocessing import PolynomialFeatures

            X, y = mglearn.datasets.make_wave(n_samples=120)
            poly = PolynomialFeatures(degree=10).fit(X)
            LinearRegression().fit(poly.transform(X), y)

            def eval_on_features(features, target, regressor):
                X_train, X_test = features[:184], features[184:]
                regressor.fit(X_train, target[:184])
                print(regressor.score(X_test, target[184:]))
            """,
            title="names from a star import (`mglearn`) are modules, not one data set",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.linear_model import LinearRegression
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            df = pd.read_csv("housing.csv")
            X = df[["rooms"]].values
            X_std = StandardScaler().fit_transform(X)
            LinearRegression().fit(X_std, df["price"].values)

            X = df.drop(columns="price").values
            X_train, X_test, y_train, y_test = train_test_split(X, df["price"].values)
            print(LinearRegression().fit(X_train, y_train).score(X_test, y_test))
            """,
            title="a scaled copy of the full data fits an illustration; the split data is never scaled",
        ),
        Valid(
            files={
                "features.py": '''
                    from sklearn.preprocessing import StandardScaler

                    def scale(train_rows, other_rows):
                        scaler = StandardScaler().fit(train_rows)
                        return scaler.transform(train_rows), scaler.transform(other_rows)
                    ''',
                "train.py": '''
                    from sklearn.model_selection import train_test_split
                    from sklearn.svm import SVC
                    from features import scale

                    X_train, X_test, y_train, y_test = train_test_split(X, y)
                    X_train_s, X_test_s = scale(X_train, X_test)
                    SVC().fit(X_train_s, y_train)
                    ''',
            },
            title="two files: a helper fits on the training rows it is given",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.impute import SimpleImputer
            from sklearn.linear_model import LinearRegression
            from sklearn.model_selection import train_test_split

            def prepared_splits(frame):
                features = frame.drop(columns="yield")
                X_train, X_test, y_train, y_test = train_test_split(features, frame["yield"], test_size=0.2)
                filler = SimpleImputer(strategy="median")
                X_train = filler.fit_transform(X_train)
                X_test = filler.transform(X_test)
                return X_train, X_test, y_train, y_test

            farms = pd.read_csv("farms.csv")
            X_train, X_test, y_train, y_test = prepared_splits(farms)
            print(LinearRegression().fit(X_train, y_train).score(X_test, y_test))
            """,
            title="a helper given all rows splits them itself and fits on its training part",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.feature_extraction.text import CountVectorizer
            from sklearn.linear_model import Ridge
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import PolynomialFeatures

            rooms = pd.read_csv("rooms.csv")
            facilities = CountVectorizer(tokenizer=lambda text: text.split("|")).fit_transform(rooms["facilities"])
            size_terms = PolynomialFeatures(degree=2).fit_transform(rooms[["area", "floors"]])
            X_train, X_test, y_train, y_test = train_test_split(facilities, rooms["rate"])
            S_train, S_test, r_train, r_test = train_test_split(size_terms, rooms["rate"])
            print(Ridge().fit(X_train, y_train).score(X_test, y_test), Ridge().fit(S_train, r_train).score(S_test, r_test))
            """,
            title="a vocabulary of facility tags and polynomial terms, made before the split: no statistic of the rows is learned",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.linear_model import Ridge
            from sklearn.model_selection import train_test_split

            cars = pd.read_csv("cars.csv")
            X_train, X_test, y_train, y_test = train_test_split(cars.drop(columns="mpg"), cars["mpg"])
            typical = X_train.median()
            X_train = X_train.fillna(typical)
            X_test = X_test.fillna(typical)
            print(Ridge().fit(X_train, y_train).score(X_test, y_test))
            """,
            title="missing values of both splits filled with the training rows' medians",
        ),
        Valid(
            """
            import pandas as pd
            from category_encoders import TargetEncoder
            from sklearn.linear_model import Ridge
            from sklearn.model_selection import cross_val_score

            homes = pd.read_csv("homes.csv")
            encoding_rows = homes.sample(frac=0.25, random_state=1)
            encoding_price = encoding_rows.pop("price")
            modelling_rows = homes.drop(encoding_rows.index)
            modelling_price = modelling_rows.pop("price")
            encoder = TargetEncoder(cols=["district"]).fit(encoding_rows, encoding_price)
            print(cross_val_score(Ridge(), encoder.transform(modelling_rows), modelling_price, cv=5))
            """,
            title="a target encoder fitted on a random sample that the cross-validated rows leave out",
        ),
        Valid(
            """
            import pandas as pd
            from sklearn.model_selection import KFold, cross_val_score
            from sklearn.preprocessing import TargetEncoder
            from sklearn.linear_model import Ridge

            class OutOfFoldEncoding:
                def __init__(self):
                    self.folds = KFold(n_splits=4)

                def encode(self, frame, target):
                    pieces = []
                    for fit_idx, apply_idx in self.folds.split(frame):
                        encoder = TargetEncoder().fit(frame.iloc[fit_idx], target.iloc[fit_idx])
                        pieces.append(pd.DataFrame(encoder.transform(frame.iloc[apply_idx]), index=frame.index[apply_idx]))
                    return pd.concat(pieces)

            def with_encoding(homes):
                price = homes.pop("price")
                coder = OutOfFoldEncoding()
                return homes.join(coder.encode(homes[["district"]], price)), price

            homes = pd.read_csv("homes.csv")
            features, price = with_encoding(homes)
            print(cross_val_score(Ridge(), features, price, cv=4))
            """,
            title="out-of-fold encoding in a helper class: each encoder is fitted on a fold it cuts itself, not on the whole table it is given",
        ),
    ]

    INVALID = [
        Invalid(
            """
            import pandas as pd
            from imblearn.over_sampling import SMOTE
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.model_selection import train_test_split

            transactions = pd.read_csv("creditcard.csv")
            X, y = transactions.drop(columns="Class"), transactions["Class"]
            X_balanced, y_balanced = SMOTE(random_state=0).fit_resample(X, y)
            X_train, X_test, y_train, y_test = train_test_split(X_balanced, y_balanced, stratify=y_balanced)
            forest = RandomForestClassifier().fit(X_train, y_train)
            print(forest.score(X_test, y_test))
            """,
            expect=["8:26"],
            title="SMOTE before the split: synthetic training rows are made from test rows, and the test part holds synthetic rows",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            train = pd.read_csv("input/train.csv")
            X = StandardScaler().fit_transform(train.drop(columns="Survived"))
            X_tr, X_val, y_tr, y_val = train_test_split(X, train["Survived"], test_size=0.2)
            clf = LogisticRegression().fit(X_tr, y_tr)
            print("validation accuracy", clf.score(X_val, y_val))
            """,
            expect=["7:5"],
            title="the whole training file scaled, then a validation split cut from it: the validation rows are in the scaler's statistics",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.model_selection import cross_val_score
            from sklearn.preprocessing import MinMaxScaler
            from sklearn.svm import SVC

            wine = pd.read_csv("wine.csv")
            scaler = MinMaxScaler()
            features = scaler.fit_transform(wine.drop(columns="quality"))
            scores = cross_val_score(SVC(), features, wine["quality"], cv=10)
            print(scores.mean())
            """,
            expect=["8:12"],
            title="scaled on every row, then scored by cross_val_score: each held-out fold is in the scaler's statistics",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.ensemble import RandomForestClassifier
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import OneHotEncoder

            visits = pd.read_csv("visits.csv")
            encoder = OneHotEncoder(min_frequency=50, handle_unknown="infrequent_if_exist")
            X = encoder.fit_transform(visits[["browser", "country"]])
            X_train, X_test, y_train, y_test = train_test_split(X, visits["converted"], test_size=0.25)
            clf = RandomForestClassifier().fit(X_train, y_train)
            print(clf.score(X_test, y_test))
            """,
            expect=["8:5"],
            title="a one-hot encoder that keeps frequent categories counts every row, the test rows too, before the split",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import OrdinalEncoder

            census = pd.read_csv("census.csv")
            X_train, X_test, y_train, y_test = train_test_split(census[["job", "degree"]], census["income"])
            X_train = OrdinalEncoder().fit_transform(X_train)
            X_test = OrdinalEncoder().fit_transform(X_test)
            clf = LogisticRegression(max_iter=500).fit(X_train, y_train)
            print(clf.score(X_test, y_test))
            """,
            expect=["9:10"],
            title="an ordinal encoder fitted again on the test rows gives their categories other codes than in training",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.model_selection import train_test_split
            from sklearn.neighbors import KNeighborsClassifier
            from sklearn.preprocessing import StandardScaler

            df = pd.read_csv("wine.csv")
            y = df.pop("quality")
            X = StandardScaler().fit_transform(df.values)
            X_train, X_test, y_train, y_test = train_test_split(X, y)
            knn = KNeighborsClassifier().fit(X_train, y_train)
            print(knn.score(X_test, y_test))
            """,
            expect=["8:5"],
            title="a scaler fitted before the split",
        ),
        Invalid(
            """
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import MinMaxScaler
            from sklearn.neural_network import MLPRegressor

            X_train, X_test, y_train, y_test = train_test_split(X, y)
            scaler = MinMaxScaler()
            X_train = scaler.fit_transform(X_train)
            X_test = scaler.fit_transform(X_test)
            MLPRegressor().fit(X_train, y_train)
            """,
            expect=["8:10"],
            title="refitted on the test split (its own statistics)",
        ),
        Invalid(
            """
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.naive_bayes import ComplementNB

            train_texts, train_labels = read_split("train.csv")
            test_texts, test_labels = read_split("test.csv")
            vectorizer = TfidfVectorizer()
            vectorizer.fit(train_texts + test_texts)
            clf = ComplementNB().fit(vectorizer.transform(train_texts), train_labels)
            """,
            expect=["7:1"],
            title="a vectorizer fitted on training and test texts together",
        ),
        Invalid(
            """
            import numpy as np
            from sklearn.model_selection import train_test_split
            from sklearn.linear_model import Ridge

            X = np.load("features.npy")
            X = (X - X.mean(axis=0)) / X.std(axis=0)
            X_train, X_test, y_train, y_test = train_test_split(X, y)
            Ridge().fit(X_train, y_train)
            """,
            expect=["6:10", "6:28"],
            title="mean and std of all rows normalise the data before the split",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.linear_model import Ridge
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            houses = pd.read_csv("houses.csv")
            numeric = ["area", "rooms", "age"]
            houses[numeric] = StandardScaler().fit_transform(houses[numeric])
            X_train, X_test, y_train, y_test = train_test_split(houses.drop(columns="price"), houses["price"])
            Ridge().fit(X_train, y_train)
            """,
            expect=["8:19"],
            title="columns of the table scaled in place before the split",
        ),
        Invalid(
            """
            import pandas as pd
            from scipy.stats import zscore
            from sklearn.model_selection import train_test_split
            from sklearn.svm import SVR

            sensors = pd.read_csv("sensors.csv")
            for column in ["temperature", "pressure"]:
                sensors[column] = zscore(sensors[column])
            X = sensors[["temperature", "pressure"]].values
            X_train, X_test, y_train, y_test = train_test_split(X, sensors["load"].values, test_size=0.2)
            print(SVR().fit(X_train, y_train).score(X_test, y_test))
            """,
            expect=["8:23"],
            title="scipy's `zscore` of each column, over all rows, before the split",
        ),
        Invalid(
            """
            from tensorflow import keras
            from sklearn.model_selection import train_test_split

            x_train, x_val, y_train, y_val = train_test_split(x, y)
            norm = keras.layers.Normalization()
            norm.adapt(x_val)
            model = keras.Sequential([norm, keras.layers.Dense(1)])
            model.fit(x_train, y_train, validation_data=(x_val, y_val))
            """,
            expect=["6:1"],
            title="Keras: `Normalization.adapt` on the validation rows",
        ),
        Invalid(
            """
            import torch
            from torch.utils.data import DataLoader, TensorDataset, random_split
            from sklearn.preprocessing import StandardScaler

            features = StandardScaler().fit_transform(raw_features)
            full = TensorDataset(torch.tensor(features), torch.tensor(labels))
            train_part, test_part = random_split(full, [0.8, 0.2])
            for x, y in DataLoader(train_part):
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
            """,
            expect=["5:12"],
            title="PyTorch: features scaled before `random_split`",
        ),
        Invalid(
            """
            import numpy as np
            from tensorflow.keras.preprocessing.text import Tokenizer
            from tensorflow.keras.preprocessing.sequence import pad_sequences

            texts = []
            for path in paths:
                texts.append(open(path).read())
            tokenizer = Tokenizer(num_words=10000)
            tokenizer.fit_on_texts(texts)
            data = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=100)
            x_train = data[:20000]
            x_val = data[20000:]
            model.fit(x_train, y_train, validation_data=(x_val, y_val))
            """,
            expect=["9:1"],
            title="Keras: the tokenizer's vocabulary comes from all texts, split by slicing afterwards",
        ),
        Invalid(
            """
            import pandas as pd
            import torch
            from torch.utils.data import DataLoader, Dataset, random_split

            class Tabular(Dataset):
                def __init__(self, frame):
                    values = torch.tensor(frame.drop(columns="label").values, dtype=torch.float32)
                    self.x = (values - values.mean(0)) / values.std(0)
                    self.y = torch.tensor(frame["label"].values)

                def __len__(self):
                    return len(self.y)

                def __getitem__(self, i):
                    return self.x[i], self.y[i]

            full = Tabular(pd.read_csv("data.csv"))
            train_part, test_part = random_split(full, [0.8, 0.2])
            for x, y in DataLoader(train_part, shuffle=True):
                optimizer.zero_grad()
                criterion(model(x), y).backward()
                optimizer.step()
            """,
            expect=["17:8"],
            title="PyTorch: a Dataset standardises all rows before `random_split`",
        ),
        Invalid(
            files={
                "prep.py": '''
                    from sklearn.impute import SimpleImputer

                    def impute(frame):
                        return SimpleImputer(strategy="median").fit_transform(frame)
                    ''',
                "train.py": '''
                    import pandas as pd
                    from sklearn.model_selection import train_test_split
                    from sklearn.neighbors import KNeighborsClassifier
                    from prep import impute

                    df = pd.read_csv("clinical.csv")
                    y = df.pop("outcome")
                    X = impute(df)
                    X_train, X_test, y_train, y_test = train_test_split(X, y)
                    KNeighborsClassifier().fit(X_train, y_train)
                    ''',
            },
            expect=["train.py:8:5"],
            title="two files: a helper imputes the full data before the split",
        ),
        Invalid(
            files={
                "series.py": '''
                    from sklearn.preprocessing import MinMaxScaler

                    def scaled_windows(readings, train_share=0.8):
                        scaler = MinMaxScaler()
                        scaled = scaler.fit_transform(readings)
                        cut = int(len(scaled) * train_share)
                        train = scaled[:cut]
                        test = scaled[cut:]
                        return train, test, scaler
                    ''',
                "forecast_load.py": '''
                    import pandas as pd
                    from keras.models import Sequential
                    from keras.layers import LSTM, Dense
                    from series import scaled_windows

                    load = pd.read_csv("grid_load.csv")[["megawatts"]].values
                    train, test, scaler = scaled_windows(load)
                    model = Sequential([LSTM(16), Dense(1)])
                    model.compile(optimizer="adam", loss="mse")
                    model.fit(train[:-1].reshape(-1, 1, 1), train[1:], epochs=20)
                    ''',
                "forecast_price.py": '''
                    import pandas as pd
                    from keras.models import Sequential
                    from keras.layers import LSTM, Dense
                    from series import scaled_windows

                    price = pd.read_csv("spot_price.csv")[["eur"]].values
                    train, test, scaler = scaled_windows(price, train_share=0.9)
                    model = Sequential([LSTM(16), Dense(1)])
                    model.compile(optimizer="adam", loss="mse")
                    model.fit(train[:-1].reshape(-1, 1, 1), train[1:], epochs=20)
                    ''',
            },
            expect=["forecast_load.py:7:23", "forecast_price.py:7:23"],
            title="three files: two scripts call a helper that scales a series, then slices it",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.feature_extraction.text import CountVectorizer
            from sklearn.model_selection import train_test_split
            from sklearn.naive_bayes import MultinomialNB

            reviews = pd.read_csv("reviews.csv")
            counts = CountVectorizer(min_df=5, stop_words="english").fit_transform(reviews["text"])
            X_train, X_test, y_train, y_test = train_test_split(counts, reviews["stars"])
            print(MultinomialNB().fit(X_train, y_train).score(X_test, y_test))
            """,
            expect=["7:10"],
            title="a vocabulary that keeps words seen in five reviews counts the test reviews too",
        ),
        Invalid(
            """
            import numpy as np
            import pandas as pd
            from sklearn.linear_model import Ridge
            from sklearn.model_selection import KFold
            from sklearn.preprocessing import StandardScaler

            plants = pd.read_csv("plants.csv")
            X = StandardScaler().fit_transform(plants.drop(columns="output").values)
            y = plants["output"].values
            for train, test in KFold(5, shuffle=True).split(X):
                model = Ridge().fit(X[train], y[train])
                print(model.score(X[test], y[test]))
            """,
            expect=["8:5"],
            title="scaled on every row, then cut into cross-validation folds: each test fold is already in the scaler's statistics",
        ),
        Invalid(
            """
            import pandas as pd
            from sklearn.linear_model import Lasso
            from sklearn.model_selection import train_test_split

            homes = pd.read_csv("homes.csv")
            homes["lot_size"] = homes["lot_size"].fillna(homes.lot_size.mean())
            X_train, X_test, y_train, y_test = train_test_split(homes.drop(columns="price"), homes["price"])
            print(Lasso().fit(X_train, y_train).score(X_test, y_test))
            """,
            expect=["6:46"],
            title="missing lot sizes filled with the mean of every row, the test rows included, before the split",
        ),
        Invalid(
            """
            import numpy as np
            from sklearn.linear_model import Ridge
            from sklearn.preprocessing import StandardScaler

            readings = np.loadtxt("sensor_log.csv", delimiter=",")
            features = StandardScaler().fit_transform(readings[:, 1:])
            cut = int(0.8 * len(features))
            Xtrain, Xtest = features[:cut], features[cut:]
            ytrain, ytest = readings[:cut, 0], readings[cut:, 0]
            model = Ridge().fit(Xtrain, ytrain)
            print(model.score(Xtest, ytest))
            """,
            expect=["6:12"],
            title="arrays named without an underscore (`Xtrain`, `Xtest`): the scaler saw the rows sliced off as the test part",
        ),
        Invalid(
            """
            import numpy as np
            import pandas as pd
            from sklearn.linear_model import LinearRegression
            from sklearn.preprocessing import MinMaxScaler

            def windows(series, width):
                inputs, targets = [], []
                for start in range(len(series) - width):
                    inputs.append(series[start:start + width, 0])
                    targets.append(series[start + width, 0])
                return np.array(inputs), np.array(targets)

            load = pd.read_csv("grid_load.csv")["megawatts"].values.reshape(-1, 1)
            load = MinMaxScaler().fit_transform(load)
            n = int(len(load) * 0.7)
            train, test = load[0:n, :], load[n:, :]
            X_train, y_train = windows(train, 24)
            X_test, y_test = windows(test, 24)
            model = LinearRegression().fit(X_train, y_train)
            print(model.score(X_test, y_test))
            """,
            expect=["14:8"],
            title="a series scaled as a whole, then cut into training and test rows with a 2-D slice (`load[0:n, :]`)",
        ),
    ]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1] != "`" else text


def _text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 50 else text[:47] + "..."
