"""Train a small CNN on chest X-rays, then classify single images from the command line.

Contains a bug dllint finds: training images go through `Normalize` with the
data set's mean and std, but `predict` prepares an image with `Resize` and
`ToTensor` only (DL501), so the deployed model sees inputs on another scale
than every image it was trained on.
"""
import argparse

import torch
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

MEAN, STD = (0.482,), (0.236,)
CLASSES = ("normal", "pneumonia")

TRAIN_TF = transforms.Compose([
    transforms.Grayscale(),
    transforms.Resize((224, 224)),
    transforms.RandomRotation(10),
    transforms.ToTensor(),
    transforms.Normalize(MEAN, STD),
])
PREDICT_TF = transforms.Compose([transforms.Grayscale(), transforms.Resize((224, 224)), transforms.ToTensor()])


class PneumoniaNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(64, len(CLASSES))

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def train(data_dir: str, epochs: int, checkpoint: str) -> None:
    loader = DataLoader(datasets.ImageFolder(data_dir, TRAIN_TF), batch_size=32, shuffle=True, num_workers=4)
    model = PneumoniaNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
        print(f"epoch {epoch}: loss {total / len(loader):.4f}")
    torch.save(model.state_dict(), checkpoint)


def predict(image_path: str, checkpoint: str) -> str:
    model = PneumoniaNet()
    model.load_state_dict(torch.load(checkpoint))
    model.eval()
    image = PREDICT_TF(Image.open(image_path)).unsqueeze(0)
    with torch.no_grad():
        return CLASSES[model(image).argmax(1).item()]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("train", "predict"))
    parser.add_argument("--data", default="chest_xray/train")
    parser.add_argument("--image")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--checkpoint", default="pneumonia.pt")
    args = parser.parse_args()
    if args.command == "train":
        train(args.data, args.epochs, args.checkpoint)
    else:
        print(predict(args.image, args.checkpoint))
