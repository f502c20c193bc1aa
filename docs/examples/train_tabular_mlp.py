"""Train a small MLP regressor on a tabular CSV file.

Contains a bug dllint finds: `init_weights`, applied to the whole model,
sets every Linear weight to 0.01, hidden layers included (DL301). All units
of a hidden layer start identical and receive identical gradients, so each
layer behaves like a single unit. Zeroing only the output layer would be fine.
"""
import argparse

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Regressor(nn.Module):
    def __init__(self, n_features, hidden=64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
        )
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.body(x)).squeeze(-1)


def init_weights(module):
    if isinstance(module, nn.Linear):
        nn.init.constant_(module.weight, 0.01)
        nn.init.zeros_(module.bias)


def load(path, target):
    frame = pd.read_csv(path)
    y = frame.pop(target).to_numpy(np.float32)
    x = frame.to_numpy(np.float32)
    x = (x - x.mean(0)) / (x.std(0) + 1e-8)
    return torch.from_numpy(x), torch.from_numpy(y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="housing.csv")
    parser.add_argument("--target", default="price")
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()

    x, y = load(args.csv, args.target)
    loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
    model = Regressor(x.shape[1])
    model.apply(init_weights)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for features, targets in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(features), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(targets)
        print(f"epoch {epoch}: mse {total / len(x):.4f}")


if __name__ == "__main__":
    main()
