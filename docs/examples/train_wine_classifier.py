"""Train a small classifier on the wine-quality table.

Contains a bug dllint finds: the network's last layer is `nn.Softmax`, and
its output goes to `nn.CrossEntropyLoss`, which applies log-softmax itself
(DL201). The softmax is applied twice, the gradients shrink and training
crawls.
"""
import argparse

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def load_table(path):
    table = np.loadtxt(path, delimiter=";", skiprows=1, dtype=np.float32)
    features, quality = table[:, :-1], table[:, -1].astype(np.int64) - 3
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    return torch.from_numpy(features), torch.from_numpy(quality)


def build_classifier(n_features, n_classes):
    return nn.Sequential(
        nn.Linear(n_features, 64),
        nn.ReLU(),
        nn.Linear(64, 64),
        nn.ReLU(),
        nn.Linear(64, n_classes),
        nn.Softmax(dim=1),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="winequality-red.csv")
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()

    features, quality = load_table(args.csv)
    loader = DataLoader(TensorDataset(features, quality), batch_size=32, shuffle=True)
    model = build_classifier(features.shape[1], 6)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    for epoch in range(args.epochs):
        running = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            running += loss.item()
        print(f"epoch {epoch}: loss {running / len(loader):.4f}")


if __name__ == "__main__":
    main()
