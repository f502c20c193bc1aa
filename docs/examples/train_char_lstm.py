"""Train a character-level LSTM language model on a plain-text file.

Contains a bug dllint finds: `running_loss += loss` adds the loss tensor,
not its value (DL602). Each batch's autograd graph stays referenced by the
running total until the next report, so memory grows between reports; the
`.item()` fix is safe because the total is only printed.
"""
import argparse

import torch
from torch import nn


class CharLSTM(nn.Module):
    def __init__(self, vocab_size, hidden=256, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 64)
        self.lstm = nn.LSTM(64, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, tokens):
        out, _ = self.lstm(self.embed(tokens))
        return self.head(out)


def batches(data, batch_size, length):
    while True:
        starts = torch.randint(len(data) - length - 1, (batch_size,))
        x = torch.stack([data[s:s + length] for s in starts])
        y = torch.stack([data[s + 1:s + length + 1] for s in starts])
        yield x, y


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("text")
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--report_every", type=int, default=200)
    args = parser.parse_args()

    text = open(args.text, encoding="utf-8").read()
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    data = torch.tensor([index[ch] for ch in text])

    model = CharLSTM(len(vocab))
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    running_loss = 0.0
    for step, (x, y) in enumerate(batches(data, 32, 128), start=1):
        optimizer.zero_grad()
        logits = model(x)
        loss = criterion(logits.reshape(-1, len(vocab)), y.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running_loss += loss
        if step % args.report_every == 0:
            print(f"step {step}: loss {running_loss / args.report_every:.3f}")
            running_loss = 0.0
        if step == args.steps:
            break
    torch.save(model.state_dict(), "char_lstm.pt")


if __name__ == "__main__":
    main()
