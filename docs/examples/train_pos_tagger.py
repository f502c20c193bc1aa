"""Train a part-of-speech tagger with a bidirectional LSTM.

Contains a bug dllint finds: the tagger returns raw scores from its final
`nn.Linear`, and they go to `nn.NLLLoss`, which expects log-probabilities
(DL203). The loss falls without bound instead of fitting a distribution.
"""
import argparse

import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocabulary_size, n_tags, width=128):
        super().__init__()
        self.embed = nn.Embedding(vocabulary_size, width)
        self.lstm = nn.LSTM(width, width, batch_first=True, bidirectional=True)
        self.scores = nn.Linear(2 * width, n_tags)

    def forward(self, tokens):
        states, _ = self.lstm(self.embed(tokens))
        return self.scores(states)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="treebank.pt")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    blob = torch.load(args.data)
    sentences, tags = blob["tokens"], blob["tags"]
    n_tags = int(tags.max()) + 1
    model = Tagger(int(sentences.max()) + 1, n_tags)
    criterion = nn.NLLLoss(ignore_index=-100)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    for epoch in range(args.epochs):
        running = 0.0
        for start in range(0, len(sentences), 32):
            tokens, targets = sentences[start:start + 32], tags[start:start + 32]
            optimizer.zero_grad()
            scores = model(tokens)
            loss = criterion(scores.view(-1, n_tags), targets.view(-1))
            loss.backward()
            optimizer.step()
            running += loss.item()
        print(f"epoch {epoch}: loss {running:.2f}")


if __name__ == "__main__":
    main()
