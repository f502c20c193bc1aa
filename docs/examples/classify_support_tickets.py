"""Route support tickets to teams with TF-IDF features and a linear SVM.

Contains a bug dllint finds: the vectorizer learns its vocabulary and IDF
weights from every ticket before the tickets are split (DL402), so the
features the classifier is trained with already encode the test tickets.
"""
import argparse

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import classification_report
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="tickets.csv")
    parser.add_argument("--c", type=float, default=0.5)
    args = parser.parse_args()

    tickets = pd.read_csv(args.csv)
    texts = (tickets["subject"].fillna("") + " " + tickets["body"].fillna("")).tolist()
    teams = tickets["team"].to_numpy()

    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=3, sublinear_tf=True)
    features = vectorizer.fit_transform(texts)

    X_train, X_test, y_train, y_test = train_test_split(features, teams, test_size=0.2, stratify=teams, random_state=3)
    classifier = LinearSVC(C=args.c)
    classifier.fit(X_train, y_train)
    print(classification_report(y_test, classifier.predict(X_test), digits=3))


if __name__ == "__main__":
    main()
