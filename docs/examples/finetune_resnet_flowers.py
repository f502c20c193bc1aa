"""Fine-tune a pretrained ResNet-18 on the Oxford Flowers-102 images.

Contains a bug dllint finds: `optimizer.zero_grad()` runs once per epoch,
outside the batch loop, while `optimizer.step()` runs once per batch
(DL601). Every update applies the sum of all gradients of the epoch so
far, so the effective learning rate grows batch after batch.
"""
import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, models, transforms


def build_model(num_classes):
    weights = models.ResNet18_Weights.DEFAULT
    model = models.resnet18(weights=weights)
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model, weights.transforms()


def train_one_epoch(model, loader, criterion, optimizer, device):
    model.train()
    optimizer.zero_grad()
    seen, total = 0, 0.0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * images.size(0)
        seen += images.size(0)
    return total / seen


@torch.no_grad()
def accuracy(model, loader, device):
    model.eval()
    correct, seen = 0, 0
    for images, labels in loader:
        predictions = model(images.to(device)).argmax(dim=1)
        correct += (predictions.cpu() == labels).sum().item()
        seen += labels.size(0)
    return correct / seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=1e-3)
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model, preprocess = build_model(num_classes=102)
    model = model.to(device)
    train_set = datasets.Flowers102("data", split="train", download=True, transform=preprocess)
    val_set = datasets.Flowers102("data", split="val", download=True, transform=preprocess)
    train_loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=4)
    val_loader = DataLoader(val_set, batch_size=64, num_workers=4)

    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    for epoch in range(args.epochs):
        train_loss = train_one_epoch(model, train_loader, criterion, optimizer, device)
        print(f"epoch {epoch}: train loss {train_loss:.4f}, val accuracy {accuracy(model, val_loader, device):.3f}")
    torch.save(model.state_dict(), "resnet18_flowers.pt")


if __name__ == "__main__":
    main()
