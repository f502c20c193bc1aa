"""Train a BiLSTM part-of-speech tagger and keep the best checkpoint.

Contains a bug dllint finds: `evaluate()` switches the tagger to eval mode
inside the epoch loop, and `model.train()` is only called once before the
loop (DL102), so from the second epoch on the tagger trains with dropout off.
"""
import argparse

import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, vocab_size: int, n_tags: int, emb: int = 100, hidden: int = 200):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb, padding_idx=0)
        self.dropout = nn.Dropout(0.33)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, dropout=0.33, bidirectional=True, batch_first=True)
        self.out = nn.Linear(2 * hidden, n_tags)

    def forward(self, tokens):
        states, _ = self.lstm(self.dropout(self.embed(tokens)))
        return self.out(self.dropout(states))


def batches(path: str, size: int):
    data = torch.load(path)
    tokens, tags = data["tokens"], data["tags"]
    return [(tokens[i:i + size], tags[i:i + size]) for i in range(0, len(tokens), size)]


def evaluate(model, dev_batches, pad_tag):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for tokens, tags in dev_batches:
            mask = tags != pad_tag
            predicted = model(tokens).argmax(-1)
            correct += (predicted[mask] == tags[mask]).sum().item()
            total += mask.sum().item()
    return correct / max(total, 1)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", default="pos_train.pt")
    parser.add_argument("--dev", default="pos_dev.pt")
    parser.add_argument("--vocab", type=int, default=30000)
    parser.add_argument("--tags", type=int, default=17)
    parser.add_argument("--epochs", type=int, default=20)
    args = parser.parse_args()

    pad_tag = args.tags
    train_batches = batches(args.train, 32)
    dev_batches = batches(args.dev, 256)
    model = Tagger(args.vocab, args.tags + 1)
    criterion = nn.CrossEntropyLoss(ignore_index=pad_tag)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)

    best = 0.0
    model.train()
    for epoch in range(args.epochs):
        for tokens, tags in train_batches:
            optimizer.zero_grad()
            logits = model(tokens)
            loss = criterion(logits.reshape(-1, logits.size(-1)), tags.reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()
        accuracy = evaluate(model, dev_batches, pad_tag)
        if accuracy > best:
            best = accuracy
            torch.save(model.state_dict(), "tagger_best.pt")
        print(f"epoch {epoch + 1}: dev accuracy {accuracy:.4f} (best {best:.4f})")


if __name__ == "__main__":
    main()
