"""Predict customer churn with gradient boosting, tuned by cross-validation.

Contains a bug dllint finds: the "final" model is refit on the training and
test rows together and then scored on the same test rows (DL401), so the
reported test ROC AUC is measured on data the model was trained on.
"""
import argparse

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, train_test_split


def load(path):
    frame = pd.read_csv(path).dropna()
    labels = frame.pop("churned").to_numpy()
    features = pd.get_dummies(frame, drop_first=True).to_numpy(dtype=np.float32)
    return features, labels


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="churn.csv")
    args = parser.parse_args()

    X, y = load(args.csv)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=7)

    search = GridSearchCV(
        GradientBoostingClassifier(random_state=0),
        {"n_estimators": [200, 400], "max_depth": [2, 3], "learning_rate": [0.05, 0.1]},
        scoring="roc_auc",
        cv=5,
    )
    search.fit(X_train, y_train)
    print("best parameters:", search.best_params_)

    # every labelled customer helps the final model
    final = GradientBoostingClassifier(random_state=0, **search.best_params_)
    final.fit(np.concatenate([X_train, X_test]), np.concatenate([y_train, y_test]))
    print(f"test ROC AUC: {roc_auc_score(y_test, final.predict_proba(X_test)[:, 1]):.4f}")


if __name__ == "__main__":
    main()
