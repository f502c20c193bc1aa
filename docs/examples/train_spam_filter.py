"""Train a bag-of-words spam filter.

Contains a bug dllint finds: `SpamNet.forward()` ends in `torch.sigmoid`,
and its output goes to `nn.BCEWithLogitsLoss`, which applies the sigmoid
itself (DL202). The scores are squashed twice and the gradients vanish.
"""
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class SpamNet(nn.Module):
    def __init__(self, vocabulary_size):
        super().__init__()
        self.hidden = nn.Linear(vocabulary_size, 128)
        self.score = nn.Linear(128, 1)

    def forward(self, counts):
        hidden = torch.relu(self.hidden(torch.log1p(counts)))
        return torch.sigmoid(self.score(hidden)).squeeze(1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="spam_counts.pt")
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()

    blob = torch.load(args.data)
    counts, is_spam = blob["counts"].float(), blob["is_spam"].float()
    loader = DataLoader(TensorDataset(counts, is_spam), batch_size=128, shuffle=True)
    model = SpamNet(counts.shape[1])
    spam_ratio = is_spam.mean()
    criterion = nn.BCEWithLogitsLoss(pos_weight=(1 - spam_ratio) / spam_ratio)
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
