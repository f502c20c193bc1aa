"""Train a keyword-spotting CNN on log-mel spectrograms and export it with TorchScript.

Contains a bug dllint finds: the best checkpoint is loaded into a fresh model
and traced with `torch.jit.trace` without calling `eval()` first (DL101), so
the exported graph keeps dropout and normalises with batch statistics.
"""
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class KeywordCNN(nn.Module):
    def __init__(self, n_keywords: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, n_keywords))

    def forward(self, spectrogram):
        return self.classifier(self.features(spectrogram))


def load_split(path: str) -> TensorDataset:
    blob = torch.load(path)
    mels = (blob["mels"] - blob["mean"]) / blob["std"]
    return TensorDataset(mels.unsqueeze(1), blob["labels"])


def train_epoch(model, loader, optimizer, criterion):
    model.train()
    total = 0.0
    for mels, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(mels), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


@torch.no_grad()
def accuracy(model, loader):
    model.eval()
    correct = sum((model(mels).argmax(1) == labels).sum().item() for mels, labels in loader)
    return correct / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", default="kws_train.pt")
    parser.add_argument("--val", default="kws_val.pt")
    parser.add_argument("--keywords", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()

    train_loader = DataLoader(load_split(args.train), batch_size=128, shuffle=True)
    val_loader = DataLoader(load_split(args.val), batch_size=512)
    model = KeywordCNN(args.keywords)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    best = 0.0
    for epoch in range(args.epochs):
        loss = train_epoch(model, train_loader, optimizer, criterion)
        score = accuracy(model, val_loader)
        print(f"epoch {epoch:02d}  loss {loss:.4f}  val acc {score:.3f}")
        if score > best:
            best = score
            torch.save(model.state_dict(), "kws_best.pt")

    deployed = KeywordCNN(args.keywords)
    deployed.load_state_dict(torch.load("kws_best.pt"))
    traced = torch.jit.trace(deployed, torch.randn(1, 1, 40, 101))
    traced.save("kws_mobile.pt")


if __name__ == "__main__":
    main()
